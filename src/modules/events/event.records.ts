/** Events and ticket types as the services see them (the repositories' outputs). */
export interface TicketTypeRecord {
  id: string;
  eventId: string;
  name: string;
  priceCents: number;
  capacity: number;
  available: number;
  salesStartAt: Date | null;
  salesEndAt: Date | null;
  maxPerOrder: number;
  maxPerBuyer: number | null;
}

export interface EventRecord {
  id: string;
  organizerId: string;
  title: string;
  description: string;
  venue: string;
  startsAt: Date;
  endsAt: Date;
  currency: string;
  published: boolean;
  cancelledAt: Date | null;
  refundsAllowed: boolean;
  refundDeadline: Date | null;
  refundFeeCents: number;
  refundFeePercent: number;
  requireAttendeeNames: boolean;
  createdAt: Date;
  updatedAt: Date;
  ticketTypes: TicketTypeRecord[];
}

/** What an ownership check needs to know of an event. */
export type EventSummary = Omit<EventRecord, 'ticketTypes'>;

export interface EventFields {
  title: string;
  description: string;
  venue: string;
  startsAt: Date;
  endsAt: Date;
  currency: string;
  published: boolean;
  refundsAllowed: boolean;
  refundDeadline: Date | null;
  refundFeeCents: number;
  refundFeePercent: number;
  requireAttendeeNames: boolean;
}

export interface TicketTypeFields {
  name: string;
  priceCents: number;
  capacity: number;
  salesStartAt: Date | null;
  salesEndAt: Date | null;
  maxPerOrder: number;
  maxPerBuyer: number | null;
}

export interface PublicListingFilter {
  q?: string;
  venue?: string;
  from?: Date;
  to?: Date;
  /** Without `from`: only events that have not ended at this instant. */
  notEndedBy: Date;
}
