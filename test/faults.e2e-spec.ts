import type { Response } from 'supertest';
import { PrismaService } from '../src/infrastructure/database/prisma.service.js';
import { createEvent } from './support/events.js';
import {
  expectStockInvariant,
  payOrder,
  placeOrder,
  stock,
  statusCounts,
} from './support/orders.js';
import { DisposableRedis, waitUntil } from './support/redis-server.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { startTestApp } from './support/test-app.js';
import { createUser, createUsers } from './support/users.js';

/** Every request gets an answer; "answers at all, within this long" is liveness, not speed. */
const ANSWER_WITHIN_MS = 10_000;
const answered = (request: PromiseLike<Response>): Promise<Response> =>
  Promise.race([
    Promise.resolve(request),
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('no answer: the request hung')), ANSWER_WITHIN_MS),
    ),
  ]);

describe('Redis faults (e2e)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('with Redis stopped mid-run, holds and payments still work, health stays 200, and all recovers without a restart', async () => {
    const redis = await DisposableRedis.start();
    const api = await startTestApp(db, { env: { REDIS_URL: redis.url } });
    try {
      const organizer = await createUser(api, db, 'ADMIN');
      const buyer = await createUser(api, db, 'USER');
      const event = await createEvent(api, organizer);
      const typeId = event.ticketTypes[0].id;

      await redis.stop();
      const held = await placeOrder(api, buyer, [{ ticketTypeId: typeId, quantity: 2 }]);
      expect(held.status).toBe(201);
      const paid = await payOrder(api, buyer, held.body.id);
      expect(paid.status).toBe(200);
      expect(paid.body.tickets).toHaveLength(2);
      expect((await api.http.get('/api/events')).status).toBe(200);
      const health = await api.http.get('/api/health');
      expect(health.status).toBe(200);
      expect(health.body.info.redis.status).toBe('down');

      await redis.resume();
      await waitUntil(
        async () => (await api.http.get('/api/health')).body.info.redis.status === 'up',
        10_000,
      );
      expect((await placeOrder(api, buyer, [{ ticketTypeId: typeId, quantity: 1 }])).status).toBe(
        201,
      );
      await expectStockInvariant(db);
    } finally {
      await api.close();
      await redis.stop();
    }
  });

  it('with Redis hanging (connections open, no answers), no request waits long on it', async () => {
    const redis = await DisposableRedis.start();
    const proxy = await TcpProxy.start('127.0.0.1', redis.port);
    const api = await startTestApp(db, {
      env: { REDIS_URL: `redis://127.0.0.1:${proxy.port}`, REDIS_COMMAND_TIMEOUT_MS: '150' },
    });
    try {
      const organizer = await createUser(api, db, 'ADMIN');
      const buyer = await createUser(api, db, 'USER');
      const event = await createEvent(api, organizer);
      expect((await api.http.get('/api/health')).body.info.redis.status).toBe('up');

      proxy.blackhole();
      const started = Date.now();
      const answers = await Promise.all([
        answered(api.http.get('/api/events')),
        answered(api.http.get('/api/events?q=test')),
        answered(placeOrder(api, buyer, [{ ticketTypeId: event.ticketTypes[0].id, quantity: 1 }])),
        answered(api.http.get('/api/health')),
      ]);
      expect(answers.map((r) => r.status)).toEqual([200, 200, 201, 200]);
      expect(answers[3].body.info.redis.status).toBe('down');
      // Each request waited on Redis at most a few command timeouts, not a TCP timeout.
      expect(Date.now() - started).toBeLessThan(ANSWER_WITHIN_MS);

      proxy.forward();
      await expectStockInvariant(db);
    } finally {
      await api.close();
      await proxy.close();
      await redis.stop();
    }
  });
});

describe('PostgreSQL faults (e2e)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('connections killed during a burst of holds: every request answered, no half-made order, the invariant holds', async () => {
    const api = await startTestApp(db, { env: { DATABASE_POOL_SIZE: '6' } });
    try {
      const organizer = await createUser(api, db, 'ADMIN');
      const event = await createEvent(api, organizer, {
        ticketTypes: [{ name: 'A', priceCents: 100, capacity: 1000 }],
      });
      const typeId = event.ticketTypes[0].id;
      const buyers = await createUsers(api, db, 300);

      let killing = true;
      const killer = (async () => {
        let killed = 0;
        let ordersSeen = 0;
        while (killing) {
          const res = await db.sql.query<{ n: number }>(
            `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
              WHERE datname = current_database() AND application_name = 'eventflow'`,
          );
          killed += res.rows[0].n;
          // The next kill waits for an order to commit after this one (or 250 ms): what is tested is
          // that the service recovers from each kill, and on a slow machine a kill every 15 ms
          // could otherwise cut every hold batch before it commits.
          const deadline = Date.now() + 250;
          while (killing && Date.now() < deadline) {
            const orders = await db.sql.query<{ n: number }>(
              'SELECT count(*)::int AS n FROM orders',
            );
            if (orders.rows[0].n > ordersSeen) {
              ordersSeen = orders.rows[0].n;
              break;
            }
            await new Promise((resolve) => setTimeout(resolve, 15));
          }
        }
        return killed;
      })();
      const answers = await Promise.all(
        buyers.map((buyer) =>
          answered(placeOrder(api, buyer, [{ ticketTypeId: typeId, quantity: 1 }])),
        ),
      );
      killing = false;
      const killed = await killer;

      expect(killed).toBeGreaterThan(0);
      const counts = statusCounts(answers);
      expect(Object.keys(counts).every((status) => ['201', '503'].includes(status))).toBe(true);
      expect(counts[201]).toBeGreaterThan(0);
      for (const refused of answers.filter((r) => r.status === 503)) {
        expect(refused.headers['content-type']).toContain('application/problem+json');
        expect(refused.headers['retry-after']).toBeDefined();
      }
      // An order and its stock move together, or neither does.
      const orphans = await db.sql.query(
        `SELECT count(*)::int AS n FROM orders o WHERE NOT EXISTS (SELECT 1 FROM order_items oi WHERE oi.order_id = o.id)`,
      );
      expect(orphans.rows[0].n).toBe(0);
      const [row] = await stock(db, event.id);
      expect(row.held).toBeGreaterThanOrEqual(counts[201]);
      await expectStockInvariant(db);
      // And the service is healthy again without a restart.
      expect(
        (await placeOrder(api, buyers[0], [{ ticketTypeId: typeId, quantity: 1 }])).status,
      ).toBe(201);
    } finally {
      await api.close();
    }
  });

  it('a saturated connection pool answers 503 with Retry-After after a bounded wait', async () => {
    const api = await startTestApp(db, {
      env: { DATABASE_POOL_SIZE: '2', DATABASE_POOL_TIMEOUT_MS: '300' },
    });
    const pool = api.app.get(PrismaService).pool;
    try {
      const organizer = await createUser(api, db, 'ADMIN');
      const event = await createEvent(api, organizer);
      // Every connection of the instance busy, as slow requests in flight would keep them.
      const busy = [await pool.connect(), await pool.connect()];
      try {
        const waiting = await answered(api.http.get(`/api/events/${event.id}`));
        expect(waiting.status).toBe(503);
        expect(waiting.headers['retry-after']).toBe('1');
        expect(waiting.body).toMatchObject({ status: 503, code: 'service-unavailable' });
      } finally {
        for (const connection of busy) connection.release();
      }
      expect((await api.http.get(`/api/events/${event.id}`)).status).toBe(200);
    } finally {
      await api.close();
    }
  });

  it('a row lock held elsewhere: holds wait at most the lock timeout, then 503 with Retry-After, and nothing is half-made', async () => {
    const api = await startTestApp(db, {
      env: { DATABASE_POOL_SIZE: '4', DATABASE_POOL_TIMEOUT_MS: '300' },
    });
    const blocker = await db.sql.connect();
    try {
      const organizer = await createUser(api, db, 'ADMIN');
      const event = await createEvent(api, organizer, {
        ticketTypes: [{ name: 'A', priceCents: 100, capacity: 100 }],
      });
      const typeId = event.ticketTypes[0].id;
      const buyers = await createUsers(api, db, 6);
      // A transaction elsewhere (an operator's, a stuck migration) holds the stock row.
      await blocker.query('BEGIN');
      await blocker.query('SELECT 1 FROM ticket_types WHERE id = $1 FOR UPDATE', [typeId]);
      const answers = await Promise.all(
        buyers.map((buyer, index) =>
          answered(
            placeOrder(
              api,
              buyer,
              [{ ticketTypeId: typeId, quantity: 1 }],
              index % 2 ? `locked-${index}` : undefined,
            ),
          ),
        ),
      );
      await blocker.query('ROLLBACK');
      expect(statusCounts(answers)).toEqual({ 503: 6 });
      for (const res of answers) {
        expect(res.headers['retry-after']).toBe('1');
        expect(res.body).toMatchObject({ status: 503, code: 'service-unavailable' });
      }
      const orders = await db.sql.query(
        'SELECT count(*)::int AS n FROM order_items WHERE ticket_type_id = $1',
        [typeId],
      );
      expect(orders.rows[0].n).toBe(0);
      // The keyed ones retried with their keys, and the others anew, all get their tickets.
      const retried = await Promise.all(
        buyers.map((buyer, index) =>
          placeOrder(
            api,
            buyer,
            [{ ticketTypeId: typeId, quantity: 1 }],
            index % 2 ? `locked-${index}` : undefined,
          ),
        ),
      );
      expect(statusCounts(retried)).toEqual({ 201: 6 });
      await expectStockInvariant(db);
    } finally {
      blocker.release();
      await api.close();
    }
  });
});
