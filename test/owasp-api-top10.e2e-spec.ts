import { createHmac } from 'node:crypto';
import { declaredRoutes } from './support/routes.js';
import { bearer, createEvent } from './support/events.js';
import { payOrder, placeOrder } from './support/orders.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { startTestApp, TEST_JWT_SECRET, type TestApp } from './support/test-app.js';
import { createUser, PASSWORD, type TestUser } from './support/users.js';

/**
 * The OWASP API Security Top 10 (2023), one group per risk where it applies to this API. API7
 * (server-side request forgery) does not: no request makes the service fetch a URL it was given.
 * docs/reliability.md maps each risk to these tests and the others that cover it.
 */
describe('OWASP API Security Top 10 (2023)', () => {
  let db: TestDatabase;
  let api: TestApp;
  let organizer: TestUser;
  let rival: TestUser;
  let alice: TestUser;
  let mallory: TestUser;
  let event: Awaited<ReturnType<typeof createEvent>>;
  let aliceOrderId: string;
  let aliceTicket: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApp(db, {
      env: { ORDER_SWEEP_INTERVAL_MS: '0', LOGIN_THROTTLE_LIMIT: '5' },
    });
    organizer = await createUser(api, db, 'ADMIN');
    rival = await createUser(api, db, 'ADMIN');
    alice = await createUser(api, db, 'USER');
    mallory = await createUser(api, db, 'USER');
    event = await createEvent(api, organizer, {
      ticketTypes: [{ name: 'A', priceCents: 1000, capacity: 50, maxPerBuyer: 5 }],
    });
    const held = await placeOrder(api, alice, [
      { ticketTypeId: event.ticketTypes[0].id, quantity: 1 },
    ]);
    aliceOrderId = held.body.id;
    aliceTicket = (await payOrder(api, alice, aliceOrderId)).body.tickets[0].code;
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  describe('API1 Broken object level authorization', () => {
    it('another user’s order and ticket are 404 on every route, and nothing changes', async () => {
      const auth = bearer(mallory);
      const answers = await Promise.all([
        api.http.get(`/api/orders/${aliceOrderId}`).set('authorization', auth),
        api.http
          .post(`/api/orders/${aliceOrderId}/pay`)
          .set('authorization', auth)
          .send({ paymentToken: 'tok_visa' }),
        api.http.post(`/api/orders/${aliceOrderId}/cancel`).set('authorization', auth),
        api.http.get(`/api/tickets/${aliceTicket}`).set('authorization', auth),
        api.http.get(`/api/tickets/${aliceTicket}/qr`).set('authorization', auth),
      ]);
      expect(answers.map((r) => r.status)).toEqual([404, 404, 404, 404, 404]);
      const row = await db.sql.query('SELECT status FROM orders WHERE id = $1', [aliceOrderId]);
      expect(row.rows[0].status).toBe('PAID');
      const listed = await api.http.get('/api/tickets').set('authorization', auth);
      expect(listed.body.data).toEqual([]);
    });

    it('another organizer’s event is 403 on every organizer route', async () => {
      const auth = bearer(rival);
      const typeId = event.ticketTypes[0].id;
      const answers = await Promise.all([
        api.http
          .patch(`/api/events/${event.id}`)
          .set('authorization', auth)
          .send({ title: 'Mine now' }),
        api.http.delete(`/api/events/${event.id}`).set('authorization', auth),
        api.http.post(`/api/events/${event.id}/cancel`).set('authorization', auth),
        api.http
          .post(`/api/events/${event.id}/ticket-types`)
          .set('authorization', auth)
          .send({ name: 'X', priceCents: 0, capacity: 1 }),
        api.http
          .patch(`/api/events/${event.id}/ticket-types/${typeId}`)
          .set('authorization', auth)
          .send({ capacity: 1 }),
        api.http.get(`/api/events/${event.id}/stats`).set('authorization', auth),
        api.http.get(`/api/events/${event.id}/check-ins`).set('authorization', auth),
        api.http
          .post(`/api/events/${event.id}/check-ins`)
          .set('authorization', auth)
          .send({ code: aliceTicket }),
        api.http.post(`/api/orders/${aliceOrderId}/cancel`).set('authorization', auth),
      ]);
      expect(answers.map((r) => r.status)).toEqual([403, 403, 403, 403, 403, 403, 403, 403, 404]);
    });
  });

  describe('API2 Broken authentication', () => {
    const forge = (header: object, claims: object, secret = TEST_JWT_SECRET) => {
      const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const unsigned = `${part(header)}.${part(claims)}`;
      return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
    };
    const now = () => Math.floor(Date.now() / 1000);

    it('refuses alg:none, another key, an expired token and a forged role', async () => {
      const claims = {
        sub: mallory.id,
        role: 'ADMIN',
        iss: 'eventflow',
        aud: 'eventflow-api',
        iat: now(),
        exp: now() + 600,
      };
      const tokens = [
        `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`,
        forge({ alg: 'HS256', typ: 'JWT' }, claims, 'an-attacker-secret-of-sufficient-length!!'),
        forge(
          { alg: 'HS256', typ: 'JWT' },
          { ...claims, role: 'USER', iat: now() - 7200, exp: now() - 3600 },
        ),
        `${mallory.accessToken.split('.')[0]}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${mallory.accessToken.split('.')[2]}`,
      ];
      for (const token of tokens) {
        const res = await api.http.get('/api/events/mine').set('authorization', `Bearer ${token}`);
        expect(res.status).toBe(401);
      }
    });

    it('a replayed refresh token ends the whole sign-in', async () => {
      const login = await api.http
        .post('/api/auth/login')
        .send({ email: alice.email, password: PASSWORD });
      const rotated = await api.http
        .post('/api/auth/refresh')
        .send({ refreshToken: login.body.refreshToken });
      expect(
        (await api.http.post('/api/auth/refresh').send({ refreshToken: login.body.refreshToken }))
          .status,
      ).toBe(401);
      expect(
        (await api.http.post('/api/auth/refresh').send({ refreshToken: rotated.body.refreshToken }))
          .status,
      ).toBe(401);
    });
  });

  describe('API3 Broken object property level authorization', () => {
    it('no role, owner, stock, status or timestamps are taken from a request body', async () => {
      const attempts = await Promise.all([
        api.http
          .post('/api/auth/register')
          .send({ email: 'sneaky@example.com', password: 'password123', name: 'S', role: 'ADMIN' }),
        api.http.post('/api/events').set('authorization', bearer(organizer)).send({
          title: 'T',
          venue: 'V',
          startsAt: '2031-01-01T10:00:00Z',
          endsAt: '2031-01-01T12:00:00Z',
          organizerId: rival.id,
        }),
        api.http
          .post(`/api/events/${event.id}/ticket-types`)
          .set('authorization', bearer(organizer))
          .send({ name: 'X', priceCents: 1, capacity: 5, available: 500 }),
        api.http
          .patch(`/api/events/${event.id}`)
          .set('authorization', bearer(organizer))
          .send({ cancelledAt: null, organizerId: rival.id }),
        api.http
          .post('/api/orders')
          .set('authorization', bearer(mallory))
          .send({
            items: [{ ticketTypeId: event.ticketTypes[0].id, quantity: 1 }],
            status: 'PAID',
            totalCents: 0,
          }),
        api.http
          .post(`/api/orders/${aliceOrderId}/pay`)
          .set('authorization', bearer(alice))
          .send({ paymentToken: 'tok_visa', amountCents: 1 }),
      ]);
      for (const res of attempts) expect(res.status).toBe(400);
      const users = await db.sql.query(
        "SELECT count(*)::int AS n FROM users WHERE email = 'sneaky@example.com'",
      );
      expect(users.rows[0].n).toBe(0);
      const owner = await db.sql.query('SELECT organizer_id FROM events WHERE id = $1', [event.id]);
      expect(owner.rows[0].organizer_id).toBe(organizer.id);
    });

    it('no response carries a password hash, token hash, payment reference or other internal field', async () => {
      const bodies = await Promise.all([
        api.http.get('/api/auth/me').set('authorization', bearer(alice)),
        api.http.get(`/api/orders/${aliceOrderId}`).set('authorization', bearer(alice)),
        api.http.get('/api/orders').set('authorization', bearer(alice)),
        api.http.get('/api/tickets').set('authorization', bearer(alice)),
        api.http.get(`/api/events/${event.id}`),
        api.http.get('/api/events'),
        api.http.get(`/api/events/${event.id}/stats`).set('authorization', bearer(organizer)),
        api.http.post('/api/auth/login').send({ email: alice.email, password: PASSWORD }),
      ]);
      const text = bodies.map((r) => JSON.stringify(r.body)).join('\n');
      for (const field of [
        'passwordHash',
        'password_hash',
        'argon2',
        'tokenHash',
        'paymentRef',
        'providerRef',
        'provider_ref',
        'test_pay_',
        '"userId"',
        'requestHash',
      ]) {
        expect({ field, leaked: text.includes(field) }).toEqual({ field, leaked: false });
      }
    });
  });

  describe('API4 Unrestricted resource consumption', () => {
    it('bounds bodies (413), pages (limit ≤ 100) and strings', async () => {
      expect(
        (
          await api.http
            .post('/api/auth/login')
            .send({ email: 'a@b.co', password: 'x'.repeat(70_000) })
        ).status,
      ).toBe(413);
      expect((await api.http.get('/api/events?limit=101')).status).toBe(400);
      expect((await api.http.get(`/api/events?q=${'x'.repeat(101)}`)).status).toBe(400);
      const long = await api.http
        .post('/api/events')
        .set('authorization', bearer(organizer))
        .send({
          title: 'x'.repeat(201),
          venue: 'V',
          startsAt: '2031-01-01T10:00:00Z',
          endsAt: '2031-01-01T12:00:00Z',
        });
      expect(long.status).toBe(400);
      const items = Array.from({ length: 21 }, () => ({
        ticketTypeId: event.ticketTypes[0].id,
        quantity: 1,
      }));
      expect(
        (await api.http.post('/api/orders').set('authorization', bearer(mallory)).send({ items }))
          .status,
      ).toBe(400);
    });

    it('throttles sign-in brute force on one account', async () => {
      const victim = await createUser(api, db, 'USER');
      const answers = [];
      for (let i = 0; i < 7; i++)
        answers.push(
          (
            await api.http
              .post('/api/auth/login')
              .send({ email: victim.email, password: `guess-${i}` })
          ).status,
        );
      expect(answers.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(answers.slice(5)).toEqual([429, 429]);
    });
  });

  describe('API5 Broken function level authorization', () => {
    it('a USER gets 403 on every organizer route, and never becomes one', async () => {
      for (const route of declaredRoutes(api.app).filter((r) => r.access === 'admin')) {
        const url = route.path
          .replace(':ticketTypeId', event.ticketTypes[0].id)
          .replace(':id', event.id);
        const http = api.http as unknown as Record<string, (u: string) => import('supertest').Test>;
        const call = http[route.method.toLowerCase()];
        const res = await call(url).set('authorization', bearer(mallory)).send({});
        expect({ route: `${route.method} ${route.path}`, status: res.status }).toEqual({
          route: `${route.method} ${route.path}`,
          status: 403,
        });
      }
      const me = await api.http.get('/api/auth/me').set('authorization', bearer(mallory));
      expect(me.body.role).toBe('USER');
    });
  });

  describe('API6 Unrestricted access to sensitive business flows', () => {
    it('one account cannot hoard a ticket type past maxPerBuyer, however it splits its orders', async () => {
      const typeId = event.ticketTypes[0].id;
      const answers = [];
      for (let i = 0; i < 4; i++)
        answers.push(
          (await placeOrder(api, mallory, [{ ticketTypeId: typeId, quantity: 2 }])).status,
        );
      expect(answers).toEqual([201, 201, 422, 422]);
    });
  });

  describe('API8 Security misconfiguration', () => {
    it('security headers on every answer, no X-Powered-By, no stack trace or SQL in errors', async () => {
      const answers = await Promise.all([
        api.http.get('/api/health'),
        api.http.get('/api/nowhere'),
        api.http.post('/api/auth/login').set('content-type', 'application/json').send('{"broken'),
        api.http.get(`/api/events/${"' OR '1'='1"}`),
      ]);
      for (const res of answers) {
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['x-powered-by']).toBeUndefined();
        expect(res.text).not.toMatch(/\bat \w+ \(|\.ts:\d+|SELECT |syntax error/i);
      }
    });
  });

  describe('API9 Improper inventory management', () => {
    it('every route the service answers is in its OpenAPI document, and vice versa', async () => {
      const document = (await api.http.get('/docs-json')).body as {
        paths: Record<string, Record<string, unknown>>;
      };
      const documented = Object.entries(document.paths).flatMap(([path, methods]) =>
        Object.keys(methods).map(
          (method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`,
        ),
      );
      const served = declaredRoutes(api.app).map((r) => `${r.method} ${r.path}`);
      expect([...served].sort()).toEqual([...documented].sort());
    });
  });

  describe('API10 Unsafe consumption of APIs', () => {
    it('a failing payment provider is a 502 that changes nothing, never trusted as a success', async () => {
      const held = await placeOrder(api, alice, [
        { ticketTypeId: event.ticketTypes[0].id, quantity: 1 },
      ]);
      const res = await payOrder(api, alice, held.body.id, 'tok_error');
      expect(res.status).toBe(502);
      const row = await db.sql.query(
        `SELECT o.status, p.status AS payment, p.applied FROM orders o JOIN payments p ON p.order_id = o.id WHERE o.id = $1`,
        [held.body.id],
      );
      expect(row.rows).toEqual([{ status: 'PENDING', payment: 'FAILED', applied: false }]);
      const charged = await db.sql.query(
        'SELECT count(*)::int AS n FROM test_provider_payments t JOIN payments p ON p.id = t.payment_id WHERE p.order_id = $1',
        [held.body.id],
      );
      expect(charged.rows[0].n).toBe(0);
    });
  });
});
