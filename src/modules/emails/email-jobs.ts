/**
 * The queued jobs that send email. Each send is its own job, so a failing mail server is retried
 * per recipient by the queue's backoff, and a retry never sends twice to someone already served.
 */
export const EMAIL_JOBS = {
  /** One outbox message of a type in EMAIL_TRIGGER_TYPES: `{ messageId }`, added by the dispatcher. */
  outbox: 'email:outbox',
  /** One holder of a cancelled event: `{ messageId, eventId, userId }`, added by `email:outbox`. */
  eventCancelled: 'email:event-cancelled',
  /** `{ userId, token }`: the raw token lives only in this job, deleted when it completes. */
  passwordReset: 'email:password-reset',
} as const;

/** Attempts before the queue gives up on one email: its exponential backoff spans about 3.5 hours. */
export const EMAIL_MAX_ATTEMPTS = 10;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface OutboxEmailPayload {
  messageId: string;
}
export interface EventCancelledEmailPayload {
  messageId: string;
  eventId: string;
  userId: string;
}
export interface PasswordResetEmailPayload {
  userId: string;
  token: string;
}

/**
 * Payloads come from rows anyone with database access can write: one that does not match is
 * reported and dropped (undefined), since retrying it could never succeed.
 */
export function readPayload<K extends string>(
  payload: unknown,
  keys: readonly K[],
  uuidKeys: readonly K[],
): Record<K, string> | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const record = payload as Record<string, unknown>;
  const read = {} as Record<K, string>;
  for (const key of keys) {
    const value = record[key];
    if (typeof value !== 'string' || value.length === 0 || value.length > 200) return undefined;
    if (uuidKeys.includes(key) && !UUID.test(value)) return undefined;
    read[key] = value;
  }
  return read;
}
