// The benchmark's own PostgreSQL database and Redis key prefix: created fresh, removed at the end.
import { Redis } from 'ioredis';
import { createDatabase as createScratchDatabase } from '../scripts/lib/scratch.mjs';

export { databaseUrl, deleteRedisKeys, dropDatabase } from '../scripts/lib/scratch.mjs';

export async function createDatabase(serverUrl, name) {
  if (!/^eventflow_bench_[a-z0-9_]+$/.test(name)) throw new Error(`bad database name ${name}`);
  await createScratchDatabase(serverUrl, name);
}

/**
 * Clears dead row versions left by the previous sale, so each measured sale starts from the same
 * table state (every hold rewrites the one hot ticket_types row).
 */
export async function vacuumHotTables(sql) {
  await sql.query('VACUUM (ANALYZE) ticket_types, orders, order_items');
}

export async function redisVersion(redisUrl) {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? 'unknown';
  } finally {
    redis.disconnect();
  }
}
