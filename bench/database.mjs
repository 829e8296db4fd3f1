// The benchmark's own PostgreSQL database and Redis key prefix: created fresh, removed at the end.
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pg from 'pg';

export function databaseUrl(serverUrl, name) {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withClient(serverUrl, work) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createDatabase(serverUrl, name) {
  if (!/^eventflow_bench_[a-z0-9_]+$/.test(name)) throw new Error(`bad database name ${name}`);
  await withClient(serverUrl, (client) => client.query(`CREATE DATABASE ${name}`));
}

/** Drops the database once its sessions are gone; FORCE only as the last resort. */
export async function dropDatabase(serverUrl, name) {
  await withClient(serverUrl, async (client) => {
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name}`);
        return;
      } catch (error) {
        if (error.code !== '55006') throw error; // 55006: still in use by other sessions
        await sleep(100);
      }
    }
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
}

/**
 * Clears dead row versions left by the previous sale, so each measured sale starts from the same
 * table state (every hold rewrites the one hot ticket_types row).
 */
export async function vacuumHotTables(sql) {
  await sql.query('VACUUM (ANALYZE) ticket_types, orders, order_items');
}

/** Deletes every Redis key under the prefix (listing cache, rate-limit counters). */
export async function deleteRedisKeys(redisUrl, prefix) {
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
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
