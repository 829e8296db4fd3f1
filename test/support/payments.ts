import pg from 'pg';
import { OrderSweeper } from '../../src/modules/orders/order-sweeper.js';
import type { TestApp } from './test-app.js';
import type { TestDatabase } from './test-database.js';

/**
 * Lets every lease and backoff pass (as time would), then sweeps with every instance until no
 * payment attempt is open and no refund owed: what the sweepers do by themselves, sooner.
 */
export async function settleMoney(db: TestDatabase, instances: TestApp[]): Promise<void> {
  for (let round = 0; round < 5; round++) {
    await db.sql.query(
      `UPDATE payments SET lease_until = now() WHERE status IN ('PROCESSING', 'REQUIRES_ACTION')`,
    );
    await db.sql.query(`UPDATE refunds SET next_attempt_at = now() WHERE status = 'PENDING'`);
    await Promise.all(instances.map((api) => api.app.get(OrderSweeper).sweep()));
    const left = await db.sql.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM payments WHERE status IN ('PROCESSING', 'REQUIRES_ACTION'))
            + (SELECT count(*) FROM refunds WHERE status = 'PENDING') AS n`,
    );
    if (Number(left.rows[0].n) === 0) return;
  }
}

/** Deadlocks PostgreSQL detected in this database, as its statistics count them. */
export async function deadlocks(db: TestDatabase): Promise<number> {
  const { rows } = await db.sql.query<{ deadlocks: string }>(
    'SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()',
  );
  return Number(rows[0].deadlocks);
}

/** Waits until no session of the application is left (its statistics are flushed at exit). */
export async function applicationSessionsGone(db: TestDatabase): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const { rows } = await db.sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'eventflow'`,
    );
    if (rows[0].n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the application’s database sessions did not end');
}

/** Samples pg_stat_activity while `during` runs: the most sessions ever idle in a transaction. */
export async function mostIdleInTransaction(
  db: TestDatabase,
  during: Promise<unknown>,
): Promise<number> {
  let most = 0;
  let done = false;
  const finish = () => (done = true);
  void during.then(finish, finish);
  while (!done) {
    const { rows } = await db.sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'eventflow'
          AND state = 'idle in transaction'`,
    );
    most = Math.max(most, rows[0].n);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return most;
}

/**
 * Counts the transactions the application opens itself (BEGIN) while `work` runs: with none, every
 * write is one statement, and no row stays locked across a round trip to the application.
 */
export async function transactionsOpenedDuring(work: () => Promise<unknown>): Promise<number> {
  let opened = 0;
  const original = pg.Client.prototype.query;
  const spy = jest.spyOn(pg.Client.prototype, 'query').mockImplementation(function (
    this: pg.Client,
    ...args: unknown[]
  ) {
    const [query] = args as [string | { text?: string }];
    const text = typeof query === 'string' ? query : query?.text;
    const parameters = (this as unknown as { connectionParameters?: { application_name?: string } })
      .connectionParameters;
    if (parameters?.application_name === 'eventflow' && /^\s*BEGIN\b/i.test(text ?? '')) opened++;
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  });
  try {
    await work();
  } finally {
    spy.mockRestore();
  }
  return opened;
}
