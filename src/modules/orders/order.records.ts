import type { PaymentRecord } from '../payments/payment.records.js';
import type { TicketRecord } from '../tickets/ticket.records.js';

export type OrderStatus = 'PENDING' | 'PAID' | 'CANCELLED' | 'EXPIRED' | 'REFUNDED';

export interface OrderItemRecord {
  ticketTypeId: string;
  name: string;
  quantity: number;
  unitPriceCents: number;
}

/** Who one ticket is for, as the buyer gave it; the n-th of a type names its n-th ticket. */
export interface AttendeeName {
  ticketTypeId: string;
  name: string;
  email: string | null;
}

export interface OrderRecord {
  id: string;
  userId: string;
  eventId: string;
  status: OrderStatus;
  items: OrderItemRecord[];
  totalCents: number;
  currency: string;
  expiresAt: Date;
  createdAt: Date;
  paidAt: Date | null;
  cancelledAt: Date | null;
  refundedCents: number;
  refundedAt: Date | null;
  tickets: TicketRecord[];
  /** The latest payment attempt, if any. */
  payment: PaymentRecord | null;
  /** Names given for its tickets (before they exist); null when none were. */
  attendees: AttendeeName[] | null;
}

/** An order with what its cancellation rules need to know of its event. */
export interface OrderWithEvent extends OrderRecord {
  event: {
    organizerId: string;
    startsAt: Date;
    refundsAllowed: boolean;
    refundDeadline: Date | null;
    refundFeeCents: number;
    refundFeePercent: number;
  };
}

/** An order as its event's organizer sees it: with who bought it. */
export interface OrderWithBuyer extends OrderWithEvent {
  buyer: { id: string; email: string; name: string };
}

/** What eventflow_hold_order answers (see its migration). */
export type HoldOutcome =
  | {
      outcome: 'HELD';
      order: {
        id: string;
        eventId: string;
        totalCents: number;
        currency: string;
        expiresAt: string;
        createdAt: string;
        items: OrderItemRecord[];
      };
    }
  | { outcome: 'SOLD_OUT'; ticketTypeId: string; available: number }
  | { outcome: 'NOT_FOUND'; ticketTypeId: string }
  | { outcome: 'MIXED_EVENTS'; ticketTypeId: string }
  | { outcome: 'EVENT_CANCELLED'; ticketTypeId?: string }
  | { outcome: 'EVENT_STARTED'; ticketTypeId: string }
  | { outcome: 'SALES_NOT_OPEN'; ticketTypeId: string; salesStartAt: string }
  | { outcome: 'SALES_CLOSED'; ticketTypeId: string; salesEndAt: string }
  | { outcome: 'OVER_MAX_PER_ORDER'; ticketTypeId: string; maxPerOrder: number }
  | {
      outcome: 'OVER_MAX_PER_BUYER';
      ticketTypeId: string;
      maxPerBuyer: number;
      alreadyHeld: number;
    }
  | { outcome: 'TOTAL_TOO_LARGE' }
  /** An order of this id is there already: the first request of an Idempotency-Key committed it. */
  | { outcome: 'EXISTS' };

/** What eventflow_cancel_pending_order answers. */
export type CancelOutcome =
  | { outcome: 'CANCELLED' }
  | { outcome: 'NOT_FOUND' }
  | { outcome: 'NOT_PENDING'; orderStatus: OrderStatus };

/** What eventflow_refund_order answers. */
export type RefundOutcome =
  | { outcome: 'REFUNDED'; refundId: string | null }
  | { outcome: 'NOT_FOUND' }
  | { outcome: 'NOT_PAID'; orderStatus: OrderStatus }
  | { outcome: 'TICKET_USED' };

export type RefundReason = 'REQUESTED_BY_BUYER' | 'CANCELLED_BY_ORGANIZER' | 'EVENT_CANCELLED';
