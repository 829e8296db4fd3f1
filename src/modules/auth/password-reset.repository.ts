import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../infrastructure/database/prisma.service.js';
import { JOB_PRIORITY } from '../../infrastructure/jobs/enqueue.sql.js';
import { EMAIL_JOBS, EMAIL_MAX_ATTEMPTS } from '../emails/email-jobs.js';

/**
 * Reset requests per account within one validity window: past this, a request still answers 202
 * but makes no token and sends nothing, so nobody can fill someone's inbox from many addresses
 * (the per-client limit counts one address at a time).
 */
export const MAX_RESETS_PER_WINDOW = 3;

/**
 * Password-reset tokens. Expiry is always judged by the database's clock (`now()`), the one that
 * wrote `expires_at`, never the application's.
 */
@Injectable()
export class PasswordResetRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** A reset asked for: one job, the same for every email, known or not. */
  async queueRequest(job: string, email: string): Promise<void> {
    await this.prisma.$executeRaw`
      SELECT graphile_worker.add_job(${job}::text, json_build_object('email', ${email}::text),
                                     max_attempts := ${EMAIL_MAX_ATTEMPTS}::int,
                                     priority := ${JOB_PRIORITY.passwordReset}::int)`;
  }

  /**
   * For the account of `email`, if there is one (and under its cap): stores the token's hash and
   * queues its email, in one statement (so one transaction). Run by the request's job, never
   * while the request waits.
   */
  async request(
    email: string,
    token: { token: string; hash: string },
    validMinutes: number,
  ): Promise<void> {
    await this.prisma.$executeRaw`
      WITH account AS (
        SELECT u.id FROM users u
         WHERE u.email = ${email}
           AND (SELECT count(*) FROM password_reset_tokens p
                 WHERE p.user_id = u.id
                   AND p.created_at > now() - make_interval(mins => ${validMinutes}::int))
               < ${MAX_RESETS_PER_WINDOW}::int
      ), stored AS (
        INSERT INTO password_reset_tokens (user_id, token_hash, expires_at)
        SELECT id, ${token.hash}, now() + make_interval(mins => ${validMinutes}::int) FROM account
        RETURNING user_id
      )
      SELECT graphile_worker.add_job(
               ${EMAIL_JOBS.passwordReset}::text,
               json_build_object('userId', stored.user_id, 'token', ${token.token}::text),
               max_attempts := ${EMAIL_MAX_ATTEMPTS}::int,
               priority := ${JOB_PRIORITY.passwordReset}::int)
        FROM stored`;
  }

  /** When the token stops working, if it can still be used. */
  async usableUntil(tokenHash: string): Promise<Date | undefined> {
    const rows = await this.prisma.$queryRaw<{ expiresAt: Date }[]>`
      SELECT expires_at AS "expiresAt" FROM password_reset_tokens
       WHERE token_hash = ${tokenHash} AND used_at IS NULL AND expires_at > now()`;
    return rows[0]?.expiresAt;
  }

  /**
   * Spends the token and sets the password, in one transaction: spending is a conditional update
   * (`used_at IS NULL`), so of two confirmations racing with one token exactly one wins. The
   * account's other reset tokens are spent too, and every sign-in (session, with its refresh
   * tokens) is revoked: whoever knew the old password is signed out. False: the token is unknown,
   * expired or used, and nothing changed.
   */
  async resetPassword(tokenHash: string, passwordHash: string): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const spent = await tx.$queryRaw<{ userId: string }[]>`
        UPDATE password_reset_tokens SET used_at = now()
         WHERE token_hash = ${tokenHash} AND used_at IS NULL AND expires_at > now()
        RETURNING user_id AS "userId"`;
      const userId = spent[0]?.userId;
      if (!userId) return false;
      await tx.user.update({ where: { id: userId }, data: { passwordHash } });
      await tx.$executeRaw`
        UPDATE password_reset_tokens SET used_at = now() WHERE user_id = ${userId}::uuid AND used_at IS NULL`;
      await tx.$executeRaw`
        UPDATE sessions SET revoked_at = now() WHERE user_id = ${userId}::uuid AND revoked_at IS NULL`;
      return true;
    });
  }
}
