import { Redis } from 'ioredis';
import { bearer, createEvent, inHours } from './support/events.js';
import { TEST_REDIS_URL } from './support/environment.js';
import { countAppQueries } from './support/query-counter.js';
import { recordedInvalidationsDelivered } from './support/recorded-invalidations.js';
import { DisposableRedis, waitUntil } from './support/redis-server.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createUser, type TestUser } from './support/users.js';

interface Listed {
  id: string;
  title: string;
  venue: string;
  startsAt: string;
  published: boolean;
}

describe('Public event listing: filters and pagination', () => {
  let db: TestDatabase;
  let api: TestApp;
  let organizer: TestUser;
  const titles = [
    'Jazz Night',
    'Rock Arena',
    'Jazz Brunch',
    'Opera Gala',
    'Indie Fest',
    'Folk Evening',
    'Techno Rave',
  ];

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApp(db);
    organizer = await createUser(api, db, 'ADMIN');
    // Created out of date order, to prove the listing sorts.
    for (const [index, title] of titles.entries()) {
      const hours = 24 * ((index * 3) % 7) + 24;
      await createEvent(api, organizer, {
        title,
        venue: index % 2 ? 'Blue Note Club' : 'City Arena',
        startsAt: inHours(hours),
        endsAt: inHours(hours + 3),
      });
    }
    await createEvent(api, organizer, { title: 'Jazz Draft', published: false });
    const cancelled = await createEvent(api, organizer, { title: 'Jazz Cancelled' });
    await db.sql.query('UPDATE events SET cancelled_at = now() WHERE id = $1', [cancelled.id]);
    await api.http.patch(`/api/events/${cancelled.id}`); // any write invalidates; this one is refused but harmless
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  const list = async (query = '') => {
    const res = await api.http.get(`/api/events${query}`);
    expect(res.headers['content-type']).toContain('application/json');
    return res;
  };

  it('lists published, not cancelled events, soonest first, never a draft', async () => {
    const res = await list('?limit=100');
    expect(res.status).toBe(200);
    const data = res.body.data as Listed[];
    expect(data.map((e) => e.title).sort()).toEqual([...titles].sort());
    const starts = data.map((e) => Date.parse(e.startsAt));
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    expect(data.every((e) => e.published)).toBe(true);
    expect(res.body.meta).toEqual({ page: 1, limit: 100, total: 7, totalPages: 1 });
  });

  it('pages with the right meta, the last page and past it included', async () => {
    const all = ((await list('?limit=100')).body.data as Listed[]).map((e) => e.id);
    const pages = await Promise.all([1, 2, 3, 4].map((page) => list(`?page=${page}&limit=3`)));
    expect(pages.map((p) => p.body.data.map((e: Listed) => e.id))).toEqual([
      all.slice(0, 3),
      all.slice(3, 6),
      all.slice(6),
      [],
    ]);
    for (const [index, page] of pages.entries()) {
      expect(page.body.meta).toEqual({ page: index + 1, limit: 3, total: 7, totalPages: 3 });
    }
  });

  it('filters by text in title or venue, by venue, and by start date', async () => {
    const jazz = (await list('?q=jAzZ')).body.data as Listed[];
    expect(jazz.map((e) => e.title).sort()).toEqual(['Jazz Brunch', 'Jazz Night']);
    const byVenueText = (await list('?q=blue note')).body.data as Listed[];
    expect(byVenueText.length).toBe(3);
    expect(byVenueText.every((e) => e.venue === 'Blue Note Club')).toBe(true);
    const venue = (await list('?venue=city')).body;
    expect(venue.meta.total).toBe(4);
    const from = inHours(24 * 3);
    const to = inHours(24 * 5);
    const window = (await list(`?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`))
      .body.data as Listed[];
    expect(window.length).toBeGreaterThan(0);
    expect(window.every((e) => e.startsAt >= from && e.startsAt <= to)).toBe(true);
  });

  it.each([
    ['limit over 100', '?limit=101', 'limit'],
    ['limit 0', '?limit=0', 'limit'],
    ['page 0', '?page=0', 'page'],
    ['a page that is not a number', '?page=abc', 'page'],
    ['a fractional page', '?page=1.5', 'page'],
    ['a bad date', '?from=yesterday', 'from'],
    [
      'from after to',
      `?from=${encodeURIComponent(inHours(10))}&to=${encodeURIComponent(inHours(5))}`,
      'to',
    ],
    ['an overlong q', `?q=${'x'.repeat(101)}`, 'q'],
    ['an unknown parameter', '?sort=price', 'sort'],
  ])('answers 400 for %s', async (_case, query, field) => {
    const res = await api.http.get(`/api/events${query}`);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('sends a fixed number of queries per page, whatever its size (no N+1)', async () => {
    // Distinct query strings miss the cache, so each request reaches the database.
    const small = await countAppQueries(() => list('?limit=1&q=a'));
    const large = await countAppQueries(() => list('?limit=100&q=e'));
    expect(small).toBeGreaterThan(0);
    expect(large).toBe(small);
    const cached = await countAppQueries(() => list('?limit=100&q=e'));
    expect(cached).toBe(0);
  });
});

describe('Listing cache shared by every instance (real Redis)', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let organizer: TestUser;
  const prefix = `eventflow-test:shared-${Date.now()}:`;

  beforeAll(async () => {
    db = await createTestDatabase();
    a = await startTestApp(db, { redisKeyPrefix: prefix, env: { CACHE_TTL: '300' } });
    b = await startTestApp(db, { redisKeyPrefix: prefix, env: { CACHE_TTL: '300' } });
    organizer = await createUser(a, db, 'ADMIN');
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  it('a change through instance A is in instance B’s listing on the very next request', async () => {
    const event = await createEvent(a, organizer, { title: 'Before' });
    const warm = await b.http.get('/api/events');
    expect(warm.body.data.map((e: Listed) => e.title)).toEqual(['Before']);
    // Prove B now serves from the cache: a write behind the API's back is not seen.
    await db.sql.query("UPDATE events SET title = 'Sneaky' WHERE id = $1", [event.id]);
    expect((await b.http.get('/api/events')).body.data[0].title).toBe('Before');

    const patched = await a.http
      .patch(`/api/events/${event.id}`)
      .set('authorization', bearer(organizer))
      .send({ title: 'After' });
    expect(patched.status).toBe(200);
    expect((await b.http.get('/api/events')).body.data[0].title).toBe('After');
  });

  it('unpublishing or deleting through one instance removes the event from the other’s listing at once', async () => {
    const event = await createEvent(b, organizer, { title: 'Short-lived' });
    expect((await a.http.get('/api/events?q=short')).body.meta.total).toBe(1);
    await b.http
      .patch(`/api/events/${event.id}`)
      .set('authorization', bearer(organizer))
      .send({ published: false });
    expect((await a.http.get('/api/events?q=short')).body.meta.total).toBe(0);
    await b.http
      .patch(`/api/events/${event.id}`)
      .set('authorization', bearer(organizer))
      .send({ published: true });
    expect((await a.http.get('/api/events?q=short')).body.meta.total).toBe(1);
    await b.http.delete(`/api/events/${event.id}`).set('authorization', bearer(organizer));
    expect((await a.http.get('/api/events?q=short')).body.meta.total).toBe(0);
  });

  it('a ticket-type change invalidates too', async () => {
    const event = await createEvent(a, organizer, { title: 'Priced' });
    await b.http.get('/api/events?q=priced');
    await a.http
      .patch(`/api/events/${event.id}/ticket-types/${event.ticketTypes[0].id}`)
      .set('authorization', bearer(organizer))
      .send({ priceCents: 777 });
    expect((await b.http.get('/api/events?q=priced')).body.data[0].ticketTypes[0].priceCents).toBe(
      777,
    );
  });

  it('simultaneous reads of different queries, cached and not, each get their own listing', async () => {
    // Reads arriving together share one Redis round trip; each must still get its own entry.
    const events = [];
    for (const [index, title] of ['Alpha Burst', 'Beta Burst', 'Gamma Burst'].entries()) {
      events.push(
        await createEvent(a, organizer, {
          title,
          startsAt: inHours(60 + index),
          endsAt: inHours(62 + index),
        }),
      );
    }
    const cached = ['?q=alpha', '?q=beta', '?q=gamma', '?q=burst'];
    for (const query of cached) await a.http.get(`/api/events${query}`); // in Redis, not in B's memory
    // Behind the API's back: an answer from the cache still has the old titles, one from the
    // database the new ones, so each answer shows where it came from.
    await db.sql.query("UPDATE events SET title = title || ' v2' WHERE id = ANY($1::uuid[])", [
      events.map((event) => event.id),
    ]);
    const queries = [...cached, '?q=burst&limit=2'];
    const answers = await Promise.all(
      queries.flatMap((query) =>
        [1, 2, 3, 4].map(() => Promise.resolve(b.http.get(`/api/events${query}`))),
      ),
    );
    const titles = answers.map((res) => res.body.data.map((e: Listed) => e.title).join(','));
    expect(titles).toEqual(
      [
        'Alpha Burst',
        'Beta Burst',
        'Gamma Burst',
        'Alpha Burst,Beta Burst,Gamma Burst',
        'Alpha Burst v2,Beta Burst v2',
      ].flatMap((expected) => [expected, expected, expected, expected]),
    );
  });

  it('every key it writes carries a TTL, entries no longer than CACHE_TTL', async () => {
    await a.http.get('/api/events?limit=7');
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const keys = await redis.keys(`${prefix}*`);
      expect(keys.length).toBeGreaterThanOrEqual(2);
      for (const key of keys) {
        const ttl = await redis.ttl(key);
        expect({ key, hasTtl: ttl > 0 }).toEqual({ key, hasTtl: true });
        if (key.includes(':entry:')) expect(ttl).toBeLessThanOrEqual(300);
      }
    } finally {
      redis.disconnect();
    }
  });
});

describe('Listing while Redis is down', () => {
  let db: TestDatabase;
  let redis: DisposableRedis;
  let api: TestApp;
  let organizer: TestUser;

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = await DisposableRedis.start();
    api = await startTestApp(db, { env: { REDIS_URL: redis.url, CACHE_TTL: '300' } });
    organizer = await createUser(api, db, 'ADMIN');
  });
  afterAll(async () => {
    await api?.close();
    await redis?.stop();
    await db?.drop();
  });

  it('answers from the database while Redis is stopped and caches again once it is back', async () => {
    const event = await createEvent(api, organizer, { title: 'Resilient' });
    expect((await api.http.get('/api/events')).status).toBe(200);

    await redis.stop();
    const during = await api.http.get('/api/events');
    expect(during.status).toBe(200);
    expect(during.body.data.map((e: Listed) => e.title)).toEqual(['Resilient']);
    // A write during the outage must not leave a stale entry to be served after it.
    const patched = await api.http
      .patch(`/api/events/${event.id}`)
      .set('authorization', bearer(organizer))
      .send({ title: 'Renamed in outage' });
    expect(patched.status).toBe(200);
    expect((await api.http.get('/api/events')).body.data[0].title).toBe('Renamed in outage');
    const health = await api.http.get('/api/health');
    expect(health.status).toBe(200);
    expect(health.body.info.redis.status).toBe('down');

    await redis.resume();
    await waitUntil(
      async () => (await api.http.get('/api/health')).body.info.redis.status === 'up',
      10_000,
    );
    expect((await api.http.get('/api/events')).body.data[0].title).toBe('Renamed in outage');
    // The outage's invalidation was also recorded for another instance to deliver; its late bump
    // would turn the entry cached below into a miss, so it is awaited first.
    await recordedInvalidationsDelivered(db, 10_000);
    const inspector = redis.client();
    try {
      await inspector.connect();
      await waitUntil(async () => {
        await api.http.get('/api/events');
        return (await inspector.keys('*:entry:*')).length > 0;
      }, 5_000);
      // Served from the cache again: a write behind the API's back is not seen.
      await db.sql.query("UPDATE events SET title = 'Behind the back' WHERE id = $1", [event.id]);
      expect((await api.http.get('/api/events')).body.data[0].title).toBe('Renamed in outage');
    } finally {
      inspector.disconnect();
    }
  });
});

describe('Listing cache without Redis (process memory)', () => {
  it('caches and invalidates in memory', async () => {
    const db = await createTestDatabase();
    const api = await startTestApp(db, { withoutRedis: true, env: { CACHE_TTL: '300' } });
    try {
      const organizer = await createUser(api, db, 'ADMIN');
      const event = await createEvent(api, organizer, { title: 'Memory' });
      expect((await api.http.get('/api/events')).body.data[0].title).toBe('Memory');
      await db.sql.query("UPDATE events SET title = 'Hidden' WHERE id = $1", [event.id]);
      expect((await api.http.get('/api/events')).body.data[0].title).toBe('Memory');
      await api.http
        .patch(`/api/events/${event.id}`)
        .set('authorization', bearer(organizer))
        .send({ venue: 'Elsewhere' });
      expect((await api.http.get('/api/events')).body.data[0]).toMatchObject({
        title: 'Hidden',
        venue: 'Elsewhere',
      });
    } finally {
      await api.close();
      await db.drop();
    }
  });
});
