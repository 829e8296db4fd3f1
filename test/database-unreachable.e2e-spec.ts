import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { STRIPE_WEBHOOK_PATH } from '../src/modules/payments/stripe-webhook.controller.js';
import { bearer, createEvent, inHours } from './support/events.js';
import { FakeStripe } from './support/fake-stripe.js';
import { placeOrder } from './support/orders.js';
import { waitUntil } from './support/redis-server.js';
import { declaredRoutes } from './support/routes.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createUser, PASSWORD, type TestUser } from './support/users.js';

const WEBHOOK_SECRET = 'whsec_eventflow_unreachable_test';

/**
 * PostgreSQL stops answering (its port refuses connections, open ones are cut): every route that
 * needs it answers 503 with Retry-After, as a problem document, and all recovers without a restart.
 */
describe('PostgreSQL unreachable (e2e)', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let fake: FakeStripe;
  let api: TestApp;
  let organizer: TestUser;
  let buyer: TestUser;

  beforeAll(async () => {
    db = await createTestDatabase();
    const direct = new URL(db.url);
    proxy = await TcpProxy.start(direct.hostname, Number(direct.port || 5432));
    const throughProxy = new URL(db.url);
    throughProxy.hostname = '127.0.0.1';
    throughProxy.port = String(proxy.port);
    fake = await FakeStripe.start();
    api = await startTestApp(db, {
      env: {
        DATABASE_URL: throughProxy.toString(),
        DATABASE_POOL_TIMEOUT_MS: '500',
        PAYMENT_PROVIDER: 'stripe',
        STRIPE_SECRET_KEY: fake.secretKey,
        STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
        STRIPE_API_URL: `http://127.0.0.1:${fake.port}`,
      },
    });
    organizer = await createUser(api, db, 'ADMIN');
    buyer = await createUser(api, db, 'USER');
  });
  afterAll(async () => {
    await api?.close();
    await proxy?.close();
    await fake?.close();
    await db?.drop();
  });

  it('every route that needs the database answers 503 with Retry-After; health says so; all recovers', async () => {
    const event = await createEvent(api, organizer);
    const typeId = event.ticketTypes[0].id;
    const order = await placeOrder(api, buyer, [{ ticketTypeId: typeId, quantity: 1 }]);
    expect(order.status).toBe(201);
    const orderId = order.body.id as string;
    const missing = '7d0c2a8e-3f4b-4c5d-9e6f-0a1b2c3d4e5f';
    const webhookBody = JSON.stringify({
      id: 'evt_unreachable',
      object: 'event',
      type: 'payment_intent.succeeded',
      data: {
        object: {
          id: 'pi_unreachable',
          object: 'payment_intent',
          amount: 2500,
          currency: 'usd',
          status: 'succeeded',
          metadata: { payment_id: missing, order_id: orderId },
        },
      },
    });
    const signature = Stripe.webhooks.generateTestHeaderString({
      payload: webhookBody,
      secret: WEBHOOK_SECRET,
    });
    const asOrganizer = bearer(organizer);
    const asBuyer = bearer(buyer);
    const eventBody = {
      title: 'Down',
      venue: 'Hall',
      startsAt: inHours(48),
      endsAt: inHours(50),
      ticketTypes: [{ name: 'A', priceCents: 100, capacity: 1 }],
    };

    /** One valid request a route, by `METHOD path` as declared; a new route must be added here. */
    const requests: Record<
      string,
      () => Promise<{
        status: number;
        headers: Record<string, string>;
        body: Record<string, unknown>;
      }>
    > = {
      'POST /api/auth/register': () =>
        api.http
          .post('/api/auth/register')
          .send({ email: 'down@example.com', password: PASSWORD, name: 'D' }),
      'POST /api/auth/login': () =>
        api.http.post('/api/auth/login').send({ email: buyer.email, password: PASSWORD }),
      'POST /api/auth/refresh': () =>
        api.http.post('/api/auth/refresh').send({ refreshToken: 'x'.repeat(40) }),
      'POST /api/auth/logout': () =>
        api.http
          .post('/api/auth/logout')
          .set('authorization', asBuyer)
          .send({ refreshToken: 'x'.repeat(40) }),
      'GET /api/auth/me': () => api.http.get('/api/auth/me').set('authorization', asBuyer),
      'POST /api/auth/password-reset': () =>
        api.http.post('/api/auth/password-reset').send({ email: buyer.email }),
      'GET /api/auth/password-reset/confirm': () =>
        api.http.get(`/api/auth/password-reset/confirm?token=${'x'.repeat(43)}`),
      'POST /api/auth/password-reset/confirm': () =>
        api.http
          .post('/api/auth/password-reset/confirm')
          .send({ token: 'x'.repeat(43), password: 'brand new password' }),
      'GET /api/events': () => api.http.get('/api/events?q=never-asked-before'),
      'POST /api/events': () =>
        api.http.post('/api/events').set('authorization', asOrganizer).send(eventBody),
      'GET /api/events/mine': () =>
        api.http.get('/api/events/mine').set('authorization', asOrganizer),
      'GET /api/events/:id': () => api.http.get(`/api/events/${missing}`),
      'PATCH /api/events/:id': () =>
        api.http
          .patch(`/api/events/${event.id}`)
          .set('authorization', asOrganizer)
          .send({ title: 'New' }),
      'DELETE /api/events/:id': () =>
        api.http.delete(`/api/events/${event.id}`).set('authorization', asOrganizer),
      'POST /api/events/:id/ticket-types': () =>
        api.http
          .post(`/api/events/${event.id}/ticket-types`)
          .set('authorization', asOrganizer)
          .send({ name: 'B', priceCents: 100, capacity: 1 }),
      'PATCH /api/events/:id/ticket-types/:ticketTypeId': () =>
        api.http
          .patch(`/api/events/${event.id}/ticket-types/${typeId}`)
          .set('authorization', asOrganizer)
          .send({ name: 'C' }),
      'DELETE /api/events/:id/ticket-types/:ticketTypeId': () =>
        api.http
          .delete(`/api/events/${event.id}/ticket-types/${typeId}`)
          .set('authorization', asOrganizer),
      'POST /api/orders': () => placeOrder(api, buyer, [{ ticketTypeId: typeId, quantity: 1 }]),
      'GET /api/orders': () => api.http.get('/api/orders').set('authorization', asBuyer),
      'POST /api/orders/:id/pay': () =>
        api.http
          .post(`/api/orders/${orderId}/pay`)
          .set('authorization', asBuyer)
          .send({ paymentToken: 'pm_card_visa' }),
      'POST /api/orders/:id/checkout': () =>
        api.http.post(`/api/orders/${orderId}/checkout`).set('authorization', asBuyer),
      'POST /api/orders/:id/cancel': () =>
        api.http.post(`/api/orders/${orderId}/cancel`).set('authorization', asBuyer),
      'GET /api/orders/:id': () =>
        api.http.get(`/api/orders/${orderId}`).set('authorization', asBuyer),
      'POST /api/events/:id/cancel': () =>
        api.http.post(`/api/events/${event.id}/cancel`).set('authorization', asOrganizer),
      'GET /api/tickets': () => api.http.get('/api/tickets').set('authorization', asBuyer),
      'GET /api/tickets/:code': () =>
        api.http.get('/api/tickets/abcdefghijklmnopqrstuv').set('authorization', asBuyer),
      'GET /api/tickets/:code/qr': () =>
        api.http.get('/api/tickets/abcdefghijklmnopqrstuv/qr').set('authorization', asBuyer),
      'POST /api/events/:id/check-ins': () =>
        api.http
          .post(`/api/events/${event.id}/check-ins`)
          .set('authorization', asOrganizer)
          .send({ code: 'abcdefghijklmnopqrstuv' }),
      'GET /api/events/:id/check-ins': () =>
        api.http.get(`/api/events/${event.id}/check-ins`).set('authorization', asOrganizer),
      'GET /api/events/:id/stats': () =>
        api.http.get(`/api/events/${event.id}/stats`).set('authorization', asOrganizer),
      'GET /api/events/:id/orders': () =>
        api.http.get(`/api/events/${event.id}/orders`).set('authorization', asOrganizer),
      'GET /api/events/:id/attendees': () =>
        api.http.get(`/api/events/${event.id}/attendees`).set('authorization', asOrganizer),
      'GET /api/events/:id/attendees.csv': () =>
        api.http.get(`/api/events/${event.id}/attendees.csv`).set('authorization', asOrganizer),
      'GET /api/events/:id/team': () =>
        api.http.get(`/api/events/${event.id}/team`).set('authorization', asOrganizer),
      'POST /api/events/:id/team': () =>
        api.http
          .post(`/api/events/${event.id}/team`)
          .set('authorization', asOrganizer)
          .send({ email: 'someone@example.com', role: 'SCANNER' }),
      'PATCH /api/events/:id/team/:userId': () =>
        api.http
          .patch(`/api/events/${event.id}/team/${buyer.id}`)
          .set('authorization', asOrganizer)
          .send({ role: 'MANAGER' }),
      'DELETE /api/events/:id/team/:userId': () =>
        api.http
          .delete(`/api/events/${event.id}/team/${buyer.id}`)
          .set('authorization', asOrganizer),
      'PUT /api/users/:id/role': () =>
        api.http
          .put(`/api/users/${buyer.id}/role`)
          .set('authorization', asOrganizer)
          .send({ role: 'ADMIN' }),
      'POST /api/api-keys': () =>
        api.http
          .post('/api/api-keys')
          .set('authorization', asBuyer)
          .send({ name: 'Sync', scopes: ['orders:read'] }),
      'GET /api/api-keys': () => api.http.get('/api/api-keys').set('authorization', asBuyer),
      'DELETE /api/api-keys/:keyId': () =>
        api.http.delete(`/api/api-keys/${randomUUID()}`).set('authorization', asBuyer),
      'POST /api/events/:id/device-keys': () =>
        api.http
          .post(`/api/events/${event.id}/device-keys`)
          .set('authorization', asOrganizer)
          .send({ name: 'Door' }),
      'GET /api/events/:id/device-keys': () =>
        api.http.get(`/api/events/${event.id}/device-keys`).set('authorization', asOrganizer),
      'DELETE /api/events/:id/device-keys/:keyId': () =>
        api.http
          .delete(`/api/events/${event.id}/device-keys/${randomUUID()}`)
          .set('authorization', asOrganizer),
      'POST /api/webhooks': () =>
        api.http
          .post('/api/webhooks')
          .set('authorization', asOrganizer)
          .send({ url: 'https://hooks.example.com/x', eventTypes: ['order.paid'] }),
      'GET /api/webhooks': () => api.http.get('/api/webhooks').set('authorization', asOrganizer),
      'GET /api/webhooks/:id': () =>
        api.http.get(`/api/webhooks/${missing}`).set('authorization', asOrganizer),
      'PATCH /api/webhooks/:id': () =>
        api.http
          .patch(`/api/webhooks/${missing}`)
          .set('authorization', asOrganizer)
          .send({ enabled: true }),
      'DELETE /api/webhooks/:id': () =>
        api.http.delete(`/api/webhooks/${missing}`).set('authorization', asOrganizer),
      'POST /api/webhooks/:id/rotate-secret': () =>
        api.http.post(`/api/webhooks/${missing}/rotate-secret`).set('authorization', asOrganizer),
      'GET /api/webhooks/:id/deliveries': () =>
        api.http.get(`/api/webhooks/${missing}/deliveries`).set('authorization', asOrganizer),
      'POST /api/webhooks/:id/replay': () =>
        api.http
          .post(`/api/webhooks/${missing}/replay`)
          .set('authorization', asOrganizer)
          .send({ since: '2026-12-01T00:00:00Z' }),
      'POST /api/webhooks/:id/messages/:messageId/replay': () =>
        api.http
          .post(`/api/webhooks/${missing}/messages/msg_${missing}/replay`)
          .set('authorization', asOrganizer),
      'POST /api/webhooks/:id/test': () =>
        api.http.post(`/api/webhooks/${missing}/test`).set('authorization', asOrganizer),
      'PUT /api/orders/:id/attendees': () =>
        api.http
          .put(`/api/orders/${orderId}/attendees`)
          .set('authorization', asBuyer)
          .send({ attendees: [{ ticketTypeId: typeId, name: 'Grace' }] }),
      'PATCH /api/tickets/:code/attendee': () =>
        api.http
          .patch('/api/tickets/abcdefghijklmnopqrstuv/attendee')
          .set('authorization', asBuyer)
          .send({ name: 'Grace' }),
      'POST /api/payments/stripe/webhook': () =>
        api.http
          .post(STRIPE_WEBHOOK_PATH)
          .set('content-type', 'application/json')
          .set('stripe-signature', signature)
          .send(webhookBody),
      'GET /api/health': () => api.http.get('/api/health'),
      'GET /metrics': () => api.http.get('/metrics'),
    };
    const routes = declaredRoutes(api.app).map((route) => `${route.method} ${route.path}`);
    expect(routes.filter((route) => !(route in requests))).toEqual([]);

    await proxy.refuse();
    const answers: Record<string, number> = {};
    for (const route of routes) {
      const res = await requests[route]();
      answers[route] = res.status;
      if (route === 'GET /metrics') continue;
      if (res.status !== 503) continue;
      expect(res.headers['content-type']).toMatch(/^application\/(problem\+)?json/);
      if (route !== 'GET /api/health') {
        expect(res.headers['retry-after']).toMatch(/^\d+$/);
        expect(res.body).toMatchObject({ status: 503, code: 'service-unavailable' });
      }
    }
    const expected = Object.fromEntries(
      routes.map((route) => [route, route === 'GET /metrics' ? 200 : 503]),
    );
    expect(answers).toEqual(expected);

    await proxy.accept();
    await waitUntil(async () => (await api.http.get('/api/health')).status === 200, 10_000);
    expect((await placeOrder(api, buyer, [{ ticketTypeId: typeId, quantity: 1 }])).status).toBe(
      201,
    );
  });
});
