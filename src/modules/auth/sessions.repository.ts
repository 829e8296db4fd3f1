import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../infrastructure/database/prisma.service.js';

export type RefreshOutcome =
  | { kind: 'rotated'; userId: string; sessionId: string }
  /** The token was already used once: someone holds a copy. The whole sign-in is now revoked. */
  | { kind: 'reused' }
  | { kind: 'invalid' };

@Injectable()
export class SessionsRepository {
  constructor(private readonly prisma: PrismaService) {}

  async startSession(userId: string, refreshTokenHash: string, expiresAt: Date): Promise<void> {
    await this.prisma.session.create({
      data: { userId, expiresAt, refreshTokens: { create: { tokenHash: refreshTokenHash } } },
    });
  }

  /**
   * Spends a refresh token and stores its successor, in one transaction. Spending is a conditional
   * update (`used_at IS NULL`), so of two requests racing with one token exactly one rotates and
   * the other is treated as reuse.
   */
  async rotate(presentedHash: string, successorHash: string): Promise<RefreshOutcome> {
    return this.prisma.$transaction(async (tx) => {
      const spent = await tx.refreshToken.updateManyAndReturn({
        where: {
          tokenHash: presentedHash,
          usedAt: null,
          session: { revokedAt: null, expiresAt: { gt: new Date() } },
        },
        data: { usedAt: new Date() },
        select: { sessionId: true, session: { select: { userId: true } } },
      });
      const row = spent[0];
      if (row) {
        await tx.refreshToken.create({
          data: { sessionId: row.sessionId, tokenHash: successorHash },
        });
        return { kind: 'rotated', userId: row.session.userId, sessionId: row.sessionId };
      }
      const known = await tx.refreshToken.findUnique({
        where: { tokenHash: presentedHash },
        select: { sessionId: true, usedAt: true },
      });
      if (known?.usedAt) {
        await tx.session.updateMany({
          where: { id: known.sessionId, revokedAt: null },
          data: { revokedAt: new Date() },
        });
        return { kind: 'reused' };
      }
      return { kind: 'invalid' };
    });
  }

  /** Signing out ends the whole sign-in the token belongs to, but only the caller's own. */
  async revokeByToken(tokenHash: string, userId: string): Promise<void> {
    await this.prisma.session.updateMany({
      where: { userId, revokedAt: null, refreshTokens: { some: { tokenHash } } },
      data: { revokedAt: new Date() },
    });
  }
}
