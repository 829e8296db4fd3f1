import { randomBytes } from 'node:crypto';
import { bearer, createEvent } from './support/events.js';
import { TEST_REDIS_URL } from './support/environment.js';
import { waitUntil } from './support/redis-server.js';
import { recordedInvalidationsDelivered } from './support/recorded-invalidations.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createUser, type TestUser } from './support/users.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

/** Room for a loaded test machine on top of the documented bound; the bound is what is claimed. */
const MARGIN_MS = 1_000;

/**
 * Instance A reaches Redis through a proxy the test cuts, instance B directly: a partition that
 * isolates one instance only. A change through A must still reach B's listing within the bound of
 * docs/API.md (one job poll interval plus one Redis command timeout), and A must never serve the
 * listing from before its own change.
 */
describe('Listing cache under a partial Redis partition (e2e)', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let a: TestApp;
  let b: TestApp;
  let organizer: TestUser;
  let boundMs: number;
  let receiver: WebhookReceiver | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    const redis = new URL(TEST_REDIS_URL);
    proxy = await TcpProxy.start(redis.hostname, Number(redis.port || 6379));
    const shared = {
      redisKeyPrefix: `eventflow-test:partition-${randomBytes(4).toString('hex')}:`,
      // Deliveries to the hanging receiver of the last case hold their job slots all along.
      env: { CACHE_TTL: '300', WEBHOOK_ALLOW_PRIVATE_URLS: 'true', WEBHOOK_TIMEOUT_MS: '60000' },
    };
    a = await startTestApp(db, {
      ...shared,
      env: { ...shared.env, REDIS_URL: `redis://127.0.0.1:${proxy.port}` },
    });
    b = await startTestApp(db, shared);
    organizer = await createUser(b, db, 'ADMIN');
    boundMs = b.config.jobs.pollIntervalMs + b.config.redisCommandTimeoutMs;
  });
  afterAll(async () => {
    // Its held answers dropped first, so the workers' deliveries end and the instances can stop.
    await receiver?.close();
    await a?.close();
    await b?.close();
    await proxy?.close();
    await db?.drop();
  });

  const titleIn = async (api: TestApp, query: string): Promise<string> => {
    const res = await api.http.get(`/api/events${query}`);
    expect(res.status).toBe(200);
    return res.body.data[0].title as string;
  };

  /** Warms both instances, and proves B then answers from the cache: the unfixed case stays stale. */
  async function warmBoth(query: string, title: string): Promise<string> {
    const event = await createEvent(b, organizer, { title });
    expect(await titleIn(b, query)).toBe(title);
    expect(await titleIn(a, query)).toBe(title);
    // Every title keeps the query's word, so a listing from the database still has the event.
    await db.sql.query("UPDATE events SET title = title || ' (behind the back)' WHERE id = $1", [
      event.id,
    ]);
    expect(await titleIn(b, query)).toBe(title);
    expect(await titleIn(a, query)).toBe(title);
    return event.id;
  }

  async function changeThroughA(eventId: string, title: string): Promise<void> {
    const patched = await a.http
      .patch(`/api/events/${eventId}`)
      .set('authorization', bearer(organizer))
      .send({ title });
    // The change is committed: it is answered as done, not as a failure of Redis.
    expect(patched.status).toBe(200);
    expect(patched.body.title).toBe(title);
  }

  /** Polls B until it shows `title`, checking on every round that A never shows anything else. */
  async function expectBWithinBound(query: string, title: string): Promise<void> {
    const deadline = Date.now() + boundMs + MARGIN_MS;
    for (;;) {
      expect(await titleIn(a, query)).toBe(title);
      if ((await titleIn(b, query)) === title) return;
      if (Date.now() > deadline) {
        throw new Error(
          `B still served the old listing ${boundMs + MARGIN_MS} ms after the change`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** A answers from the cache again: a database change behind the API's back is not seen. */
  async function expectAUsesTheCacheAgain(query: string, eventId: string): Promise<void> {
    let round = 0;
    await waitUntil(async () => {
      const before = await titleIn(a, query);
      round += 1;
      await db.sql.query("UPDATE events SET title = $2 || ' hidden ' || $3 WHERE id = $1", [
        eventId,
        query.slice('?q='.length),
        round,
      ]);
      return (await titleIn(a, query)) === before;
    }, 10_000);
  }

  it('A cut off (connections dropped, new ones refused): B shows A’s change within the bound', async () => {
    const query = '?q=partition-refused';
    const eventId = await warmBoth(query, 'Partition-refused before');

    await proxy.refuse();
    await changeThroughA(eventId, 'Partition-refused after');
    await expectBWithinBound(query, 'Partition-refused after');
    await recordedInvalidationsDelivered(db);
    const health = await a.http.get('/api/health');
    expect(health.status).toBe(200);
    expect(health.body.info.redis.status).toBe('down');

    await proxy.accept();
    await expectAUsesTheCacheAgain(query, eventId);
  });

  it('A’s Redis hanging (connections open, no answers): the same', async () => {
    const query = '?q=partition-hanging';
    const eventId = await warmBoth(query, 'Partition-hanging before');

    proxy.blackhole();
    await changeThroughA(eventId, 'Partition-hanging after');
    await expectBWithinBound(query, 'Partition-hanging after');
    await recordedInvalidationsDelivered(db);

    proxy.forward();
    await expectAUsesTheCacheAgain(query, eventId);
  });

  it('B’s job workers all busy on hanging deliveries: B still shows A’s change within the bound', async () => {
    const query = '?q=partition-busy';
    const eventId = await warmBoth(query, 'Partition-busy before');
    receiver = await WebhookReceiver.start();
    receiver.respond = () => ({ status: 200, delayMs: 120_000 });
    const endpoint = await b.http
      .post('/api/webhooks')
      .set('authorization', bearer(organizer))
      .send({ url: receiver.url, eventTypes: ['order.paid'] });
    expect(endpoint.status).toBe(201);
    const slots = a.config.jobs.concurrency + b.config.jobs.concurrency;
    for (let i = 0; i < slots + 2; i += 1) {
      const sent = await b.http
        .post(`/api/webhooks/${endpoint.body.id}/test`)
        .set('authorization', bearer(organizer));
      expect(sent.status).toBe(202);
    }
    // As many deliveries held open as the two instances have job slots: every one of B's is busy,
    // and more wait behind them.
    await waitUntil(async () => receiver!.received.length >= slots, 10_000);

    await proxy.refuse();
    await changeThroughA(eventId, 'Partition-busy after');
    await expectBWithinBound(query, 'Partition-busy after');
    await recordedInvalidationsDelivered(db);
    expect(receiver.received).toHaveLength(slots);

    await receiver.close();
    await proxy.accept();
    await expectAUsesTheCacheAgain(query, eventId);
  });
});
