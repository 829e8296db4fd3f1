import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../../infrastructure/database/prisma.service.js';
import type { StoredAnswer } from './idempotency.js';

export type Claim =
  | { kind: 'claimed'; resourceId: string }
  | { kind: 'answered'; fingerprint: string; answer: StoredAnswer }
  | { kind: 'in-flight'; fingerprint: string; leaseExpired: boolean };

@Injectable()
export class IdempotencyRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Inserts the key as in flight. The primary key (user, key) decides a race between requests
   * carrying one key: exactly one inserts; the others read what it left.
   */
  async claim(
    userId: string,
    key: string,
    fingerprint: string,
    leaseSeconds: number,
  ): Promise<Claim> {
    const inserted = await this.prisma.$queryRaw<{ resource_id: string }[]>`
      INSERT INTO idempotency_keys (user_id, key, request_hash, locked_until)
      VALUES (${userId}::uuid, ${key}, ${fingerprint}, now() + make_interval(secs => ${leaseSeconds}::int))
      ON CONFLICT (user_id, key) DO NOTHING
      RETURNING resource_id`;
    if (inserted.length > 0) return { kind: 'claimed', resourceId: inserted[0].resource_id };
    const rows = await this.prisma.$queryRaw<
      {
        request_hash: string;
        response_status: number | null;
        response_body: StoredAnswer | null;
        lease_expired: boolean;
      }[]
    >`SELECT request_hash, response_status, response_body, locked_until <= now() AS lease_expired
        FROM idempotency_keys WHERE user_id = ${userId}::uuid AND key = ${key}`;
    const row = rows[0];
    // Deleted between the two statements (released after a failure): try again as new.
    if (!row) return this.claim(userId, key, fingerprint, leaseSeconds);
    if (row.response_status !== null && row.response_body) {
      return { kind: 'answered', fingerprint: row.request_hash, answer: row.response_body };
    }
    return { kind: 'in-flight', fingerprint: row.request_hash, leaseExpired: row.lease_expired };
  }

  /**
   * A request whose holder crashed (its lease ran out) may be taken over, by one request only; it
   * gets the same resource id, so it makes (or finds) the same order or payment attempt.
   */
  async takeOver(userId: string, key: string, leaseSeconds: number): Promise<string | null> {
    const taken = await this.prisma.$queryRaw<{ resource_id: string }[]>`
      UPDATE idempotency_keys SET locked_until = now() + make_interval(secs => ${leaseSeconds}::int)
       WHERE user_id = ${userId}::uuid AND key = ${key} AND response_status IS NULL AND locked_until <= now()
      RETURNING resource_id`;
    return taken[0]?.resource_id ?? null;
  }

  async complete(userId: string, key: string, answer: StoredAnswer): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE idempotency_keys SET response_status = ${answer.status}::int, response_body = ${JSON.stringify(answer)}::jsonb
       WHERE user_id = ${userId}::uuid AND key = ${key}`;
  }

  /** No answer to keep yet (a payment still in progress): the next request with the key looks again. */
  async reopen(userId: string, key: string): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE idempotency_keys SET locked_until = now()
       WHERE user_id = ${userId}::uuid AND key = ${key} AND response_status IS NULL`;
  }

  /** After an unexpected failure nothing is remembered, so a retry runs again. */
  async release(userId: string, key: string): Promise<void> {
    await this.prisma.$executeRaw`
      DELETE FROM idempotency_keys WHERE user_id = ${userId}::uuid AND key = ${key} AND response_status IS NULL`;
  }

  /** Keys are kept at least 24 hours (API.md); older ones go, a batch at a time. */
  async deleteExpired(olderThanHours: number, limit: number): Promise<number> {
    return this.prisma.$executeRaw`
      DELETE FROM idempotency_keys
       WHERE ctid IN (SELECT ctid FROM idempotency_keys
                       WHERE created_at < now() - make_interval(hours => ${olderThanHours}::int) LIMIT ${limit}::int)`;
  }
}
