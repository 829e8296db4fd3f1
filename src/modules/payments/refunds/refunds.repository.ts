import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../../infrastructure/database/prisma.service.js';
import type { PaymentProviderName } from '../payment-provider.js';

/** A refund row with what sending it needs: its payment's provider and reference. */
export interface RefundJob {
  id: string;
  paymentId: string;
  provider: PaymentProviderName;
  paymentReference: string | null;
  amountCents: number;
  currency: string;
  attempts: number;
  refusals: number;
}

const JOB_COLUMNS = `r.id, r.payment_id AS "paymentId", p.provider, p.provider_ref AS "paymentReference",
  r.amount_cents AS "amountCents", r.currency, r.attempts, r.refusals`;

/** Refunds owed (migration payments_and_refunds): written by the order functions, sent from here. */
@Injectable()
export class RefundsRepository {
  constructor(private readonly prisma: PrismaService) {}

  async pending(refundIds: string[]): Promise<RefundJob[]> {
    if (refundIds.length === 0) return [];
    return this.prisma.$queryRawUnsafe<RefundJob[]>(
      `SELECT ${JOB_COLUMNS} FROM refunds r JOIN payments p ON p.id = r.payment_id
        WHERE r.id = ANY ($1::uuid[]) AND r.status = 'PENDING'`,
      refundIds,
    );
  }

  /**
   * Pending refunds whose next attempt is due, for this sweeper alone (SKIP LOCKED), each pushed
   * back by `retryInSeconds` in the same statement, in case this sweeper dies before recording
   * how the attempt went.
   */
  claimDue(limit: number, retryInSeconds: number): Promise<RefundJob[]> {
    return this.prisma.$queryRawUnsafe<RefundJob[]>(
      `UPDATE refunds r SET next_attempt_at = now() + make_interval(secs => $2::int)
         FROM (SELECT id FROM refunds
                WHERE status = 'PENDING' AND next_attempt_at <= now()
                ORDER BY next_attempt_at
                LIMIT $1::int
                  FOR NO KEY UPDATE SKIP LOCKED) due, payments p
        WHERE r.id = due.id AND p.id = r.payment_id
       RETURNING ${JOB_COLUMNS}`,
      limit,
      retryInSeconds,
    );
  }

  /** Recorded once; also stamps a refunded order's refunded_at (eventflow_refund_succeeded). */
  async succeeded(refundId: string, providerRef: string): Promise<boolean> {
    const rows = await this.prisma.$queryRaw<{ recorded: boolean }[]>`
      SELECT eventflow_refund_succeeded(${refundId}::uuid, ${providerRef}) AS recorded`;
    return rows[0].recorded;
  }

  /** Accepted by the provider but not through yet: asked again in `checkInSeconds`. */
  async stillPending(refundId: string, providerRef: string, checkInSeconds: number): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE refunds
         SET provider_ref = ${providerRef}, last_error = 'pending at the provider',
             next_attempt_at = now() + make_interval(secs => ${checkInSeconds}::int)
       WHERE id = ${refundId}::uuid AND status = 'PENDING'`;
  }

  /**
   * A try failed: counted (and counted as a refusal when the provider said no, which spends its
   * idempotency key), the reason kept, the next try in `retryInSeconds`.
   */
  async failed(
    refundId: string,
    failure: { reason: string; refused: boolean; retryInSeconds: number },
  ): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE refunds
         SET attempts = attempts + 1, refusals = refusals + ${failure.refused ? 1 : 0}::int,
             last_error = left(${failure.reason}, 500),
             next_attempt_at = now() + make_interval(secs => ${failure.retryInSeconds}::int)
       WHERE id = ${refundId}::uuid AND status = 'PENDING'`;
  }

  /** Handed to the sweepers: due at once. */
  async dueNow(refundIds: string[]): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE refunds SET next_attempt_at = now() WHERE id = ANY (${refundIds}::uuid[]) AND status = 'PENDING'`;
  }

  /** For the metrics: refunds still owed, and the oldest one's age in seconds. */
  async owed(): Promise<{ count: number; oldestSeconds: number }> {
    const rows = await this.prisma.$queryRaw<{ count: number; oldest_seconds: number }[]>`
      SELECT count(*)::int AS count,
             coalesce(extract(epoch FROM now() - min(created_at)), 0)::int AS oldest_seconds
        FROM refunds WHERE status = 'PENDING'`;
    return { count: rows[0].count, oldestSeconds: rows[0].oldest_seconds };
  }
}
