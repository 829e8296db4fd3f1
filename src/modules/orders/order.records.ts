import type { TicketRecord } from '../tickets/ticket.records.js';

export type OrderStatus = 'PENDING' | 'PAID' | 'CANCELLED' | 'EXPIRED';

export interface OrderItemRecord {
  ticketTypeId: string;
  name: string;
  quantity: number;
  unitPriceCents: number;
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
  paymentRef: string | null;
  tickets: TicketRecord[];
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
  | { outcome: 'TOTAL_TOO_LARGE' };

export interface OwedRefund {
  orderId: string;
  paymentRef: string;
  totalCents: number;
  currency: string;
}
