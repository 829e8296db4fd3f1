/**
 * Adds a job in the caller's transaction, so it exists exactly when the change that needs it
 * commits. Parameters: task name, JSON payload, run-at time (null: now), maximum attempts.
 */
export const ADD_JOB_SQL =
  'SELECT graphile_worker.add_job($1::text, $2::json, run_at := $3::timestamptz, max_attempts := $4::int)';

/**
 * graphile-worker takes due jobs lowest priority first. Emails go before webhook deliveries, so
 * a backlog of deliveries (a slow receiver, a flash sale) never holds back a buyer's
 * confirmation, and a password reset, good for 30 minutes only, goes before both.
 */
export const JOB_PRIORITY = {
  /** A cache invalidation Redis missed: other instances serve an old listing until it runs. */
  cacheInvalidation: -20,
  passwordReset: -10,
  email: 0,
  webhook: 10,
} as const;
