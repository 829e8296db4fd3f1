import { DomainError } from '../../common/errors/domain-error.js';

/** A ticket's state refusing what was asked of it: at the door, and when renaming its attendee. */
export const TicketsErrors = {
  void: () =>
    new DomainError(
      409,
      'ticket-void',
      'Conflict',
      'This ticket is void (its order was cancelled or refunded).',
    ),
  alreadyCheckedIn: (checkedInAt: Date, consequence = '') =>
    new DomainError(
      409,
      'already-checked-in',
      'Conflict',
      `This ticket was already used at ${checkedInAt.toISOString()}${consequence}.`,
      { checkedInAt: checkedInAt.toISOString() },
    ),
};
