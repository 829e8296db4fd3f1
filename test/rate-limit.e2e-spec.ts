import { bearer, createEvent } from './support/events.js';
import { placeOrder } from './support/orders.js';
import { DisposableRedis } from './support/redis-server.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createUser, PASSWORD } from './support/users.js';

const limits = (overrides: Record<string, string>) => ({
  THROTTLE_LIMIT: '1000',
  LOGIN_THROTTLE_LIMIT: '1000',
  PURCHASE_THROTTLE_LIMIT: '1000',
  ...overrides,
});

function expectTooMany(res: {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}) {
  expect(res.status).toBe(429);
  expect(res.headers['content-type']).toContain('application/problem+json');
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  expect(res.body).toMatchObject({ status: 429, title: 'Too Many Requests', code: 'rate-limited' });
}

describe('Rate limiting (e2e, real Redis)', () => {
  let db: TestDatabase;
  const opened: TestApp[] = [];
  const start = async (
    env: Record<string, string>,
    redisKeyPrefix?: string,
    extra: { withoutRedis?: boolean } = {},
  ) => {
    const app = await startTestApp(db, { env: limits(env), redisKeyPrefix, ...extra });
    opened.push(app);
    return app;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    for (const app of opened) await app.close();
    await db?.drop();
  });

  it('THROTTLE_LIMIT requests spread across two instances sharing Redis, and the next is 429', async () => {
    const prefix = `eventflow-test:rl-${Date.now()}:`;
    const a = await start({ THROTTLE_LIMIT: '10' }, prefix);
    const b = await start({ THROTTLE_LIMIT: '10' }, prefix);
    for (let i = 0; i < 10; i++) {
      const res = await (i % 2 ? a : b).http.get('/api/events');
      expect(res.status).toBe(200);
    }
    expectTooMany(await a.http.get('/api/events'));
    expectTooMany(await b.http.get('/api/events/00000000-0000-4000-8000-000000000000'));
  });

  it('a burst of three clients over two instances: each gets exactly its own limit and its own counts', async () => {
    // Requests arriving together are counted in one script call per round trip; each must still
    // get its own client's count, in order, as if counted alone. Three clients behind one trusted
    // proxy send 4, 8 and 12 requests, interleaved, all at once; the limit is 6.
    const prefix = `eventflow-test:rl-burst-${Date.now()}:`;
    const env = { THROTTLE_LIMIT: '6', TRUST_PROXY_HOPS: '1' };
    const [a, b] = [await start(env, prefix), await start(env, prefix)];
    const sent = { '192.0.2.1': 4, '192.0.2.2': 8, '192.0.2.3': 12 };
    const requests = Object.entries(sent).flatMap(([client, count]) =>
      Array.from({ length: count }, () => client),
    );
    // 7 and 24 share no factor: a fixed permutation that interleaves the clients.
    const mixed = requests.map((_, i) => requests[(i * 7) % requests.length]);
    const answers = await Promise.all(
      mixed.map(async (client, i) => ({
        client,
        res: await Promise.resolve(
          (i % 2 ? a : b).http.get('/api/events').set('x-forwarded-for', client),
        ),
      })),
    );
    for (const [client, count] of Object.entries(sent)) {
      const own = answers.filter((answer) => answer.client === client).map((answer) => answer.res);
      expect(own).toHaveLength(count);
      const passed = own.filter((res) => res.status === 200);
      expect(passed).toHaveLength(Math.min(count, 6));
      for (const res of own.filter((r) => r.status !== 200)) expectTooMany(res);
      const remaining = passed.map((res) => Number(res.headers['x-ratelimit-remaining']));
      expect(remaining.sort((x, y) => y - x)).toEqual(
        Array.from({ length: Math.min(count, 6) }, (_, i) => 5 - i),
      );
    }
  });

  it('counts a client across routes, not per route, and leaves health checks alone', async () => {
    const api = await start({ THROTTLE_LIMIT: '3' });
    expect((await api.http.get('/api/events')).status).toBe(200);
    expect((await api.http.get('/api/events?page=2')).status).toBe(200);
    expect((await api.http.get('/api/events/00000000-0000-4000-8000-000000000000')).status).toBe(
      404,
    );
    expectTooMany(await api.http.get('/api/events'));
    for (let i = 0; i < 5; i++) expect((await api.http.get('/api/health')).status).toBe(200);
  });

  it('sign-in has a stricter limit of its own, per account and client', async () => {
    const api = await start({ LOGIN_THROTTLE_LIMIT: '3' });
    const victim = await createUser(api, db, 'USER');
    const other = await createUser(api, db, 'USER');
    for (let i = 0; i < 3; i++) {
      expect(
        (
          await api.http
            .post('/api/auth/login')
            .send({ email: victim.email, password: 'guess-' + i })
        ).status,
      ).toBe(401);
    }
    // Even the right password is refused now: brute force stops here.
    expectTooMany(
      await api.http
        .post('/api/auth/login')
        .send({ email: victim.email.toUpperCase(), password: PASSWORD }),
    );
    expect(
      (await api.http.post('/api/auth/login').send({ email: other.email, password: PASSWORD }))
        .status,
    ).toBe(200);
    // Other routes are not counted against sign-in.
    expect((await api.http.get('/api/events')).status).toBe(200);
  });

  it('purchases are limited per account, whichever address they come from', async () => {
    const api = await start({ PURCHASE_THROTTLE_LIMIT: '2', TRUST_PROXY_HOPS: '1' });
    const organizer = await createUser(api, db, 'ADMIN');
    const buyer = await createUser(api, db, 'USER');
    const other = await createUser(api, db, 'USER');
    const event = await createEvent(api, organizer);
    const items = [{ ticketTypeId: event.ticketTypes[0].id, quantity: 1 }];
    const from = (address: string) =>
      api.http
        .post('/api/orders')
        .set('authorization', bearer(buyer))
        .set('x-forwarded-for', address)
        .send({ items });
    expect((await from('10.0.0.1')).status).toBe(201);
    expect((await from('10.0.0.2')).status).toBe(201);
    expectTooMany(await from('10.0.0.3'));
    expect((await placeOrder(api, other, items)).status).toBe(201);
  });

  it('API keys are limited per key: one busy integration leaves the account’s other keys alone', async () => {
    const api = await start({ API_KEY_THROTTLE_LIMIT: '3' });
    const organizer = await createUser(api, db, 'ADMIN');
    const keyFor = async (name: string) =>
      (
        await api.http
          .post('/api/api-keys')
          .set('authorization', bearer(organizer))
          .send({ name, scopes: ['events:read'] })
      ).body.key as string;
    const [busy, quiet] = [await keyFor('busy'), await keyFor('quiet')];
    const mine = (key: string) =>
      api.http.get('/api/events/mine').set('authorization', `Bearer ${key}`);
    for (let i = 0; i < 3; i++) expect((await mine(busy)).status).toBe(200);
    expectTooMany(await mine(busy));
    expect((await mine(quiet)).status).toBe(200);
    const signedIn = await api.http.get('/api/events/mine').set('authorization', bearer(organizer));
    expect(signedIn.status).toBe(200);
  });

  it('a flood of made-up API keys becomes a 429 without a lookup each; sign-in tokens still work', async () => {
    const api = await start({});
    const organizer = await createUser(api, db, 'ADMIN');
    const fake = (i: number) => `Bearer efk_${String(i).padStart(43, 'x')}`;
    for (let i = 0; i < 20; i++) {
      const res = await api.http.get('/api/events/mine').set('authorization', fake(i));
      expect([i, res.status]).toEqual([i, 401]);
    }
    expectTooMany(await api.http.get('/api/events/mine').set('authorization', fake(20)));
    const signedIn = await api.http.get('/api/events/mine').set('authorization', bearer(organizer));
    expect(signedIn.status).toBe(200);
  });

  it('without trusted proxies, a forged X-Forwarded-For does not make a new client', async () => {
    const api = await start({ THROTTLE_LIMIT: '2' });
    expect((await api.http.get('/api/events').set('x-forwarded-for', '1.1.1.1')).status).toBe(200);
    expect((await api.http.get('/api/events').set('x-forwarded-for', '2.2.2.2')).status).toBe(200);
    expectTooMany(await api.http.get('/api/events').set('x-forwarded-for', '3.3.3.3'));
  });

  it('with one trusted proxy, the client is the address that proxy appended, not what the client wrote', async () => {
    const api = await start({ THROTTLE_LIMIT: '2', TRUST_PROXY_HOPS: '1' });
    // The proxy appends the real client (203.0.113.7); the left part is whatever the client sent.
    expect(
      (await api.http.get('/api/events').set('x-forwarded-for', '1.1.1.1, 203.0.113.7')).status,
    ).toBe(200);
    expect(
      (await api.http.get('/api/events').set('x-forwarded-for', '2.2.2.2, 203.0.113.7')).status,
    ).toBe(200);
    expectTooMany(await api.http.get('/api/events').set('x-forwarded-for', '3.3.3.3, 203.0.113.7'));
    // A different real client behind the same proxy has its own counter.
    expect((await api.http.get('/api/events').set('x-forwarded-for', '198.51.100.9')).status).toBe(
      200,
    );
  });

  it('without REDIS_URL the counters live in process memory', async () => {
    const api = await start({ THROTTLE_LIMIT: '2' }, undefined, { withoutRedis: true });
    expect((await api.http.get('/api/events')).status).toBe(200);
    expect((await api.http.get('/api/events')).status).toBe(200);
    expectTooMany(await api.http.get('/api/events'));
  });
});

describe('Rate limiting while Redis is down', () => {
  let db: TestDatabase;
  let redis: DisposableRedis;
  let api: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = await DisposableRedis.start();
    api = await startTestApp(db, {
      env: limits({ REDIS_URL: redis.url, THROTTLE_LIMIT: '50', LOGIN_THROTTLE_LIMIT: '3' }),
    });
  });
  afterAll(async () => {
    await api?.close();
    await redis?.stop();
    await db?.drop();
  });

  it('general routes keep serving and sign-in stays limited (per instance)', async () => {
    const user = await createUser(api, db, 'USER');
    expect((await api.http.get('/api/events')).status).toBe(200);
    await redis.stop();
    for (let i = 0; i < 10; i++) expect((await api.http.get('/api/events')).status).toBe(200);
    for (let i = 0; i < 3; i++) {
      expect(
        (await api.http.post('/api/auth/login').send({ email: user.email, password: 'wrong-' + i }))
          .status,
      ).toBe(401);
    }
    expectTooMany(
      await api.http.post('/api/auth/login').send({ email: user.email, password: PASSWORD }),
    );
  });
});
