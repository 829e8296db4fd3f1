import { CommonErrors, DomainError } from '../../common/errors/domain-error.js';
import type { HoldOutcome, OrderStatus } from './order.records.js';

export const OrdersErrors = {
  orderNotFound: () => CommonErrors.notFound('The order'),
  duplicateItems: () =>
    CommonErrors.validation([
      { field: 'items', message: 'must name each ticket type once (use quantity)' },
    ]),
  notPending: (status: OrderStatus) =>
    CommonErrors.conflict(
      'order-not-pending',
      `The order is ${status.toLowerCase()}, not pending.`,
      {
        orderStatus: status,
      },
    ),
  attendeesDoNotMatch: () =>
    CommonErrors.validation([
      {
        field: 'attendees',
        message: 'must name ticket types of the order, with no more names than tickets of each',
      },
    ]),
  namesRequired: (tickets: number, named: number) =>
    CommonErrors.conflict(
      'attendee-names-required',
      `This event needs a name for every ticket: ${named} of ${tickets} are named. Give them with the payment or with PUT /api/orders/{id}/attendees.`,
      { tickets, named },
    ),
  holdExpired: () =>
    CommonErrors.conflict(
      'order-expired',
      'The hold on this order ran out; its tickets were released.',
      { orderStatus: 'EXPIRED' },
    ),
  noLongerPayable: () =>
    CommonErrors.conflict(
      'order-not-payable',
      'The order was cancelled while the payment ran; the charge is refunded.',
    ),
  notCancellable: (status: OrderStatus) =>
    CommonErrors.conflict(
      'order-not-cancellable',
      `A ${status.toLowerCase()} order cannot be cancelled.`,
      {
        orderStatus: status,
      },
    ),
  refundWindowClosed: (deadline: Date) =>
    CommonErrors.conflict(
      'refund-window-closed',
      `Refunds of this event closed at ${deadline.toISOString()}; a paid order can no longer be cancelled by its buyer.`,
      { refundDeadline: deadline.toISOString() },
    ),
  refundsNotAllowed: () =>
    CommonErrors.conflict(
      'refunds-not-allowed',
      'The organizer of this event does not refund tickets; a paid order cannot be cancelled by its buyer.',
    ),
  ticketUsed: () =>
    CommonErrors.conflict(
      'ticket-used',
      'A ticket of this order was checked in at the door; the order can no longer be refunded.',
    ),
  paymentInProgress: (paymentId: string, paymentStatus: string) =>
    CommonErrors.conflict(
      'payment-in-progress',
      paymentStatus === 'REQUIRES_ACTION'
        ? 'A payment of this order is waiting for the buyer to complete it (3-D Secure, or in the browser).'
        : 'A payment of this order is already being processed; its outcome will show on the order.',
      { paymentId, paymentStatus },
      { transient: true },
    ),
  tooManyDeclines: (holdEndsAt: string) =>
    CommonErrors.conflict(
      'too-many-declines',
      'Too many declined payments for this order; it can be paid again once its hold ends and it is ordered anew.',
      { holdEndsAt: new Date(holdEndsAt).toISOString() },
    ),
  nothingToPay: () =>
    CommonErrors.conflict(
      'nothing-to-pay',
      'This order is free: confirm it with POST /api/orders/{id}/pay.',
    ),
  browserCheckoutUnavailable: () =>
    CommonErrors.conflict(
      'checkout-unavailable',
      'The configured payment provider has no browser confirmation; pay with POST /api/orders/{id}/pay.',
    ),
  paymentDeclined: (reason: string) =>
    new DomainError(402, 'payment-declined', 'Payment Required', reason),
  paymentProviderUnavailable: () =>
    CommonErrors.unavailable(
      'The payment provider cannot be reached just now; the payment is unchanged. Try again shortly.',
      5,
    ),
  paymentProviderFailed: () =>
    new DomainError(
      502,
      'payment-provider-error',
      'Bad Gateway',
      'The payment provider failed; nothing was charged. Try again.',
    ),
};

/** The HTTP answer to each refusal of eventflow_hold_order. */
export function holdRefusal(
  outcome: Exclude<HoldOutcome, { outcome: 'HELD' | 'EXISTS' }>,
): DomainError {
  switch (outcome.outcome) {
    case 'SOLD_OUT':
      return CommonErrors.conflict(
        'sold-out',
        `Only ${outcome.available} tickets of this type are available.`,
        {
          ticketTypeId: outcome.ticketTypeId,
          available: outcome.available,
        },
      );
    case 'NOT_FOUND':
      return new DomainError(
        404,
        'ticket-type-not-found',
        'Not Found',
        'The ticket type was not found.',
        {
          ticketTypeId: outcome.ticketTypeId,
        },
      );
    case 'MIXED_EVENTS':
      return CommonErrors.unprocessable(
        'items-span-events',
        'All items of an order must be of one event.',
        {
          ticketTypeId: outcome.ticketTypeId,
        },
      );
    case 'EVENT_CANCELLED':
      return CommonErrors.unprocessable('event-cancelled', 'The event is cancelled.');
    case 'EVENT_STARTED':
      return CommonErrors.unprocessable(
        'event-started',
        'The event has started; sales are closed.',
      );
    case 'SALES_NOT_OPEN':
      return CommonErrors.unprocessable(
        'sales-not-open',
        'Sales of this ticket type have not opened yet.',
        {
          ticketTypeId: outcome.ticketTypeId,
          salesStartAt: new Date(outcome.salesStartAt).toISOString(),
        },
      );
    case 'SALES_CLOSED':
      return CommonErrors.unprocessable('sales-closed', 'Sales of this ticket type have closed.', {
        ticketTypeId: outcome.ticketTypeId,
        salesEndAt: new Date(outcome.salesEndAt).toISOString(),
      });
    case 'OVER_MAX_PER_ORDER':
      return CommonErrors.unprocessable(
        'over-max-per-order',
        `At most ${outcome.maxPerOrder} tickets of this type per order.`,
        {
          ticketTypeId: outcome.ticketTypeId,
          maxPerOrder: outcome.maxPerOrder,
        },
      );
    case 'OVER_MAX_PER_BUYER':
      return CommonErrors.unprocessable(
        'over-max-per-buyer',
        `At most ${outcome.maxPerBuyer} tickets of this type per buyer; you already hold or own ${outcome.alreadyHeld}.`,
        {
          ticketTypeId: outcome.ticketTypeId,
          maxPerBuyer: outcome.maxPerBuyer,
          alreadyHeld: outcome.alreadyHeld,
        },
      );
    case 'TOTAL_TOO_LARGE':
      return CommonErrors.unprocessable(
        'order-total-too-large',
        'The order total is larger than one order may be.',
      );
  }
}
