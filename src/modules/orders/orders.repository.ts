import { Injectable } from '@nestjs/common';
import { describeDatabaseError } from '../../common/errors/error-mapper.js';
import { pageWindow } from '../../common/http/pagination.js';
import { PrismaService } from '../../infrastructure/database/prisma.service.js';
import type {
  AttendeeName,
  CancelOutcome,
  HoldOutcome,
  OrderRecord,
  OrderStatus,
  OrderWithBuyer,
  OrderWithEvent,
  RefundOutcome,
  RefundReason,
} from './order.records.js';
import { orderViewSql, toOrderView, type OrderViewRow } from './order.view.js';

const ORDER_BY_ID = orderViewSql('o.id = $1::uuid');
const ORDERS_OF_BUYER = orderViewSql(
  'o.user_id = $1::uuid',
  'ORDER BY o.created_at DESC, o.id DESC LIMIT $2::int OFFSET $3::int',
);
/** An event's orders for its organizer, newest first, with each buyer; $2 status and $3 email optional. */
const ORDERS_OF_EVENT = `
  SELECT v.*, json_build_object('id', u.id, 'email', u.email, 'name', u.name) AS buyer
    FROM (${orderViewSql(
      `o.event_id = $1::uuid AND ($2::"OrderStatus" IS NULL OR o.status = $2::"OrderStatus")
         AND ($3::text IS NULL OR o.user_id = (SELECT id FROM users WHERE email = $3::text))`,
      'ORDER BY o.created_at DESC, o.id DESC LIMIT $4::int OFFSET $5::int',
    )}) v
    JOIN users u ON u.id = v."userId"
   ORDER BY v."createdAt" DESC, v.id DESC`;

export type NameOutcome =
  | { outcome: 'NAMED' }
  | { outcome: 'NOT_FOUND' }
  | { outcome: 'NOT_PENDING'; orderStatus: OrderStatus }
  | { outcome: 'DO_NOT_MATCH' };

export interface EventOrdersFilter {
  status?: OrderStatus;
  /** The buyer's account email, exactly (emails are stored lower-cased). */
  buyerEmail?: string;
}

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

/**
 * The order state machine's writes are PostgreSQL functions (migration order_functions): each is
 * one round trip and one short transaction, so the hot ticket_types rows stay locked for server
 * time only, never for a network round trip or an await in Node.
 */
@Injectable()
export class OrdersRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * One order's hold (eventflow_hold_order), keyed or not: a single statement on Prisma's own pool
   * (the same connections and limits) but not through the client, whose per-query work the
   * flash-sale benchmark profiled at about 9% of the API's CPU. A named statement is also parsed
   * and planned once per connection instead of on every call.
   */
  async hold(request: HoldRequest): Promise<HoldOutcome> {
    try {
      const result = await this.prisma.pool.query<{ outcome: HoldOutcome }>({
        name: 'eventflow_hold_order',
        text: 'SELECT eventflow_hold_order($1::uuid, $2::uuid, $3::uuid[], $4::int[], $5::int) AS outcome',
        values: [
          request.orderId,
          request.userId,
          request.items.map((item) => item.ticketTypeId),
          request.items.map((item) => item.quantity),
          request.holdSeconds,
        ],
      });
      return result.rows[0].outcome;
    } catch (error) {
      const lost = lostRace(error);
      if (lost) return lost;
      throw error;
    }
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

  /**
   * One order with its lines, tickets, latest payment and its event's refund policy, in one
   * statement (the pay path reads back the order it answers).
   */
  async findById(id: string): Promise<OrderWithEvent | null> {
    const result = await this.prisma.pool.query<OrderViewRow>({
      name: 'eventflow_order_by_id',
      text: ORDER_BY_ID,
      values: [id],
    });
    const row = result.rows[0];
    return row ? toOrderView(row) : null;
  }

  async listForBuyer(
    userId: string,
    page: number,
    limit: number,
  ): Promise<{ orders: OrderRecord[]; total: number }> {
    const { skip, take } = pageWindow(page, limit);
    const [orders, total] = await Promise.all([
      this.prisma.pool.query<OrderViewRow>({
        name: 'eventflow_orders_of_buyer',
        text: ORDERS_OF_BUYER,
        values: [userId, take, skip],
      }),
      this.prisma.order.count({ where: { userId } }),
    ]);
    return { orders: orders.rows.map(toOrderView), total };
  }

  async listForEvent(
    eventId: string,
    filter: EventOrdersFilter,
    page: number,
    limit: number,
  ): Promise<{ orders: OrderWithBuyer[]; total: number }> {
    const { skip, take } = pageWindow(page, limit);
    const [orders, total] = await Promise.all([
      this.prisma.pool.query<OrderViewRow & { buyer: OrderWithBuyer['buyer'] }>({
        name: 'eventflow_orders_of_event',
        text: ORDERS_OF_EVENT,
        values: [eventId, filter.status ?? null, filter.buyerEmail ?? null, take, skip],
      }),
      this.prisma.order.count({
        where: {
          eventId,
          status: filter.status,
          user: filter.buyerEmail === undefined ? undefined : { email: filter.buyerEmail },
        },
      }),
    ]);
    return {
      orders: orders.rows.map((row) => ({ ...toOrderView(row), buyer: row.buyer })),
      total,
    };
  }

  /** Stores names for a pending order's tickets, if they fit its items (eventflow_attendees_fit). */
  async nameAttendees(
    orderId: string,
    userId: string,
    attendees: AttendeeName[],
  ): Promise<NameOutcome> {
    const given = JSON.stringify(attendees);
    const named = await this.prisma.$queryRaw<{ id: string }[]>`
      UPDATE orders SET attendees = ${given}::jsonb
       WHERE id = ${orderId}::uuid AND user_id = ${userId}::uuid AND status = 'PENDING'
         AND eventflow_attendees_fit(id, ${given}::jsonb)
      RETURNING id`;
    if (named.length > 0) return { outcome: 'NAMED' };
    const order = await this.prisma.order.findFirst({
      where: { id: orderId, userId },
      select: { status: true },
    });
    if (!order) return { outcome: 'NOT_FOUND' };
    if (order.status !== 'PENDING') return { outcome: 'NOT_PENDING', orderStatus: order.status };
    return { outcome: 'DO_NOT_MATCH' };
  }

  /** PENDING -> CANCELLED, stock back (eventflow_cancel_pending_order). */
  async cancelPending(orderId: string): Promise<CancelOutcome> {
    const rows = await this.prisma.$queryRaw<{ outcome: CancelOutcome }[]>`
      SELECT eventflow_cancel_pending_order(${orderId}::uuid) AS outcome`;
    return rows[0].outcome;
  }

  /**
   * PAID -> REFUNDED with a refund of `refundCents` recorded, stock back, tickets void, unless a
   * ticket was used (eventflow_refund_order). The refund row is sent by the caller right after.
   */
  async refund(
    orderId: string,
    refundCents: number,
    reason: RefundReason,
    graceSeconds: number,
  ): Promise<RefundOutcome> {
    const rows = await this.prisma.$queryRaw<{ outcome: RefundOutcome }[]>`
      SELECT eventflow_refund_order(${orderId}::uuid, ${refundCents}::int, ${reason}::"RefundReason",
                                    ${graceSeconds}::int) AS outcome`;
    return rows[0].outcome;
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
    graceSeconds: number,
  ): Promise<{ cancelledOrders: number; refunds: string[] } | null> {
    const rows = await this.prisma.$queryRaw<
      { result: { cancelledOrders: number; refunds: string[] } | null }[]
    >`
      SELECT eventflow_cancel_event(${eventId}::uuid, ${graceSeconds}::int) AS result`;
    return rows[0].result;
  }
}

/**
 * The hold function raises when it loses the race for the last tickets after its optimistic check
 * (the raise rolls its inserts back): "eventflow:<outcome>:<id>:<available>" in the message.
 */
function lostRace(error: unknown): HoldOutcome | undefined {
  const match = /eventflow:SOLD_OUT:([0-9a-f-]{36}):(\d+)/.exec(
    describeDatabaseError(error).message,
  );
  if (!match) return undefined;
  return { outcome: 'SOLD_OUT', ticketTypeId: match[1], available: Number(match[2]) };
}
