import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../infrastructure/database/prisma.service.js';

/** What REFUNDED orders of the event gave back and kept (their refund fees). */
export interface RefundFigures {
  refundedCents: number;
  refundFeesCents: number;
}

export interface TicketTypeFigures {
  ticketTypeId: string;
  name: string;
  capacity: number;
  available: number;
  held: number;
  sold: number;
  checkedIn: number;
  revenueCents: number;
}

@Injectable()
export class StatsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * One statement, so one snapshot: the figures are consistent with the orders at the instant it
   * runs, whatever is bought or cancelled meanwhile. Held is PENDING, sold and revenue are PAID
   * (a REFUNDED order is neither: its kept fee is in the refund figures), checked-in counts
   * admitted tickets.
   */
  async figures(
    eventId: string,
  ): Promise<{ ticketTypes: TicketTypeFigures[]; refunds: RefundFigures }> {
    const rows = await this.prisma.$queryRaw<
      (Omit<TicketTypeFigures, 'revenueCents'> & {
        revenueCents: bigint;
        refundedCents: bigint;
        refundFeesCents: bigint;
      })[]
    >`
      WITH lines AS (
        SELECT oi.ticket_type_id,
               coalesce(sum(oi.quantity) FILTER (WHERE o.status = 'PENDING'), 0)::int AS held,
               coalesce(sum(oi.quantity) FILTER (WHERE o.status = 'PAID'), 0)::int AS sold,
               coalesce(sum(oi.quantity::bigint * oi.unit_price_cents) FILTER (WHERE o.status = 'PAID'), 0)::bigint AS revenue
          FROM order_items oi
          JOIN orders o ON o.id = oi.order_id
         WHERE o.event_id = ${eventId}::uuid
         GROUP BY oi.ticket_type_id
      ), refunded AS (
        SELECT coalesce(sum(refunded_cents), 0)::bigint AS refunded,
               coalesce(sum(total_cents - refunded_cents), 0)::bigint AS fees
          FROM orders
         WHERE event_id = ${eventId}::uuid AND status = 'REFUNDED'
      ), admitted AS (
        SELECT ticket_type_id, count(*)::int AS checked_in
          FROM tickets
         WHERE event_id = ${eventId}::uuid AND checked_in_at IS NOT NULL
         GROUP BY ticket_type_id
      )
      SELECT t.id AS "ticketTypeId", t.name, t.capacity, t.available,
             coalesce(l.held, 0) AS held, coalesce(l.sold, 0) AS sold,
             coalesce(a.checked_in, 0) AS "checkedIn", coalesce(l.revenue, 0)::bigint AS "revenueCents",
             r.refunded AS "refundedCents", r.fees AS "refundFeesCents"
        FROM ticket_types t
        CROSS JOIN refunded r
        LEFT JOIN lines l ON l.ticket_type_id = t.id
        LEFT JOIN admitted a ON a.ticket_type_id = t.id
       WHERE t.event_id = ${eventId}::uuid
       ORDER BY t.created_at, t.id`;
    const ticketTypes = rows.map(({ refundedCents: _r, refundFeesCents: _f, ...row }) => ({
      ...row,
      revenueCents: Number(row.revenueCents),
    }));
    return {
      ticketTypes,
      refunds: {
        refundedCents: Number(rows[0]?.refundedCents ?? 0),
        refundFeesCents: Number(rows[0]?.refundFeesCents ?? 0),
      },
    };
  }
}
