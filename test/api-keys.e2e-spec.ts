import { createHash } from 'node:crypto';
import { bearer, createEvent } from './support/events.js';
import { payOrder, placeOrder } from './support/orders.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createUser, type TestUser } from './support/users.js';

/** API keys of an account and scanner device keys of an event, read on every request. */
describe('API keys and scanner device keys (e2e, real PostgreSQL)', () => {
  let db: TestDatabase;
  let api: TestApp;
  let organizer: TestUser;
  let buyer: TestUser;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApp(db, { env: { ORDER_SWEEP_INTERVAL_MS: '0' } });
    organizer = await createUser(api, db, 'ADMIN');
    buyer = await createUser(api, db, 'USER');
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  async function makeKey(owner: TestUser, scopes: string[], extra: Record<string, unknown> = {}) {
    const res = await api.http
      .post('/api/api-keys')
      .set('authorization', bearer(owner))
      .send({ name: 'Integration', scopes, ...extra });
    expect(res.status).toBe(201);
    return res.body as { id: string; key: string; prefix: string };
  }

  async function makeDeviceKey(eventId: string, as = organizer) {
    const res = await api.http
      .post(`/api/events/${eventId}/device-keys`)
      .set('authorization', bearer(as))
      .send({ name: 'North door' });
    expect(res.status).toBe(201);
    return res.body as { id: string; key: string; scopes: string[]; eventId: string };
  }

  const withKey = (key: string) => `Bearer ${key}`;

  it('shows a key once, stores only its SHA-256, lists it without its text', async () => {
    const created = await api.http
      .post('/api/api-keys')
      .set('authorization', bearer(organizer))
      .send({ name: 'Box office sync', scopes: ['events:read', 'orders:read', 'events:read'] });
    expect(created.status).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    expect(created.body).toEqual({
      id: expect.any(String),
      name: 'Box office sync',
      prefix: created.body.key.slice(0, 12),
      scopes: ['events:read', 'orders:read'],
      eventId: null,
      expiresAt: null,
      revokedAt: null,
      lastUsedAt: null,
      createdAt: expect.any(String),
      key: expect.stringMatching(/^efk_[A-Za-z0-9_-]{43}$/),
    });
    const { rows } = await db.sql.query('SELECT token_hash FROM api_keys WHERE id = $1', [
      created.body.id,
    ]);
    expect(rows[0].token_hash).toBe(createHash('sha256').update(created.body.key).digest('hex'));
    const list = await api.http.get('/api/api-keys').set('authorization', bearer(organizer));
    expect(list.body.data).toEqual([
      expect.objectContaining({ id: created.body.id, prefix: created.body.prefix }),
    ]);
    expect(JSON.stringify(list.body)).not.toContain(created.body.key);
  });

  it('a key acts as its owner within its scopes: events:read reads, but POST /api/events is 403', async () => {
    const event = await createEvent(api, organizer);
    const { key } = await makeKey(organizer, ['events:read']);
    const mine = await api.http.get('/api/events/mine').set('authorization', withKey(key));
    expect(mine.status).toBe(200);
    expect(mine.body.data.map((e: { id: string }) => e.id)).toContain(event.id);
    const stats = await api.http
      .get(`/api/events/${event.id}/stats`)
      .set('authorization', withKey(key));
    expect(stats.status).toBe(200);

    const create = await api.http
      .post('/api/events')
      .set('authorization', withKey(key))
      .send({ title: 'By key', venue: 'Hall', startsAt: event.startsAt, endsAt: event.endsAt });
    expect(create.status).toBe(403);
    expect(create.body).toMatchObject({
      code: 'api-key-scope-missing',
      requiredScope: 'events:write',
    });
    const { rows } = await db.sql.query(
      "SELECT count(*)::int AS n FROM events WHERE title = 'By key'",
    );
    expect(rows[0].n).toBe(0);
  });

  it('never more than its owner: a USER’s events:write key cannot create events', async () => {
    const { key } = await makeKey(buyer, ['events:write']);
    const res = await api.http
      .post('/api/events')
      .set('authorization', withKey(key))
      .send({
        title: 'x',
        venue: 'y',
        startsAt: new Date(Date.now() + 86e6).toISOString(),
        endsAt: new Date(Date.now() + 90e6).toISOString(),
      });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('forbidden');
  });

  it('an orders:write key holds and pays for its owner', async () => {
    const event = await createEvent(api, organizer);
    const { key } = await makeKey(buyer, ['orders:write', 'orders:read']);
    const held = await api.http
      .post('/api/orders')
      .set('authorization', withKey(key))
      .send({ items: [{ ticketTypeId: event.ticketTypes[0].id, quantity: 1 }] });
    expect(held.status).toBe(201);
    const { rows } = await db.sql.query('SELECT user_id FROM orders WHERE id = $1', [held.body.id]);
    expect(rows[0].user_id).toBe(buyer.id);
    const read = await api.http
      .get(`/api/orders/${held.body.id}`)
      .set('authorization', withKey(key));
    expect(read.status).toBe(200);
  });

  it('never reaches auth routes, key management or team management', async () => {
    const event = await createEvent(api, organizer);
    const { key } = await makeKey(organizer, [
      'events:read',
      'events:write',
      'orders:read',
      'orders:write',
      'checkins:read',
      'checkins:write',
    ]);
    const attempts = [
      api.http.get('/api/auth/me').set('authorization', withKey(key)),
      api.http.post('/api/auth/logout').set('authorization', withKey(key)).send({}),
      api.http.get('/api/api-keys').set('authorization', withKey(key)),
      api.http
        .post('/api/api-keys')
        .set('authorization', withKey(key))
        .send({ name: 'child', scopes: ['orders:read'] }),
      api.http.get(`/api/events/${event.id}/team`).set('authorization', withKey(key)),
      api.http
        .post(`/api/events/${event.id}/team`)
        .set('authorization', withKey(key))
        .send({ email: buyer.email, role: 'MANAGER' }),
      api.http
        .post(`/api/events/${event.id}/device-keys`)
        .set('authorization', withKey(key))
        .send({ name: 'd' }),
    ];
    for (const [index, res] of (await Promise.all(attempts)).entries()) {
      expect({ attempt: index, status: res.status, code: res.body.code }).toEqual({
        attempt: index,
        status: 403,
        code: 'api-key-not-allowed',
      });
    }
    const { rows } = await db.sql.query(
      'SELECT count(*)::int AS n FROM api_keys WHERE user_id = $1',
      [organizer.id],
    );
    expect(rows[0].n).toBeGreaterThan(0);
    const children = await db.sql.query(
      "SELECT count(*)::int AS n FROM api_keys WHERE name = 'child'",
    );
    expect(children.rows[0].n).toBe(0);
  });

  it('a revoked key’s next request is 401; an expired key is 401; an unknown one is 401', async () => {
    const { id, key } = await makeKey(organizer, ['events:read']);
    expect((await api.http.get('/api/events/mine').set('authorization', withKey(key))).status).toBe(
      200,
    );
    const revoked = await api.http
      .delete(`/api/api-keys/${id}`)
      .set('authorization', bearer(organizer));
    expect(revoked.status).toBe(204);
    const after = await api.http.get('/api/events/mine').set('authorization', withKey(key));
    expect(after.status).toBe(401);
    // Public routes too: an integration polling the listing learns at once that it was cut off.
    const listing = await api.http.get('/api/events').set('authorization', withKey(key));
    expect(listing.status).toBe(401);
    expect((await api.http.get('/api/events')).status).toBe(200);
    const { rows } = await db.sql.query('SELECT revoked_at FROM api_keys WHERE id = $1', [id]);
    expect(rows[0].revoked_at).not.toBeNull();

    const other = await makeKey(buyer, ['orders:read']);
    expect(
      (await api.http.delete(`/api/api-keys/${other.id}`).set('authorization', bearer(organizer)))
        .status,
    ).toBe(404);

    const soon = await makeKey(organizer, ['events:read'], {
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    });
    await db.sql.query(
      "UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1",
      [soon.id],
    );
    expect(
      (await api.http.get('/api/events/mine').set('authorization', withKey(soon.key))).status,
    ).toBe(401);
    const unknown = await api.http
      .get('/api/events/mine')
      .set('authorization', withKey(`efk_${'x'.repeat(43)}`));
    expect(unknown.status).toBe(401);
    const past = await api.http
      .post('/api/api-keys')
      .set('authorization', bearer(organizer))
      .send({ name: 'old', scopes: ['events:read'], expiresAt: '2020-01-01T00:00:00Z' });
    expect(past.status).toBe(400);
  });

  it('records lastUsedAt on use', async () => {
    const { id, key } = await makeKey(organizer, ['events:read']);
    await api.http.get('/api/events/mine').set('authorization', withKey(key));
    const { rows } = await db.sql.query('SELECT last_used_at FROM api_keys WHERE id = $1', [id]);
    expect(rows[0].last_used_at).toBeInstanceOf(Date);
    const list = await api.http.get('/api/api-keys').set('authorization', bearer(organizer));
    expect(list.body.data.find((k: { id: string }) => k.id === id).lastUsedAt).toBe(
      rows[0].last_used_at.toISOString(),
    );
  });

  it('a device key checks tickets in at its event, and is a 404 at another event and 403 elsewhere', async () => {
    const eventA = await createEvent(api, organizer);
    const eventB = await createEvent(api, organizer);
    const device = await makeDeviceKey(eventA.id);
    expect(device).toMatchObject({
      eventId: eventA.id,
      scopes: ['checkins:read', 'checkins:write'],
    });
    const held = await placeOrder(api, buyer, [
      { ticketTypeId: eventA.ticketTypes[0].id, quantity: 1 },
    ]);
    const paid = await payOrder(api, buyer, held.body.id);
    const code = (paid.body.tickets as { code: string }[])[0].code;

    const scan = await api.http
      .post(`/api/events/${eventA.id}/check-ins`)
      .set('authorization', withKey(device.key))
      .send({ code });
    expect(scan.status).toBe(201);
    const log = await api.http
      .get(`/api/events/${eventA.id}/check-ins`)
      .set('authorization', withKey(device.key));
    expect(log.status).toBe(200);
    expect(log.body.data).toHaveLength(1);

    const elsewhere = await api.http
      .post(`/api/events/${eventB.id}/check-ins`)
      .set('authorization', withKey(device.key))
      .send({ code });
    expect(elsewhere.status).toBe(404);
    const patch = await api.http
      .patch(`/api/events/${eventA.id}`)
      .set('authorization', withKey(device.key))
      .send({ title: 'x' });
    expect(patch.status).toBe(403);
    expect(patch.body.code).toBe('api-key-scope-missing');
    const scansOfB = await db.sql.query(
      'SELECT count(*)::int AS n FROM check_ins WHERE event_id = $1',
      [eventB.id],
    );
    expect(scansOfB.rows[0].n).toBe(0);

    const list = await api.http
      .get(`/api/events/${eventA.id}/device-keys`)
      .set('authorization', bearer(organizer));
    expect(list.body.data.map((k: { id: string }) => k.id)).toEqual([device.id]);
    const revoked = await api.http
      .delete(`/api/events/${eventA.id}/device-keys/${device.id}`)
      .set('authorization', bearer(organizer));
    expect(revoked.status).toBe(204);
    const next = await api.http
      .post(`/api/events/${eventA.id}/check-ins`)
      .set('authorization', withKey(device.key))
      .send({ code });
    expect(next.status).toBe(401);
  });

  it('a device key made by a manager stops when the manager leaves the team; a scanner cannot make one', async () => {
    const event = await createEvent(api, organizer);
    const manager = await createUser(api, db);
    const scanner = await createUser(api, db);
    for (const [member, role] of [
      [manager, 'MANAGER'],
      [scanner, 'SCANNER'],
    ] as const) {
      await api.http
        .post(`/api/events/${event.id}/team`)
        .set('authorization', bearer(organizer))
        .send({ email: member.email, role });
    }
    const refused = await api.http
      .post(`/api/events/${event.id}/device-keys`)
      .set('authorization', bearer(scanner))
      .send({ name: 'mine' });
    expect(refused.status).toBe(403);
    const device = await makeDeviceKey(event.id, manager);
    const log = () =>
      api.http.get(`/api/events/${event.id}/check-ins`).set('authorization', withKey(device.key));
    expect((await log()).status).toBe(200);
    await api.http
      .delete(`/api/events/${event.id}/team/${manager.id}`)
      .set('authorization', bearer(organizer));
    expect((await log()).status).toBe(403);
  });
});
