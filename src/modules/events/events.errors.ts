import { CommonErrors, DomainError, type FieldError } from '../../common/errors/domain-error.js';

export const EventsErrors = {
  eventNotFound: () => CommonErrors.notFound('The event'),
  ticketTypeNotFound: () => CommonErrors.notFound('The ticket type'),
  notOrganizer: () =>
    new DomainError(
      403,
      'not-your-event',
      'Forbidden',
      'Only the organizer of this event may change it.',
    ),
  cancelled: () =>
    CommonErrors.conflict(
      'event-cancelled',
      'The event is cancelled; it can no longer be changed.',
    ),
  eventHasOrders: () =>
    CommonErrors.conflict(
      'event-has-orders',
      'Tickets of this event were held or sold; cancel the event instead.',
    ),
  ticketTypeHasOrders: () =>
    CommonErrors.conflict(
      'ticket-type-has-orders',
      'Tickets of this type were held or sold; it cannot be deleted.',
    ),
  currencyLocked: () =>
    CommonErrors.conflict(
      'currency-locked',
      'The currency cannot change once tickets were held or sold.',
    ),
  capacityBelowCommitted: (committed: number) =>
    CommonErrors.conflict(
      'capacity-below-committed',
      `The capacity cannot drop below the ${committed} tickets already held or sold.`,
      { heldAndSold: committed },
    ),
  invalid: (errors: FieldError[]) => CommonErrors.validation(errors),
};
