import { Injectable } from '@nestjs/common';
import { describeDatabaseError } from '../../common/errors/error-mapper.js';
import { pageWindow } from '../../common/http/pagination.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { PrismaService } from '../../infrastructure/database/prisma.service.js';
import type { HoldOutcome, OrderRecord, OrderStatus, OwedRefund } from './order.records.js';

const ORDER_WITH_LINES = {
  id: true,
  userId: true,
  eventId: true,
  status: true,
  totalCents: true,
  currency: true,
  expiresAt: true,
  createdAt: true,
  paidAt: true,
  cancelledAt: true,
  paymentRef: true,
  items: {
    select: { ticketTypeId: true, name: true, quantity: true, unitPriceCents: true },
    orderBy: { ticketTypeId: 'asc' },
  },
  tickets: {
    select: {
      code: true,
      ticketTypeId: true,
      eventId: true,
      orderId: true,
      status: true,
      checkedInAt: true,
    },
    orderBy: [{ ticketTypeId: 'asc' }, { code: 'asc' }],
  },
} satisfies Prisma.OrderSelect;

export interface HoldRequest {
  orderId: string;
  userId: string;
  items: { ticketTypeId: string; quantity: number }[];
  holdSeconds: number;
}

/** One buyer's single-item hold, as the batch path takes it. */
export interface BatchedHold {
  orderId: string;
  userId: string;
  ticketTypeId: string;
  quantity: number;
}

/** Work to do in the same transaction as a write, after it succeeded (an idempotency answer). */
export type InTransaction<T> = (tx: Prisma.TransactionClient, result: T) => Promise<void>;

/**
 * The order state machine's writes are PostgreSQL functions (migration order_functions): each is
 * one round trip and one short transaction, so the hot ticket_types rows stay locked for server
 * time only, never for a network round trip or an await in Node.
 */
@Injectable()
export class OrdersRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * One order's hold (eventflow_hold_order): a single statement, or, when an idempotency answer
   * must commit with the order, that statement and the answer in one transaction.
   */
  async hold(
    request: HoldRequest,
    alsoInTransaction?: InTransaction<HoldOutcome>,
  ): Promise<HoldOutcome> {
    const ids = request.items.map((item) => item.ticketTypeId);
    const quantities = request.items.map((item) => item.quantity);
    try {
      if (!alsoInTransaction)
        return await this.holdOnPool(
          request.orderId,
          request.userId,
          ids,
          quantities,
          request.holdSeconds,
        );
      return await this.prisma.$transaction(async (tx) => {
        const rows = await tx.$queryRaw<{ outcome: HoldOutcome }[]>`
          SELECT eventflow_hold_order(${request.orderId}::uuid, ${request.userId}::uuid, ${ids}::uuid[],
                                      ${quantities}::int[], ${request.holdSeconds}::int) AS outcome`;
        const outcome = rows[0].outcome;
        await alsoInTransaction(tx, outcome);
        return outcome;
      });
    } catch (error) {
      const lost = lostRace(error);
      if (lost) return lost;
      throw error;
    }
  }

  /**
   * The hold without an Idempotency-Key (multi-item orders, and ticket types with maxPerBuyer,
   * which are not batched). It goes to Prisma's own connection pool (the same connections and
   * limits) but not through the client: the flash-sale benchmark profiled Prisma's per-query work
   * at about 9% of the API's CPU on this path. A named statement is also parsed and planned once
   * per connection instead of on every call.
   */
  private async holdOnPool(
    orderId: string,
    userId: string,
    ids: string[],
    quantities: number[],
    holdSeconds: number,
  ): Promise<HoldOutcome> {
    const result = await this.prisma.pool.query<{ outcome: HoldOutcome }>({
      name: 'eventflow_hold_order',
      text: 'SELECT eventflow_hold_order($1::uuid, $2::uuid, $3::uuid[], $4::int[], $5::int) AS outcome',
      values: [orderId, userId, ids, quantities, holdSeconds],
    });
    return result.rows[0].outcome;
  }

  /**
   * Holds of many buyers of one ticket type in one call (eventflow_hold_batch; see HoldBatcher).
   * One outcome per hold, in the order given; "SINGLE" means: use hold() for these instead.
   */
  async holdBatch(
    ticketTypeId: string,
    holds: BatchedHold[],
    holdSeconds: number,
  ): Promise<(HoldOutcome | { outcome: 'SINGLE' })[]> {
    const result = await this.prisma.pool.query<{
      outcomes: (HoldOutcome | { outcome: 'SINGLE' })[];
    }>({
      name: 'eventflow_hold_batch',
      // to_jsonb: one JSON array, parsed by one JSON.parse. A jsonb[] goes through pg's array-text
      // parser first, character by character: a tenth of the flash sale's allocations, measured.
      text: 'SELECT to_jsonb(eventflow_hold_batch($1::uuid[], $2::uuid[], $3::uuid, $4::int[], $5::int)) AS outcomes',
      values: [
        holds.map((h) => h.orderId),
        holds.map((h) => h.userId),
        ticketTypeId,
        holds.map((h) => h.quantity),
        holdSeconds,
      ],
    });
    return result.rows[0].outcomes;
  }

  findById(id: string): Promise<OrderRecord | null> {
    return this.prisma.order.findUnique({ where: { id }, select: ORDER_WITH_LINES });
  }

  /** The order with what its cancellation rules need to know of its event. */
  findWithEvent(
    id: string,
  ): Promise<(OrderRecord & { event: { organizerId: string; startsAt: Date } }) | null> {
    return this.prisma.order.findUnique({
      where: { id },
      select: { ...ORDER_WITH_LINES, event: { select: { organizerId: true, startsAt: true } } },
    });
  }

  async listForBuyer(
    userId: string,
    page: number,
    limit: number,
  ): Promise<{ orders: OrderRecord[]; total: number }> {
    const [orders, total] = await Promise.all([
      this.prisma.order.findMany({
        where: { userId },
        select: ORDER_WITH_LINES,
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        ...pageWindow(page, limit),
      }),
      this.prisma.order.count({ where: { userId } }),
    ]);
    return { orders, total };
  }

  /** PENDING -> PAID with its tickets; null when the order stopped being payable. */
  async markPaid(
    orderId: string,
    paymentRef: string | null,
    tickets: { code: string; ticketTypeId: string }[],
    alsoInTransaction?: InTransaction<Date | null>,
  ): Promise<Date | null> {
    const codes = tickets.map((t) => t.code);
    const types = tickets.map((t) => t.ticketTypeId);
    const run = async (client: Prisma.TransactionClient | PrismaService) => {
      const rows = await client.$queryRaw<{ paid_at: Date | null }[]>`
        SELECT eventflow_mark_paid(${orderId}::uuid, ${paymentRef}, ${codes}::text[], ${types}::uuid[]) AS paid_at`;
      return rows[0].paid_at;
    };
    if (!alsoInTransaction) return run(this.prisma);
    return this.prisma.$transaction(async (tx) => {
      const paidAt = await run(tx);
      await alsoInTransaction(tx, paidAt);
      return paidAt;
    });
  }

  /** A charge taken for an order that did not become paid: remembered until it is refunded. */
  async recordChargeToRefund(orderId: string, paymentRef: string): Promise<void> {
    await this.prisma.order.updateMany({
      where: { id: orderId, paymentRef: null },
      data: { paymentRef },
    });
  }

  async markRefunded(orderId: string): Promise<void> {
    await this.prisma.order.updateMany({
      where: { id: orderId, refundedAt: null },
      data: { refundedAt: new Date() },
    });
  }

  /** Conditional: false when the order was no longer in `expected` (someone else moved it first). */
  async cancel(
    orderId: string,
    expected: Extract<OrderStatus, 'PENDING' | 'PAID'>,
  ): Promise<boolean> {
    const rows = await this.prisma.$queryRaw<{ cancelled: boolean }[]>`
      SELECT eventflow_cancel_order(${orderId}::uuid, ${expected}::"OrderStatus") AS cancelled`;
    return rows[0].cancelled;
  }

  async expireDue(limit: number): Promise<number> {
    const rows = await this.prisma.$queryRaw<
      { expired: number }[]
    >`SELECT eventflow_expire_orders(${limit}::int) AS expired`;
    return rows[0].expired;
  }

  /** Null when the event does not exist or was already cancelled. */
  async cancelEvent(
    eventId: string,
  ): Promise<{ cancelledOrders: number; refunds: OwedRefund[] } | null> {
    const rows = await this.prisma.$queryRaw<
      { result: { cancelledOrders: number; refunds: OwedRefund[] } | null }[]
    >`
      SELECT eventflow_cancel_event(${eventId}::uuid) AS result`;
    return rows[0].result;
  }

  /** Charges taken for orders that are not paid (cancelled, or expired mid-payment) and not yet refunded. */
  async owedRefunds(olderThanSeconds: number, limit: number): Promise<OwedRefund[]> {
    return this.prisma.$queryRaw<OwedRefund[]>`
      SELECT id AS "orderId", payment_ref AS "paymentRef", total_cents AS "totalCents", currency
        FROM orders
       WHERE payment_ref IS NOT NULL AND refunded_at IS NULL AND status <> 'PAID'
         AND coalesce(cancelled_at, expired_at, paid_at, created_at) < now() - make_interval(secs => ${olderThanSeconds}::int)
       LIMIT ${limit}::int`;
  }
}

/**
 * The hold function raises when it loses the race for the last tickets after its optimistic check
 * (the raise rolls its inserts back): "eventflow:<outcome>:<id>:<available>" in the message.
 */
function lostRace(error: unknown): HoldOutcome | undefined {
  const match = /eventflow:(SOLD_OUT|EVENT_CANCELLED):([0-9a-f-]{36}):(\d+)/.exec(
    describeDatabaseError(error).message,
  );
  if (!match) return undefined;
  return match[1] === 'SOLD_OUT'
    ? { outcome: 'SOLD_OUT', ticketTypeId: match[2], available: Number(match[3]) }
    : { outcome: 'EVENT_CANCELLED' };
}
