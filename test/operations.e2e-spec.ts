import type { TestApp } from './support/test-app.js';
import { bearer, createEvent } from './support/events.js';
import { placeOrder } from './support/orders.js';
import { DisposablePostgres } from './support/disposable-postgres.js';
import { waitUntil } from './support/redis-server.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { startTestApp } from './support/test-app.js';
import { createUser } from './support/users.js';

/** The value of one Prometheus series, or 0 when it has not appeared yet. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (wanted.every(([key, value]) => line.includes(`${key}="${value}"`)))
      return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

describe('GET /metrics (e2e)', () => {
  let db: TestDatabase;
  let api: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    // The counts are exact: a Redis read timed out by a busy test process (its job worker renders
    // the confirmation email of the pay below in the same event loop) would count as unavailable.
    api = await startTestApp(db, { env: { REDIS_COMMAND_TIMEOUT_MS: '5000' } });
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  const scrape = async () => {
    const res = await api.http.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    return res.text;
  };

  it('moves as requests are made: requests and latency by route template and status', async () => {
    const before = await scrape();
    await api.http.get('/api/events');
    await api.http.get('/api/events/00000000-0000-4000-8000-000000000000');
    await api.http.get('/api/events/00000000-0000-4000-8000-000000000001');
    await api.http.get('/api/no/such/route');
    const after = await scrape();
    const count = (text: string, route: string, status: string) =>
      sample(text, 'eventflow_http_requests_total', { method: 'GET', route, status });
    expect(count(after, '/api/events', '200') - count(before, '/api/events', '200')).toBe(1);
    expect(count(after, '/api/events/:id', '404') - count(before, '/api/events/:id', '404')).toBe(
      2,
    );
    expect(count(after, 'unmatched', '404') - count(before, 'unmatched', '404')).toBe(1);
    expect(
      sample(after, 'eventflow_http_request_duration_seconds_count', {
        route: '/api/events/:id',
        status: '404',
      }),
    ).toBeGreaterThanOrEqual(2);
    // The raw URLs never become labels.
    expect(after).not.toContain('00000000-0000-4000-8000-000000000001');
  });

  it('counts orders by outcome, cache hits and misses, and shows the database pool', async () => {
    const organizer = await createUser(api, db, 'ADMIN');
    const buyer = await createUser(api, db, 'USER');
    const event = await createEvent(api, organizer, {
      ticketTypes: [{ name: 'A', priceCents: 100, capacity: 1 }],
    });
    const before = await scrape();
    const held = await placeOrder(api, buyer, [
      { ticketTypeId: event.ticketTypes[0].id, quantity: 1 },
    ]);
    await placeOrder(api, buyer, [{ ticketTypeId: event.ticketTypes[0].id, quantity: 1 }]);
    await api.http
      .post(`/api/orders/${held.body.id}/pay`)
      .set('authorization', bearer(buyer))
      .send({ paymentToken: 'tok_visa' });
    await api.http.get('/api/events?q=metrics-probe');
    await api.http.get('/api/events?q=metrics-probe');
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) =>
      sample(after, name, labels) - sample(before, name, labels);
    expect(delta('eventflow_orders_total', { outcome: 'held' })).toBe(1);
    expect(delta('eventflow_orders_total', { outcome: 'sold_out' })).toBe(1);
    expect(delta('eventflow_orders_total', { outcome: 'paid' })).toBe(1);
    expect(delta('eventflow_listing_cache_requests_total', { result: 'miss' })).toBe(1);
    expect(delta('eventflow_listing_cache_requests_total', { result: 'hit' })).toBe(1);
    expect(after).toMatch(/eventflow_db_pool_connections\{state="in_use"\} \d+/);
    expect(after).toMatch(/eventflow_db_pool_connections\{state="idle"\} \d+/);
    expect(after).toContain('eventflow_process_resident_memory_bytes');
  });
});

describe('GET /api/health with the database stopped', () => {
  let postgres: DisposablePostgres;

  beforeAll(async () => {
    postgres = await DisposablePostgres.start();
  }, 60_000);
  afterAll(async () => {
    await postgres?.destroy();
  });

  it('is 503 while PostgreSQL is stopped and 200 again once it is back, with the same shape', async () => {
    const api = await startTestApp(
      { url: postgres.url, sql: undefined as never, drop: async () => undefined },
      // An empty database, never migrated: no job queue to run (its schema comes with migrations).
      { env: { ORDER_SWEEP_INTERVAL_MS: '0', JOB_WORKER_ENABLED: 'false' } },
    );
    try {
      expect((await api.http.get('/api/health')).body).toEqual({
        status: 'ok',
        info: { database: { status: 'up' }, redis: { status: 'up' } },
      });
      await postgres.stop();
      const down = await api.http.get('/api/health');
      expect(down.status).toBe(503);
      expect(down.body).toEqual({
        status: 'error',
        info: { database: { status: 'down' }, redis: { status: 'up' } },
      });
      // Any other route that needs the database answers a 503 problem, never a hang or a 500.
      const listing = await api.http.get('/api/events?q=while-down');
      expect(listing.status).toBe(503);
      expect(listing.headers['retry-after']).toBeDefined();
      await postgres.resume();
      await waitUntil(async () => (await api.http.get('/api/health')).status === 200, 15_000);
    } finally {
      await api.close();
    }
  }, 60_000);
});
