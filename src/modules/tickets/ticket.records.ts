export type TicketStatus = 'VALID' | 'VOID';

export interface TicketRecord {
  code: string;
  ticketTypeId: string;
  eventId: string;
  orderId: string;
  status: TicketStatus;
  checkedInAt: Date | null;
}

export interface TicketWithEventRecord extends TicketRecord {
  userId: string;
  /** Who it is for: the names it was given, else its buyer's. */
  attendeeName: string;
  attendeeEmail: string;
  event: {
    id: string;
    organizerId: string;
    title: string;
    venue: string;
    startsAt: Date;
    endsAt: Date;
    cancelledAt: Date | null;
  };
}
