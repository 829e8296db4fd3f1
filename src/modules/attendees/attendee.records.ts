import type { TicketStatus } from '../tickets/ticket.records.js';

/** One ticket of an event and who it is for (its buyer unless named otherwise). */
export interface AttendeeRecord {
  code: string;
  ticketTypeId: string;
  ticketTypeName: string;
  orderId: string;
  attendeeName: string;
  attendeeEmail: string;
  buyerEmail: string;
  status: TicketStatus;
  checkedInAt: Date | null;
}
