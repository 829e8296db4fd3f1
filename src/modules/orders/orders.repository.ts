import { Injectable } from '@nestjs/common';
import { describeDatabaseError } from '../../common/errors/error-mapper.js';
import { pageWindow } from '../../common/http/pagination.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { PrismaService } from '../../infrastructure/database/prisma.service.js';
import type { PaymentProviderName } from '../payments/payment-provider.js';
import type { PaymentRecord } from '../payments/payment.records.js';
import type { TicketRecord } from '../tickets/ticket.records.js';
import type {
  CancelOutcome,
  HoldOutcome,
  OrderRecord,
  OrderWithEvent,
  RefundOutcome,
  RefundReason,
} from './order.records.js';

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
  refundedCents: true,
  refundedAt: true,
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
  payments: {
    select: {
      id: true,
      orderId: true,
      provider: true,
      providerRef: true,
      amountCents: true,
      currency: true,
      status: true,
      declines: true,
      applied: true,
      failureReason: true,
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: 1,
  },
} satisfies Prisma.OrderSelect;

/** An order as eventflow_order_view's statement answers it: relations as JSON, times as text. */
interface OrderViewRow extends Omit<OrderRecord, 'items' | 'tickets' | 'payment'> {
  items: OrderRecord['items'];
  tickets: (Omit<TicketRecord, 'checkedInAt'> & { checkedInAt: string | null })[];
  payment: PaymentRecord | null;
  event: Omit<OrderWithEvent['event'], 'startsAt' | 'refundDeadline'> & {
    startsAt: string;
    refundDeadline: string | null;
  };
}

/** Ordered as the Prisma reads of orders order them: items by type, tickets by type then code. */
const ORDER_VIEW_SQL = `
  SELECT o.id, o.user_id AS "userId", o.event_id AS "eventId", o.status, o.total_cents AS "totalCents",
         o.currency, o.expires_at AS "expiresAt", o.created_at AS "createdAt", o.paid_at AS "paidAt",
         o.cancelled_at AS "cancelledAt", o.refunded_cents AS "refundedCents", o.refunded_at AS "refundedAt",
         (SELECT coalesce(json_agg(json_build_object('ticketTypeId', i.ticket_type_id, 'name', i.name,
                                                     'quantity', i.quantity, 'unitPriceCents', i.unit_price_cents)
                                   ORDER BY i.ticket_type_id), '[]')
            FROM order_items i WHERE i.order_id = o.id) AS items,
         (SELECT coalesce(json_agg(json_build_object('code', t.code, 'ticketTypeId', t.ticket_type_id,
                                                     'eventId', t.event_id, 'orderId', t.order_id,
                                                     'status', t.status, 'checkedInAt', t.checked_in_at)
                                   ORDER BY t.ticket_type_id, t.code), '[]')
            FROM tickets t WHERE t.order_id = o.id) AS tickets,
         (SELECT json_build_object('id', p.id, 'orderId', p.order_id, 'provider', p.provider,
                                   'providerRef', p.provider_ref, 'amountCents', p.amount_cents,
                                   'currency', p.currency, 'status', p.status, 'declines', p.declines,
                                   'applied', p.applied, 'failureReason', p.failure_reason)
            FROM payments p WHERE p.order_id = o.id ORDER BY p.created_at DESC, p.id DESC LIMIT 1) AS payment,
         json_build_object('organizerId', e.organizer_id, 'startsAt', e.starts_at,
                           'refundsAllowed', e.refunds_allowed, 'refundDeadline', e.refund_deadline,
                           'refundFeeCents', e.refund_fee_cents, 'refundFeePercent', e.refund_fee_percent) AS event
    FROM orders o JOIN events e ON e.id = o.event_id
   WHERE o.id = $1::uuid`;

function toOrderView(row: OrderViewRow): OrderWithEvent {
  return {
    ...row,
    tickets: row.tickets.map((ticket) => ({
      ...ticket,
      checkedInAt: ticket.checkedInAt === null ? null : new Date(ticket.checkedInAt),
    })),
    event: {
      ...row.event,
      startsAt: new Date(row.event.startsAt),
      refundDeadline: row.event.refundDeadline === null ? null : new Date(row.event.refundDeadline),
    },
  };
}

type OrderRow = Prisma.OrderGetPayload<{ select: typeof ORDER_WITH_LINES }>;

/** The listing's rows as records: the latest payment, which the select asks as a list of one. */
function toOrderRecord({ payments, ...order }: OrderRow): OrderRecord {
  const [payment] = payments;
  return {
    ...order,
    payment: payment ? { ...payment, provider: payment.provider as PaymentProviderName } : null,
  };
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

  /** One order with its lines, tickets, latest payment and its event's refund policy. */
  findById(id: string): Promise<OrderRecord | null> {
    return this.findWithEvent(id);
  }

  /**
   * One statement for all of it (the pay path reads the order it answers: the client's four
   * queries for an order and its relations were the most of a pay's round trips, measured).
   */
  async findWithEvent(id: string): Promise<OrderWithEvent | null> {
    const result = await this.prisma.pool.query<OrderViewRow>({
      name: 'eventflow_order_view',
      text: ORDER_VIEW_SQL,
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
    const [orders, total] = await Promise.all([
      this.prisma.order.findMany({
        where: { userId },
        select: ORDER_WITH_LINES,
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        ...pageWindow(page, limit),
      }),
      this.prisma.order.count({ where: { userId } }),
    ]);
    return { orders: orders.map((order) => toOrderRecord(order)), total };
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
