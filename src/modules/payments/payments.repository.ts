import type { AttendeeName } from '../orders/order.records.js';
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
  /** Names for the order's tickets, stored with the attempt; null keeps what the order has. */
  attendees: AttendeeName[] | null;
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
      text: 'SELECT eventflow_begin_payment($1::uuid, $2::uuid, $3::uuid, $4, $5::int, $6::int, $7::jsonb) AS outcome',
      values: [
        request.paymentId,
        request.orderId,
        request.buyerId,
        request.provider,
        request.leaseSeconds,
        request.maxDeclines,
        request.attendees === null ? null : JSON.stringify(request.attendees),
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
    // The order is locked first (the lock order) and read as of that lock, so a cancellation
    // committing meanwhile is seen: the lease then ends now, not at the hold's end.
    const moved = await this.prisma.$executeRaw`
      WITH o AS (
        SELECT id, status, expires_at FROM orders
         WHERE id = (SELECT order_id FROM payments WHERE id = ${paymentId}::uuid)
           FOR NO KEY UPDATE
      )
      UPDATE payments p
         SET status = 'REQUIRES_ACTION', provider_ref = ${providerRef}, updated_at = now(),
             lease_until = CASE WHEN o.status = 'PENDING' THEN greatest(p.lease_until, o.expires_at) ELSE now() END
        FROM o
       WHERE p.id = ${paymentId}::uuid AND p.order_id = o.id AND p.status IN ('PROCESSING', 'REQUIRES_ACTION')`;
    return moved === 1;
  }

  /** The attempt is due for the reconciler at its next sweep. */
  async endLease(paymentId: string): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE payments SET lease_until = now(), updated_at = now()
       WHERE id = ${paymentId}::uuid AND status IN ('PROCESSING', 'REQUIRES_ACTION')`;
  }

  /**
   * A provider's event, taken for handling: false when it was taken before (a redelivery, or the
   * same delivery twice at once), which is then left alone.
   */
  async claimEvent(provider: PaymentProviderName, eventId: string): Promise<boolean> {
    const taken = await this.prisma.$executeRaw`
      INSERT INTO provider_events (provider, event_id) VALUES (${provider}, ${eventId})
      ON CONFLICT DO NOTHING`;
    return taken === 1;
  }

  /** An event whose handling failed: its redelivery is handled anew. */
  async forgetEvent(provider: PaymentProviderName, eventId: string): Promise<void> {
    await this.prisma.$executeRaw`
      DELETE FROM provider_events WHERE provider = ${provider} AND event_id = ${eventId}`;
  }

  /** Providers retry their deliveries for days, not weeks. */
  async forgetEventsOlderThan(days: number): Promise<number> {
    return this.prisma.$executeRaw`
      DELETE FROM provider_events WHERE received_at < now() - make_interval(days => ${days}::int)`;
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
    const rows = await this.prisma.$queryRaw<{ payment: PaymentRecord }[]>`
      SELECT eventflow_payment_json(p) AS payment FROM payments p WHERE p.id = ${paymentId}::uuid`;
    return rows[0]?.payment ?? null;
  }

  /**
   * Open attempts whose lease has passed, for this sweeper alone: each is locked (SKIP LOCKED, so
   * several sweepers never wait for each other) and its lease pushed forward in the same statement,
   * so no other sweeper picks it until this one has had time to settle it.
   */
  async claimStale(
    limit: number,
    leaseSeconds: number,
    providers: PaymentProviderName[],
  ): Promise<PaymentRecord[]> {
    const rows = await this.prisma.$queryRaw<{ payment: PaymentRecord }[]>`
      UPDATE payments p SET lease_until = now() + make_interval(secs => ${leaseSeconds}::int)
        FROM (SELECT id FROM payments
               WHERE status IN ('PROCESSING', 'REQUIRES_ACTION') AND lease_until <= now()
                 AND provider = ANY (${providers}::text[])
               ORDER BY lease_until
               LIMIT ${limit}::int
                 FOR NO KEY UPDATE SKIP LOCKED) due
       WHERE p.id = due.id
      RETURNING eventflow_payment_json(p) AS payment`;
    return rows.map((row) => row.payment);
  }
}
