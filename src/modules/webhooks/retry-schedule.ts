/**
 * The Standard Webhooks retry schedule: after the first attempt (immediately), retries after
 * 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h; ten attempts in all.
 */
const RETRY_DELAYS_SECONDS = [5, 300, 1_800, 7_200, 18_000, 36_000, 50_400, 72_000, 86_400];

export const MAX_ATTEMPTS = RETRY_DELAYS_SECONDS.length + 1;

/** An endpoint failing for this long without a single success is disabled. */
export const DISABLE_AFTER_FAILING_SECONDS = 5 * 86_400;

/** The longest a receiver's Retry-After may push an attempt back. */
const MAX_RETRY_AFTER_SECONDS = 86_400;

/**
 * When attempt `attempt` (1-based) failed: how long until the next, or undefined when it was the
 * last. A Retry-After from the receiver is honoured when it asks for longer than the schedule.
 * `scale` shrinks the schedule (tests), never the receiver's own Retry-After.
 */
export function nextRetryDelayMs(
  attempt: number,
  scale: number,
  retryAfterSeconds: number | undefined,
): number | undefined {
  const scheduled = RETRY_DELAYS_SECONDS[attempt - 1];
  if (scheduled === undefined) return undefined;
  const asked = Math.min(retryAfterSeconds ?? 0, MAX_RETRY_AFTER_SECONDS);
  return Math.round(Math.max(scheduled * scale, asked) * 1000);
}

/** Retry-After in seconds (delta-seconds or an HTTP date), or undefined when absent or unreadable. */
export function parseRetryAfter(header: string | undefined, now = Date.now()): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  if (/^\d{1,9}$/.test(text)) return Number(text);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}
