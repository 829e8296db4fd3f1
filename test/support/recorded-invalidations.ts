import type { TestDatabase } from './test-database.js';
import { waitUntil } from './redis-server.js';

/** Waits until every cache invalidation recorded while Redis was out of reach has been delivered. */
export async function recordedInvalidationsDelivered(
  db: TestDatabase,
  timeoutMs = 5_000,
): Promise<void> {
  await waitUntil(async () => {
    const { rows } = await db.sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM graphile_worker.jobs
        WHERE task_identifier = 'cache:deliver-invalidation'`,
    );
    return rows[0].n === 0;
  }, timeoutMs);
}
