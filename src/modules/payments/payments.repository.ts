import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../infrastructure/database/prisma.service.js';
import type { PaymentProviderName } from './payment-provider.js';
import type {
  BeginOutcome,
  FreePayOutcome,
  PaymentRecord,
  SuccessOutcome,
} from './payment.records.js';

export interface BeginRequest {
  paymentId: string;
  orderId: string;
  buyerId: string;
  provider: PaymentProviderName;
  leaseSeconds: number;
  maxDeclines: number;
}

/** A payments row as a PaymentRecord, its columns qualified by `table`. */
function paymentColumns(table: string): string {
  return `${table}.id, ${table}.order_id AS "orderId", ${table}.provider, ${table}.provider_ref AS "providerRef",
    ${table}.amount_cents AS "amountCents", ${table}.currency, ${table}.status, ${table}.declines,
    ${table}.applied, ${table}.failure_reason AS "failureReason"`;
}

/**
 * Payment attempts (migration payments_and_refunds). The writes that touch an order go through the
 * SQL functions, each one statement and one transaction in the documented lock order; the pay
 * path's two of them are named statements on the pool (parsed once per connection, no Prisma
 * query compilation), as the holds are.
 */
@Injectable()
export class PaymentsRepository {
  constructor(private readonly prisma: PrismaService) {}

  async begin(request: BeginRequest): Promise<BeginOutcome> {
    const result = await this.prisma.pool.query<{ outcome: BeginOutcome }>({
      name: 'eventflow_begin_payment',
      text: 'SELECT eventflow_begin_payment($1::uuid, $2::uuid, $3::uuid, $4, $5::int, $6::int) AS outcome',
      values: [
        request.paymentId,
        request.orderId,
        request.buyerId,
        request.provider,
        request.leaseSeconds,
        request.maxDeclines,
      ],
    });
    return result.rows[0].outcome;
  }

  /** The money was taken: the order paid, or the money owed back (a refund row). */
  async succeeded(
    paymentId: string,
    providerRef: string,
    refundGraceSeconds: number,
  ): Promise<SuccessOutcome> {
    const result = await this.prisma.pool.query<{ outcome: SuccessOutcome }>({
      name: 'eventflow_payment_succeeded',
      text: 'SELECT eventflow_payment_succeeded($1::uuid, $2, $3::int) AS outcome',
      values: [paymentId, providerRef, refundGraceSeconds],
    });
    return result.rows[0].outcome;
  }

  async payFree(orderId: string, buyerId: string): Promise<FreePayOutcome> {
    const rows = await this.prisma.$queryRaw<{ outcome: FreePayOutcome }[]>`
      SELECT eventflow_pay_free_order(${orderId}::uuid, ${buyerId}::uuid) AS outcome`;
    return rows[0].outcome;
  }

  /**
   * Nothing was taken and nothing will be: closes an open attempt, counting a declined card when
   * that is why. False if it was not open.
   */
  async failed(
    paymentId: string,
    failure: { reason: string; declined: boolean; providerRef: string | null },
  ): Promise<boolean> {
    const moved = await this.prisma.$executeRaw`
      UPDATE payments
         SET status = 'FAILED', declines = declines + ${failure.declined ? 1 : 0}::int,
             failure_reason = left(${failure.reason}, 500),
             provider_ref = coalesce(${failure.providerRef}, provider_ref), settled_at = now(), updated_at = now()
       WHERE id = ${paymentId}::uuid AND status IN ('PROCESSING', 'REQUIRES_ACTION')`;
    return moved === 1;
  }

  /**
   * The buyer must act (3-D Secure, or confirm in the browser): the attempt stays open until its
   * order's hold ends, when the sweeper cancels it at the provider; at once when the order is no
   * longer pending (cancelled while this was being recorded).
   */
  async requiresAction(paymentId: string, providerRef: string): Promise<boolean> {
    const moved = await this.prisma.$executeRaw`
      UPDATE payments p
         SET status = 'REQUIRES_ACTION', provider_ref = ${providerRef}, updated_at = now(),
             lease_until = (SELECT CASE WHEN o.status = 'PENDING' THEN greatest(p.lease_until, o.expires_at) ELSE now() END
                              FROM orders o WHERE o.id = p.order_id)
       WHERE p.id = ${paymentId}::uuid AND p.status IN ('PROCESSING', 'REQUIRES_ACTION')`;
    return moved === 1;
  }

  /**
   * A card refused in the browser: the attempt stays open for another card, the refusal counted.
   * Answers the declines of the attempt's order so far, all attempts together.
   */
  async countBrowserDecline(paymentId: string, reason: string): Promise<number> {
    const rows = await this.prisma.$queryRaw<{ declines: number }[]>`
      WITH counted AS (
        UPDATE payments SET declines = declines + 1, failure_reason = left(${reason}, 500), updated_at = now()
         WHERE id = ${paymentId}::uuid AND status = 'REQUIRES_ACTION'
        RETURNING order_id, id, declines
      )
      SELECT (coalesce((SELECT sum(p.declines) FROM payments p, counted
                         WHERE p.order_id = counted.order_id AND p.id <> counted.id), 0)
              + (SELECT declines FROM counted))::int AS declines`;
    return rows[0]?.declines ?? 0;
  }

  async findById(paymentId: string): Promise<PaymentRecord | null> {
    const rows = await this.prisma.$queryRawUnsafe<PaymentRecord[]>(
      `SELECT ${paymentColumns('p')} FROM payments p WHERE p.id = $1::uuid`,
      paymentId,
    );
    return rows[0] ?? null;
  }

  /**
   * Open attempts whose lease has passed, for this sweeper alone: each is locked (SKIP LOCKED, so
   * several sweepers never wait for each other) and its lease pushed forward in the same statement,
   * so no other sweeper picks it until this one has had time to settle it.
   */
  claimStale(limit: number, leaseSeconds: number): Promise<PaymentRecord[]> {
    return this.prisma.$queryRawUnsafe<PaymentRecord[]>(
      `UPDATE payments p SET lease_until = now() + make_interval(secs => $2::int)
         FROM (SELECT id FROM payments
                WHERE status IN ('PROCESSING', 'REQUIRES_ACTION') AND lease_until <= now()
                ORDER BY lease_until
                LIMIT $1::int
                  FOR NO KEY UPDATE SKIP LOCKED) due
        WHERE p.id = due.id
       RETURNING ${paymentColumns('p')}`,
      limit,
      leaseSeconds,
    );
  }
}
