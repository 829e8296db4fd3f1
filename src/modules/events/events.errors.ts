import type { EventAction, EventRole } from './event-permissions.js';
import { CommonErrors, DomainError, type FieldError } from '../../common/errors/domain-error.js';

const ACTION_WORDS: Record<EventAction, string> = {
  'see-draft': 'see it as a draft',
  edit: 'change it',
  cancel: 'cancel or delete it',
  'manage-team': 'manage its team',
  'see-team': 'see its team',
  'manage-devices': 'manage its device keys',
  'see-orders': 'see its orders',
  'refund-orders': 'cancel or refund its orders',
  'see-stats': 'see its sales',
  'see-attendees': 'see its attendees',
  'check-in': 'check tickets in',
  'see-scans': 'see its scans',
};

export const EventsErrors = {
  eventNotFound: () => CommonErrors.notFound('The event'),
  ticketTypeNotFound: () => CommonErrors.notFound('The ticket type'),
  notOrganizer: () =>
    new DomainError(
      403,
      'not-your-event',
      'Forbidden',
      'Only the organizer of this event and its team may do this.',
    ),
  roleInsufficient: (role: EventRole, action: EventAction) =>
    new DomainError(
      403,
      'team-role-insufficient',
      'Forbidden',
      `A ${role} of this event may not ${ACTION_WORDS[action]}.`,
      { teamRole: role },
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
