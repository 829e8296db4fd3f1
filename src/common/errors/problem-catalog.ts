/**
 * Every stable problem `code` the API answers with: its status(es), and the extension members it
 * carries beside the RFC 9457 ones. DomainError takes only these codes (the compiler holds the
 * code to the catalog), and the OpenAPI document is built from it: one schema per code, an enum of
 * all codes, and an example per status.
 */
export interface ProblemSpec {
  statuses: readonly number[];
  /** An example `detail`, as the code's answers word it. */
  detail: string;
  /** Extension members, as JSON Schema; each is present on every answer with this code. */
  extensions?: Record<string, ExtensionSchema>;
}

export type ExtensionSchema = Record<string, unknown>;

const uuid = { type: 'string', format: 'uuid' } as const;
const dateTime = { type: 'string', format: 'date-time' } as const;
const count = { type: 'integer', minimum: 0 } as const;
const orderStatus = {
  type: 'string',
  enum: ['PENDING', 'PAID', 'CANCELLED', 'EXPIRED', 'REFUNDED'],
} as const;
const fieldErrors = {
  type: 'array',
  maxItems: 20,
  items: {
    type: 'object',
    required: ['field', 'message'],
    properties: {
      field: { type: 'string', example: 'items[0].quantity' },
      message: { type: 'string', example: 'must not be greater than 100' },
    },
  },
} as const;

export const PROBLEMS = {
  'validation-failed': {
    statuses: [400],
    detail: 'The request is not valid.',
    extensions: { errors: fieldErrors },
  },
  'bad-request': { statuses: [400], detail: 'The body must be a JSON object.' },
  'malformed-json': { statuses: [400], detail: 'The body is not valid JSON.' },
  'too-deeply-nested': {
    statuses: [400],
    detail: 'The body nests arrays and objects more than 16 levels deep.',
  },
  'malformed-url': { statuses: [400], detail: 'The URL could not be read.' },
  'malformed-request': { statuses: [400], detail: 'The request is not well-formed HTTP.' },
  'webhook-signature-invalid': {
    statuses: [400],
    detail: 'The Stripe-Signature header does not match the body.',
  },
  'reset-token-invalid': {
    statuses: [400],
    detail: 'This password-reset link is unknown, expired or already used; ask for a new one.',
  },
  unauthorized: { statuses: [401], detail: 'Sign in to use this route.' },
  'payment-declined': { statuses: [402], detail: 'Your card was declined.' },
  forbidden: { statuses: [403], detail: 'You may not use this route.' },
  'not-your-event': {
    statuses: [403],
    detail: 'Only the organizer of this event and its team may do this.',
  },
  'api-key-not-allowed': {
    statuses: [403],
    detail: 'API keys cannot be used on this route; use a token from sign-in.',
  },
  'api-key-scope-missing': {
    statuses: [403],
    detail: 'This API key lacks the scope events:write.',
    extensions: {
      requiredScope: {
        type: 'string',
        enum: [
          'events:read',
          'events:write',
          'orders:read',
          'orders:write',
          'checkins:read',
          'checkins:write',
        ],
      },
    },
  },
  'team-role-insufficient': {
    statuses: [403],
    detail: 'A SCANNER of this event may not change it.',
    extensions: { teamRole: { type: 'string', enum: ['MANAGER', 'SCANNER'] } },
  },
  'not-found': { statuses: [404], detail: 'The event was not found.' },
  'ticket-type-not-found': {
    statuses: [404],
    detail: 'The ticket type was not found.',
    extensions: { ticketTypeId: uuid },
  },
  'method-not-allowed': {
    statuses: [405],
    detail: 'POST is not a method of /api/health; use GET, HEAD.',
  },
  'not-acceptable': { statuses: [406], detail: 'No answer in an accepted media type.' },
  'request-timeout': { statuses: [408], detail: 'The request did not arrive in time.' },
  'already-exists': {
    statuses: [409],
    detail: 'A record with the same unique value already exists.',
  },
  'constraint-violated': { statuses: [409], detail: 'The change would break a rule of the data.' },
  'email-taken': { statuses: [409], detail: 'An account with this email already exists.' },
  'webhook-url-not-allowed': {
    statuses: [422],
    detail: 'The endpoint URL points at a loopback address, which is not allowed.',
  },
  'too-many-webhooks': {
    statuses: [409],
    detail: 'An organizer may have at most 20 webhook endpoints; delete one first.',
  },
  'webhook-disabled': {
    statuses: [409],
    detail: 'The endpoint is disabled (see disabledReason); enable it first.',
  },
  'last-admin': {
    statuses: [409],
    detail: 'This is the last organizer (ADMIN); make another account ADMIN first.',
  },
  'event-cancelled': {
    statuses: [409, 422],
    detail: 'The event is cancelled; it can no longer be changed.',
  },
  'event-already-cancelled': { statuses: [409], detail: 'The event is already cancelled.' },
  'attendee-names-required': {
    statuses: [409],
    detail: 'This event needs a name for every ticket: 1 of 2 are named.',
    extensions: { tickets: count, named: count },
  },
  'already-on-team': {
    statuses: [409],
    detail: 'This account is already on the event’s team; change its role instead.',
  },
  'organizer-not-a-member': {
    statuses: [409],
    detail: 'The organizer owns the event and cannot also be a member of its team.',
  },
  'event-has-orders': {
    statuses: [409],
    detail: 'Tickets of this event were held or sold; cancel the event instead.',
  },
  'ticket-type-has-orders': {
    statuses: [409],
    detail: 'Tickets of this type were held or sold; it cannot be deleted.',
  },
  'currency-locked': {
    statuses: [409],
    detail: 'The currency cannot change once tickets were held or sold.',
  },
  'capacity-below-committed': {
    statuses: [409],
    detail: 'The capacity cannot drop below the 12 tickets already held or sold.',
    extensions: { heldAndSold: count },
  },
  'sold-out': {
    statuses: [409],
    detail: 'Only 1 tickets of this type are available.',
    extensions: { ticketTypeId: uuid, available: count },
  },
  'order-not-pending': {
    statuses: [409],
    detail: 'The order is paid, not pending.',
    extensions: { orderStatus },
  },
  'order-expired': {
    statuses: [409],
    detail: 'The hold on this order ran out; its tickets were released.',
    extensions: { orderStatus },
  },
  'order-not-payable': {
    statuses: [409],
    detail: 'The order was cancelled while the payment ran; the charge is refunded.',
  },
  'order-not-cancellable': {
    statuses: [409],
    detail: 'A expired order cannot be cancelled.',
    extensions: { orderStatus },
  },
  'refund-window-closed': {
    statuses: [409],
    detail: 'Refunds of this event closed at 2027-06-01T18:00:00.000Z.',
    extensions: { refundDeadline: dateTime },
  },
  'refunds-not-allowed': {
    statuses: [409],
    detail: 'The organizer of this event does not refund tickets.',
  },
  'ticket-used': {
    statuses: [409],
    detail: 'A ticket of this order was checked in at the door.',
  },
  'payment-in-progress': {
    statuses: [409],
    detail: 'A payment of this order is already being processed.',
    extensions: {
      paymentId: uuid,
      paymentStatus: { type: 'string', enum: ['PROCESSING', 'REQUIRES_ACTION'] },
    },
  },
  'too-many-declines': {
    statuses: [409],
    detail: 'Too many declined payments for this order.',
    extensions: { holdEndsAt: dateTime },
  },
  'nothing-to-pay': { statuses: [409], detail: 'This order is free: confirm it with pay.' },
  'checkout-unavailable': {
    statuses: [409],
    detail: 'The configured payment provider has no browser confirmation.',
  },
  'idempotency-key-in-use': {
    statuses: [409],
    detail: 'A request with this Idempotency-Key is still running; retry shortly.',
  },
  'ticket-void': {
    statuses: [409],
    detail: 'This ticket is void (its order was cancelled or refunded).',
  },
  'already-checked-in': {
    statuses: [409],
    detail: 'This ticket was already used at 2027-06-01T18:02:11.000Z.',
    extensions: { checkedInAt: dateTime },
  },
  'body-too-large': { statuses: [413], detail: 'The body is larger than this API accepts.' },
  'uri-too-long': {
    statuses: [414],
    detail: 'A part of the path is longer than this API accepts.',
  },
  'unsupported-media-type': { statuses: [415], detail: 'Send the body as application/json.' },
  'unsupported-content-encoding': {
    statuses: [415],
    detail: 'Send the body without a Content-Encoding (identity); compressed bodies are not read.',
  },
  'items-span-events': {
    statuses: [422],
    detail: 'All items of an order must be of one event.',
    extensions: { ticketTypeId: uuid },
  },
  'event-started': { statuses: [422], detail: 'The event has started; sales are closed.' },
  'sales-not-open': {
    statuses: [422],
    detail: 'Sales of this ticket type have not opened yet.',
    extensions: { ticketTypeId: uuid, salesStartAt: dateTime },
  },
  'sales-closed': {
    statuses: [422],
    detail: 'Sales of this ticket type have closed.',
    extensions: { ticketTypeId: uuid, salesEndAt: dateTime },
  },
  'over-max-per-order': {
    statuses: [422],
    detail: 'At most 10 tickets of this type per order.',
    extensions: { ticketTypeId: uuid, maxPerOrder: count },
  },
  'over-max-per-buyer': {
    statuses: [422],
    detail: 'At most 4 tickets of this type per buyer; you already hold or own 3.',
    extensions: { ticketTypeId: uuid, maxPerBuyer: count, alreadyHeld: count },
  },
  'order-total-too-large': {
    statuses: [422],
    detail: 'The order total is larger than one order may be.',
  },
  'idempotency-key-reused': {
    statuses: [422],
    detail: 'This Idempotency-Key was used with a different request.',
  },
  'rate-limited': { statuses: [429], detail: 'Too many requests; try again in 12 s.' },
  'headers-too-large': {
    statuses: [431],
    detail: 'The request headers are larger than this API accepts.',
  },
  'internal-error': {
    statuses: [500],
    detail: 'Something went wrong on our side. Quote the request id when you report it.',
  },
  'payment-provider-error': {
    statuses: [502],
    detail: 'The payment provider failed; nothing was charged. Try again.',
  },
  'service-unavailable': {
    statuses: [503],
    detail: 'The database is busy or unreachable; try again shortly.',
  },
  'shutting-down': {
    statuses: [503],
    detail: 'This instance is shutting down; send the request again.',
  },
} as const satisfies Record<string, ProblemSpec>;

export type ProblemCode = keyof typeof PROBLEMS;

export const PROBLEM_CODES = Object.keys(PROBLEMS) as ProblemCode[];

export function isProblemCode(code: string): code is ProblemCode {
  return Object.hasOwn(PROBLEMS, code);
}
