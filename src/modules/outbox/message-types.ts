/**
 * What others can subscribe to, written by the outbox triggers (see the migration
 * outbox_webhooks_and_password_resets). `webhook.test` is only ever sent by a test-send.
 */
export const MESSAGE_TYPES = [
  'order.created',
  'order.paid',
  'order.cancelled',
  'order.expired',
  'order.refunded',
  'ticket.checked_in',
  'ticket.voided',
  'event.published',
  'event.updated',
  'event.cancelled',
  'ticket_type.sold_out',
] as const;

export type MessageType = (typeof MESSAGE_TYPES)[number];

export const TEST_MESSAGE_TYPE = 'webhook.test';

/** What the payload's `data` is, by the first part of the type. */
export type SubjectKind = 'order' | 'ticket' | 'check_in' | 'event' | 'ticket_type' | 'endpoint';

export function subjectKindOf(type: string): SubjectKind {
  if (type === 'ticket.checked_in') return 'check_in';
  if (type === TEST_MESSAGE_TYPE) return 'endpoint';
  return type.slice(0, type.indexOf('.')) as SubjectKind;
}

/**
 * The version of the payloads' shape, sent in every body. It changes only when a field is removed
 * or changes meaning; added fields keep it.
 */
export const PAYLOAD_VERSION = 1;
