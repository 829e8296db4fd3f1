/**
 * Adds a job in the caller's transaction, so it exists exactly when the change that needs it
 * commits. Parameters: task name, JSON payload, run-at time (null: now), maximum attempts.
 */
export const ADD_JOB_SQL =
  'SELECT graphile_worker.add_job($1::text, $2::json, run_at := $3::timestamptz, max_attempts := $4::int)';
