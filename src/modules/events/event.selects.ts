import type { Prisma } from '../../generated/prisma/client.js';

/** The columns the events feature reads; shared by its repositories. */
export const TICKET_TYPE_FIELDS = {
  id: true,
  eventId: true,
  name: true,
  priceCents: true,
  capacity: true,
  available: true,
  salesStartAt: true,
  salesEndAt: true,
  maxPerOrder: true,
  maxPerBuyer: true,
} as const;

export const EVENT_FIELDS = {
  id: true,
  organizerId: true,
  title: true,
  description: true,
  venue: true,
  startsAt: true,
  endsAt: true,
  currency: true,
  published: true,
  cancelledAt: true,
  refundsAllowed: true,
  refundDeadline: true,
  refundFeeCents: true,
  refundFeePercent: true,
  requireAttendeeNames: true,
  createdAt: true,
  updatedAt: true,
} as const;

/** One query loads the events of a page and their ticket types together: no N+1. */
export const EVENT_WITH_TYPES = {
  ...EVENT_FIELDS,
  ticketTypes: { select: TICKET_TYPE_FIELDS, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
} satisfies Prisma.EventSelect;
