/**
 * Outbox event types that produce customer emails. The outbox dispatcher
 * imports this list and adds one `email:outbox` job per matching row, so the
 * set of emailed events is owned here, next to the templates that render them.
 */
export const EMAIL_TRIGGER_TYPES = [
  'order.paid',
  'order.cancelled',
  'order.refunded',
  'event.cancelled',
] as const;

export type EmailTriggerType = (typeof EMAIL_TRIGGER_TYPES)[number];
