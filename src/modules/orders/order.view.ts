import type { PaymentRecord } from '../payments/payment.records.js';
import type { TicketRecord } from '../tickets/ticket.records.js';
import type { OrderRecord, OrderWithEvent } from './order.records.js';

/**
 * How an order is read, the one definition: the order, its items (by ticket type), its tickets (by
 * ticket type, then code), its latest payment attempt, and its event's refund policy, in one
 * statement, relations as JSON. `where` and `tail` complete it (parameters start at $1).
 */
export function orderViewSql(where: string, tail = ''): string {
  return `
  SELECT o.id, o.user_id AS "userId", o.event_id AS "eventId", o.status, o.total_cents AS "totalCents",
         o.currency, o.expires_at AS "expiresAt", o.created_at AS "createdAt", o.paid_at AS "paidAt",
         o.cancelled_at AS "cancelledAt", o.refunded_cents AS "refundedCents", o.refunded_at AS "refundedAt",
         o.attendees,
         (SELECT coalesce(json_agg(json_build_object('ticketTypeId', i.ticket_type_id, 'name', i.name,
                                                     'quantity', i.quantity, 'unitPriceCents', i.unit_price_cents)
                                   ORDER BY i.ticket_type_id), '[]')
            FROM order_items i WHERE i.order_id = o.id) AS items,
         (SELECT coalesce(json_agg(json_build_object('code', t.code, 'ticketTypeId', t.ticket_type_id,
                                                     'eventId', t.event_id, 'orderId', t.order_id,
                                                     'status', t.status, 'checkedInAt', t.checked_in_at)
                                   ORDER BY t.ticket_type_id, t.code), '[]')
            FROM tickets t WHERE t.order_id = o.id) AS tickets,
         (SELECT eventflow_payment_json(p) FROM payments p WHERE p.order_id = o.id
           ORDER BY p.created_at DESC, p.id DESC LIMIT 1) AS payment,
         json_build_object('organizerId', e.organizer_id, 'startsAt', e.starts_at,
                           'refundsAllowed', e.refunds_allowed, 'refundDeadline', e.refund_deadline,
                           'refundFeeCents', e.refund_fee_cents, 'refundFeePercent', e.refund_fee_percent) AS event
    FROM orders o JOIN events e ON e.id = o.event_id
   WHERE ${where}
   ${tail}`;
}

/** A row of orderViewSql: the times inside its JSON are text. */
export interface OrderViewRow extends Omit<OrderRecord, 'items' | 'tickets' | 'payment'> {
  items: OrderRecord['items'];
  tickets: (Omit<TicketRecord, 'checkedInAt'> & { checkedInAt: string | null })[];
  payment: PaymentRecord | null;
  event: Omit<OrderWithEvent['event'], 'startsAt' | 'refundDeadline'> & {
    startsAt: string;
    refundDeadline: string | null;
  };
}

export function toOrderView(row: OrderViewRow): OrderWithEvent {
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
