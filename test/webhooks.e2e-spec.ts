import { Webhook } from 'standardwebhooks';
import { OrderSweeper } from '../src/modules/orders/order-sweeper.js';
import { MESSAGE_TYPES } from '../src/modules/outbox/message-types.js';
import { bearer, createEvent } from './support/events.js';
import { payOrder, placeOrder } from './support/orders.js';
import { waitUntil } from './support/redis-server.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createUser, type TestUser } from './support/users.js';
import { WebhookPayloadContract } from './support/webhook-payload-contract.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

/** The retry schedule at a thousandth: 5 ms, 300 ms, 1.8 s, 7.2 s, ... */
const SCALE = 0.001;
const SCHEDULE_MS = [5_000, 300_000, 1_800_000].map((ms) => ms * SCALE);

describe('Webhooks (e2e: real receiver, standardwebhooks verification)', () => {
  let db: TestDatabase;
  let api: TestApp;
  let receiver: WebhookReceiver;
  let organizer: TestUser;
  let buyer: TestUser;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApp(db, {
      env: {
        WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
        WEBHOOK_RETRY_SCALE: String(SCALE),
        WEBHOOK_TIMEOUT_MS: '1000',
        JOB_POLL_INTERVAL_MS: '50',
        JOB_CONCURRENCY: '4',
      },
    });
    organizer = await createUser(api, db, 'ADMIN');
    buyer = await createUser(api, db);
  });
  beforeEach(async () => {
    receiver = await WebhookReceiver.start();
  });
  const contract = new WebhookPayloadContract();
  afterEach(async () => {
    await receiver.close();
    await db.sql.query('DELETE FROM webhook_endpoints');
    // Every message received matches its schema in openapi.json.
    expect(receiver.received.flatMap((request) => contract.problems(request.body))).toEqual([]);
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  async function subscribe(eventTypes: string[], owner = organizer, url = receiver.url) {
    const res = await api.http
      .post('/api/webhooks')
      .set('authorization', bearer(owner))
      .send({ url, eventTypes, description: 'test receiver' });
    expect(res.status).toBe(201);
    return res.body as { id: string; secret: string };
  }

  /** A change to a published event: one event.updated message. */
  async function retitle(eventId: string, title: string): Promise<void> {
    const res = await api.http
      .patch(`/api/events/${eventId}`)
      .set('authorization', bearer(organizer))
      .send({ title });
    expect(res.status).toBe(200);
  }

  async function deliveries(endpointId: string) {
    const res = await api.http
      .get(`/api/webhooks/${endpointId}/deliveries?limit=100`)
      .set('authorization', bearer(organizer));
    expect(res.status).toBe(200);
    return (
      res.body.data as {
        attempt: number;
        status: string;
        responseStatus: number | null;
        error: string | null;
        messageId: string;
        attemptedAt: string;
        nextAttemptAt: string | null;
      }[]
    ).reverse();
  }

  it('creates an endpoint with a whsec_ secret shown once; reads never show it', async () => {
    const created = await subscribe(['order.paid']);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const read = await api.http
      .get(`/api/webhooks/${created.id}`)
      .set('authorization', bearer(organizer));
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      id: created.id,
      url: receiver.url,
      eventTypes: ['order.paid'],
      enabled: true,
      disabledReason: null,
    });
    expect(read.body.secret).toBeUndefined();
    const list = await api.http.get('/api/webhooks').set('authorization', bearer(organizer));
    expect(list.body.data.map((e: { id: string }) => e.id)).toEqual([created.id]);
    expect(list.body.data[0].secret).toBeUndefined();
    // Another organizer does not see it.
    const other = await createUser(api, db, 'ADMIN');
    expect(
      (await api.http.get(`/api/webhooks/${created.id}`).set('authorization', bearer(other)))
        .status,
    ).toBe(404);
    // A buyer may not manage webhooks at all.
    expect((await api.http.get('/api/webhooks').set('authorization', bearer(buyer))).status).toBe(
      403,
    );
  });

  it('delivers order.created and order.paid, signed per Standard Webhooks, with the order as the organizer sees it', async () => {
    const { secret } = await subscribe(['order.created', 'order.paid']);
    const event = await createEvent(api, organizer);
    const order = await placeOrder(api, buyer, [
      { ticketTypeId: event.ticketTypes[0].id, quantity: 2 },
    ]);
    expect(order.status).toBe(201);
    await waitUntil(async () => receiver.ofType('order.created').length === 1, 20_000);
    expect((await payOrder(api, buyer, order.body.id)).status).toBe(200);
    await waitUntil(async () => receiver.ofType('order.paid').length === 1, 20_000);

    const messages = receiver.verified(secret);
    expect(messages.map((m) => m.payload.type)).toEqual(['order.created', 'order.paid']);
    const paid = messages[1];
    expect(paid.id).toMatch(/^msg_[0-9a-f-]{36}$/);
    expect(paid.payload.version).toBe(1);
    expect(new Date(paid.payload.timestamp).toISOString()).toBe(paid.payload.timestamp);
    expect(paid.payload.data).toMatchObject({
      id: order.body.id,
      status: 'PAID',
      totalCents: 5000,
      buyer: { id: buyer.id, email: buyer.email },
    });
    expect(paid.payload.data.tickets).toHaveLength(2);
    const request = receiver.ofType('order.paid')[0];
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
    expect(request.headers.authorization).toBeUndefined();
    expect(request.headers.cookie).toBeUndefined();
    // The delivery log shows each attempt.
    const [endpoint] = (await api.http.get('/api/webhooks').set('authorization', bearer(organizer)))
      .body.data;
    await waitUntil(async () => (await deliveries(endpoint.id)).length === 2, 20_000);
    const log = await deliveries(endpoint.id);
    expect(log.map((d) => [d.attempt, d.status, d.responseStatus])).toEqual([
      [1, 'succeeded', 200],
      [1, 'succeeded', 200],
    ]);
  });

  it('sends every message type, each once, as an event runs from draft to cancelled', async () => {
    const { secret } = await subscribe([...MESSAGE_TYPES]);
    const event = await createEvent(api, organizer, {
      published: false,
      ticketTypes: [
        { name: 'Standard', priceCents: 2500, capacity: 10 },
        { name: 'Last one', priceCents: 1000, capacity: 1 },
      ],
    });
    const [standard, last] = event.ticketTypes;
    const asOrganizer = bearer(organizer);
    expect(
      (
        await api.http
          .patch(`/api/events/${event.id}`)
          .set('authorization', asOrganizer)
          .send({ published: true })
      ).status,
    ).toBe(200);
    // Held, then paid: order.created, order.paid.
    const paid = await placeOrder(api, buyer, [{ ticketTypeId: standard.id, quantity: 2 }]);
    expect((await payOrder(api, buyer, paid.body.id)).status).toBe(200);
    // The last ticket of a type held: ticket_type.sold_out; then cancelled: order.cancelled.
    const lastOne = await placeOrder(api, buyer, [{ ticketTypeId: last.id, quantity: 1 }]);
    expect(lastOne.status).toBe(201);
    const cancelled = await api.http
      .post(`/api/orders/${lastOne.body.id}/cancel`)
      .set('authorization', bearer(buyer));
    expect(cancelled.status).toBe(200);
    // A hold past its time: order.expired.
    const expiring = await placeOrder(api, buyer, [{ ticketTypeId: standard.id, quantity: 1 }]);
    await db.sql.query("UPDATE orders SET expires_at = now() - interval '1 second' WHERE id = $1", [
      expiring.body.id,
    ]);
    await api.app.get(OrderSweeper).sweepStock();
    // An entry at the door: ticket.checked_in.
    const code = (
      await payOrder(
        api,
        buyer,
        (await placeOrder(api, buyer, [{ ticketTypeId: standard.id, quantity: 1 }])).body.id,
      )
    ).body.tickets[0].code;
    const entry = await api.http
      .post(`/api/events/${event.id}/check-ins`)
      .set('authorization', asOrganizer)
      .send({ code });
    expect(entry.status).toBe(201);
    // A paid order cancelled by its buyer: order.refunded, its tickets ticket.voided.
    const refunded = await api.http
      .post(`/api/orders/${paid.body.id}/cancel`)
      .set('authorization', bearer(buyer));
    expect(refunded.status).toBe(200);
    expect(refunded.body.status).toBe('REFUNDED');
    // A published event changed, then cancelled: event.updated, event.cancelled.
    await api.http
      .patch(`/api/events/${event.id}`)
      .set('authorization', asOrganizer)
      .send({ venue: 'Another Hall' });
    expect(
      (
        await api.http
          .post(`/api/events/${event.id}/cancel`)
          .set('authorization', asOrganizer)
          .send()
      ).status,
    ).toBe(200);

    const rows = await db.sql.query<{ type: string; n: number }>(
      'SELECT type, count(*)::int AS n FROM outbox_events WHERE event_id = $1 GROUP BY type ORDER BY type',
      [event.id],
    );
    const expected = rows.rows.reduce((sum, row) => sum + row.n, 0);
    await waitUntil(async () => receiver.received.length >= expected, 20_000);
    const types = receiver.verified(secret).map((m) => m.payload.type);
    expect(new Set(types)).toEqual(new Set(MESSAGE_TYPES));
    expect(types).toHaveLength(expected);
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(expected);
    const counts = Object.fromEntries(rows.rows.map((row) => [row.type, row.n]));
    // The checked-in ticket and the refunded order's two: three voided by the cancellations.
    expect(counts).toMatchObject({
      'event.published': 1,
      'order.paid': 2,
      'order.refunded': 2,
      'order.expired': 1,
      'ticket.checked_in': 1,
      'ticket_type.sold_out': 1,
      'event.cancelled': 1,
    });
    const entryMessage = receiver
      .verified(secret)
      .find((m) => m.payload.type === 'ticket.checked_in')!;
    expect(entryMessage.payload.data).toMatchObject({
      ticket: { code },
      scan: { scannedById: organizer.id },
    });
  });

  it('sends only subscribed types, and only for the owner’s own events', async () => {
    await subscribe(['order.paid']);
    const stranger = await createUser(api, db, 'ADMIN');
    const theirs = await createEvent(api, stranger);
    const mine = await createEvent(api, organizer);
    for (const event of [theirs, mine]) {
      const order = await placeOrder(api, buyer, [
        { ticketTypeId: event.ticketTypes[0].id, quantity: 1 },
      ]);
      expect((await payOrder(api, buyer, order.body.id)).status).toBe(200);
    }
    await waitUntil(async () => receiver.received.length >= 1, 20_000);
    await waitUntil(async () => (await undispatched()) === 0, 20_000);
    await waitUntil(async () => (await queuedDeliveries()) === 0, 20_000);
    expect(receiver.received.map((r) => JSON.parse(r.body).data.eventId)).toEqual([mine.id]);
  });

  it('a change that rolls back writes no message; the same change committed does', async () => {
    const { secret } = await subscribe(['event.updated']);
    const event = await createEvent(api, organizer);
    const client = await db.sql.connect();
    try {
      await client.query('BEGIN');
      await client.query("UPDATE events SET title = 'Rolled back' WHERE id = $1", [event.id]);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    await retitle(event.id, 'Committed');
    await waitUntil(async () => receiver.received.length === 1, 20_000);
    const titles = await db.sql.query(
      "SELECT count(*)::int AS n FROM outbox_events WHERE type = 'event.updated' AND subject_id = $1",
      [event.id],
    );
    expect(titles.rows[0].n).toBe(1);
    expect(receiver.verified(secret)[0].payload.data).toMatchObject({
      id: event.id,
      title: 'Committed',
    });
  });

  it('retries a 500 on the schedule with the same webhook-id, until a 200', async () => {
    const endpoint = await subscribe(['event.updated']);
    receiver.respond = (_request, index) => ({ status: index < 3 ? 500 : 200 });
    const event = await createEvent(api, organizer);
    await retitle(event.id, 'Again');
    await waitUntil(async () => receiver.received.length === 4, 20_000);
    const ids = new Set(receiver.received.map((r) => r.headers['webhook-id']));
    expect(ids.size).toBe(1);
    const bodies = new Set(receiver.received.map((r) => r.body));
    expect(bodies.size).toBe(1);
    receiver.verified(endpoint.secret);
    for (let i = 1; i < 4; i++) {
      const gap = receiver.received[i].receivedAt - receiver.received[i - 1].receivedAt;
      expect(gap).toBeGreaterThanOrEqual(SCHEDULE_MS[i - 1] - 5);
    }
    await waitUntil(async () => (await deliveries(endpoint.id)).length === 4, 20_000);
    const log = await deliveries(endpoint.id);
    expect(log.map((d) => [d.attempt, d.status, d.responseStatus, d.error])).toEqual([
      [1, 'failed', 500, 'answered 500'],
      [2, 'failed', 500, 'answered 500'],
      [3, 'failed', 500, 'answered 500'],
      [4, 'succeeded', 200, null],
    ]);
    expect(log[0].nextAttemptAt).not.toBeNull();
    expect(log[3].nextAttemptAt).toBeNull();
    const read = await api.http
      .get(`/api/webhooks/${endpoint.id}`)
      .set('authorization', bearer(organizer));
    expect(read.body.failingSince).toBeNull();
  });

  it('honours Retry-After when it asks for longer than the schedule', async () => {
    const endpoint = await subscribe(['event.updated']);
    receiver.respond = (_request, index) =>
      index === 0 ? { status: 503, headers: { 'retry-after': '1' } } : { status: 200 };
    const event = await createEvent(api, organizer);
    await retitle(event.id, 'Later');
    await waitUntil(async () => receiver.received.length === 2, 20_000);
    expect(
      receiver.received[1].receivedAt - receiver.received[0].receivedAt,
    ).toBeGreaterThanOrEqual(990);
    await waitUntil(async () => (await deliveries(endpoint.id)).length === 2, 20_000);
    expect((await deliveries(endpoint.id)).map((d) => d.status)).toEqual(['failed', 'succeeded']);
  });

  it('a 410 disables the endpoint, says why, and stops the retries', async () => {
    const endpoint = await subscribe(['event.updated']);
    receiver.respond = () => ({ status: 410 });
    const event = await createEvent(api, organizer);
    await retitle(event.id, 'Gone');
    await waitUntil(async () => {
      const read = await api.http
        .get(`/api/webhooks/${endpoint.id}`)
        .set('authorization', bearer(organizer));
      return read.body.enabled === false;
    }, 20_000);
    const read = await api.http
      .get(`/api/webhooks/${endpoint.id}`)
      .set('authorization', bearer(organizer));
    expect(read.body.disabledReason).toMatch(/410 Gone/);
    expect(read.body.disabledAt).not.toBeNull();
    await retitle(event.id, 'Gone twice');
    await waitUntil(
      async () => (await undispatched()) === 0 && (await queuedDeliveries()) === 0,
      10_000,
    );
    expect(receiver.received).toHaveLength(1);
    const log = await deliveries(endpoint.id);
    expect(log.map((d) => [d.status, d.responseStatus, d.nextAttemptAt])).toEqual([
      ['failed', 410, null],
    ]);
    // Replaying into a disabled endpoint is refused, not silently dropped; enabling clears the reason.
    const replay = await api.http
      .post(`/api/webhooks/${endpoint.id}/test`)
      .set('authorization', bearer(organizer));
    expect(replay.status).toBe(409);
    expect(replay.body.code).toBe('webhook-disabled');
    const enabled = await api.http
      .patch(`/api/webhooks/${endpoint.id}`)
      .set('authorization', bearer(organizer))
      .send({ enabled: true });
    expect(enabled.body).toMatchObject({ enabled: true, disabledReason: null, failingSince: null });
  });

  it('an endpoint failing for five days (scaled) is disabled with the reason', async () => {
    const endpoint = await subscribe(['event.updated']);
    receiver.respond = () => ({ status: 500 });
    // Its streak of failures began "five days" ago at this scale (432 s).
    await db.sql.query(
      "UPDATE webhook_endpoints SET failing_since = now() - interval '500 seconds' WHERE id = $1",
      [endpoint.id],
    );
    const event = await createEvent(api, organizer);
    await retitle(event.id, 'Failing');
    await waitUntil(async () => {
      const read = await api.http
        .get(`/api/webhooks/${endpoint.id}`)
        .set('authorization', bearer(organizer));
      return read.body.enabled === false;
    }, 20_000);
    const read = await api.http
      .get(`/api/webhooks/${endpoint.id}`)
      .set('authorization', bearer(organizer));
    expect(read.body.disabledReason).toMatch(
      /^Every attempt since .* failed \(the last: answered 500\)\.$/,
    );
    expect(receiver.received).toHaveLength(1);
  });

  it('does not follow a redirect', async () => {
    const target = await WebhookReceiver.start();
    try {
      const endpoint = await subscribe(['event.updated']);
      receiver.respond = () => ({ status: 307, headers: { location: target.url } });
      const event = await createEvent(api, organizer);
      await retitle(event.id, 'Moved');
      await waitUntil(async () => (await deliveries(endpoint.id)).length >= 1, 20_000);
      const [first] = await deliveries(endpoint.id);
      expect(first).toMatchObject({
        status: 'failed',
        responseStatus: 307,
        error: 'answered 307: redirects are not followed',
      });
      expect(target.received).toHaveLength(0);
    } finally {
      await target.close();
    }
  });

  it('gives up on a receiver that does not answer in time', async () => {
    const endpoint = await subscribe(['event.updated']);
    receiver.respond = (_request, index) => ({ status: 200, delayMs: index === 0 ? 3_000 : 0 });
    const event = await createEvent(api, organizer);
    await retitle(event.id, 'Slow');
    await waitUntil(async () => (await deliveries(endpoint.id)).length === 2, 15_000);
    const log = await deliveries(endpoint.id);
    expect(log[0]).toMatchObject({
      status: 'failed',
      responseStatus: null,
      error: 'no complete answer within 1000 ms',
    });
    expect(log[1]).toMatchObject({ status: 'succeeded', responseStatus: 200 });
  });

  it('after a rotation signs with both secrets for 24 hours; each verifies alone', async () => {
    const endpoint = await subscribe(['event.updated']);
    const rotated = await api.http
      .post(`/api/webhooks/${endpoint.id}/rotate-secret`)
      .set('authorization', bearer(organizer));
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(endpoint.secret);
    const until = new Date(rotated.body.previousSecretExpiresAt).getTime();
    expect(Math.abs(until - (Date.now() + 24 * 3_600_000))).toBeLessThan(60_000);
    const event = await createEvent(api, organizer);
    await retitle(event.id, 'Rotated');
    await waitUntil(async () => receiver.received.length === 1, 20_000);
    expect(String(receiver.received[0].headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(receiver.verified(rotated.body.secret)).toHaveLength(1);
    expect(receiver.verified(endpoint.secret)).toHaveLength(1);
    expect(() => receiver.verified(`whsec_${Buffer.alloc(24, 7).toString('base64')}`)).toThrow();
    // Once the 24 hours are over, only the new secret signs.
    await db.sql.query(
      "UPDATE webhook_endpoints SET previous_secret_expires_at = now() - interval '1 second' WHERE id = $1",
      [endpoint.id],
    );
    await retitle(event.id, 'Rotated twice');
    await waitUntil(async () => receiver.received.length === 2, 20_000);
    expect(String(receiver.received[1].headers['webhook-signature']).split(' ')).toHaveLength(1);
  });

  it('replays one message, or everything since a time, with the original webhook-id and bytes', async () => {
    const endpoint = await subscribe(['event.updated']);
    const event = await createEvent(api, organizer);
    const since = new Date().toISOString();
    for (const title of ['One', 'Two']) {
      await api.http
        .patch(`/api/events/${event.id}`)
        .set('authorization', bearer(organizer))
        .send({ title });
    }
    await waitUntil(async () => receiver.received.length === 2, 20_000);
    const [first, second] = receiver.received;
    const one = await api.http
      .post(`/api/webhooks/${endpoint.id}/messages/${String(first.headers['webhook-id'])}/replay`)
      .set('authorization', bearer(organizer));
    expect(one.status).toBe(202);
    expect(one.body).toEqual({ queued: 1 });
    await waitUntil(async () => receiver.received.length === 3, 20_000);
    expect(receiver.received[2].headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(receiver.received[2].body).toBe(first.body);
    const all = await api.http
      .post(`/api/webhooks/${endpoint.id}/replay`)
      .set('authorization', bearer(organizer))
      .send({ since });
    expect(all.status).toBe(202);
    expect(all.body).toEqual({ queued: 2 });
    await waitUntil(async () => receiver.received.length === 5, 20_000);
    expect(new Set(receiver.received.slice(3).map((r) => r.headers['webhook-id']))).toEqual(
      new Set([first.headers['webhook-id'], second.headers['webhook-id']]),
    );
    const unknown = await api.http
      .post(`/api/webhooks/${endpoint.id}/messages/msg_00000000-0000-4000-8000-000000000000/replay`)
      .set('authorization', bearer(organizer));
    expect(unknown.status).toBe(404);
    const malformed = await api.http
      .post(`/api/webhooks/${endpoint.id}/messages/nope/replay`)
      .set('authorization', bearer(organizer));
    expect(malformed.status).toBe(400);
  });

  it('test-sends a signed webhook.test to one endpoint', async () => {
    const endpoint = await subscribe(['order.paid']);
    const res = await api.http
      .post(`/api/webhooks/${endpoint.id}/test`)
      .set('authorization', bearer(organizer));
    expect(res.status).toBe(202);
    await waitUntil(async () => receiver.received.length === 1, 20_000);
    const [message] = receiver.verified(endpoint.secret);
    expect(message.id).toBe(res.body.messageId);
    expect(message.payload).toMatchObject({
      type: 'webhook.test',
      data: { endpointId: endpoint.id },
    });
  });

  it('refuses URLs with credentials or that are not http(s)', async () => {
    for (const url of [
      'ftp://example.com/x',
      'https://user:pw@example.com/x',
      'not a url',
      'https://example.com/#frag',
    ]) {
      const res = await api.http
        .post('/api/webhooks')
        .set('authorization', bearer(organizer))
        .send({ url, eventTypes: ['order.paid'] });
      expect([res.status, res.body.code]).toEqual([422, 'webhook-url-not-allowed']);
    }
    const badType = await api.http
      .post('/api/webhooks')
      .set('authorization', bearer(organizer))
      .send({ url: receiver.url, eventTypes: ['order.nope'] });
    expect(badType.status).toBe(400);
  });

  async function undispatched(): Promise<number> {
    const { rows } = await db.sql.query(
      'SELECT count(*)::int AS n FROM outbox_events WHERE dispatched_at IS NULL',
    );
    return rows[0].n;
  }

  async function queuedDeliveries(): Promise<number> {
    const { rows } = await db.sql.query(
      "SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE task_identifier = 'webhook:deliver'",
    );
    return rows[0].n;
  }
});

describe('Webhooks to private addresses, with the development setting off', () => {
  let db: TestDatabase;
  let api: TestApp;
  let receiver: WebhookReceiver;
  let organizer: TestUser;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApp(db, { env: { JOB_POLL_INTERVAL_MS: '50' } });
    organizer = await createUser(api, db, 'ADMIN');
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await receiver?.close();
    await api?.close();
    await db?.drop();
  });

  it('refuses loopback, private and link-local endpoint URLs', async () => {
    for (const url of [
      receiver.url,
      'http://localhost:8080/x',
      'http://10.1.2.3/x',
      'http://192.168.0.10/x',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]:8080/x',
      'http://[fd00::1]/x',
      'http://0.0.0.0/x',
    ]) {
      const res = await api.http
        .post('/api/webhooks')
        .set('authorization', bearer(organizer))
        .send({ url, eventTypes: ['order.paid'] });
      expect([url, res.status, res.body.code]).toEqual([url, 422, 'webhook-url-not-allowed']);
    }
    const publicUrl = await api.http
      .post('/api/webhooks')
      .set('authorization', bearer(organizer))
      .send({ url: 'https://93.184.215.14/hooks', eventTypes: ['order.paid'] });
    expect(publicUrl.status).toBe(201);
  });

  it('refuses at delivery an endpoint whose address turns out to be loopback', async () => {
    // As if a public name had been re-pointed at 127.0.0.1 after the endpoint was made.
    const secret = `whsec_${Buffer.alloc(24, 1).toString('base64')}`;
    const { rows } = await db.sql.query<{ id: string }>(
      "INSERT INTO webhook_endpoints (owner_id, url, event_types, secret) VALUES ($1, $2, '{event.updated}', $3) RETURNING id",
      [organizer.id, receiver.url, secret],
    );
    const event = await createEvent(api, organizer);
    const changed = await api.http
      .patch(`/api/events/${event.id}`)
      .set('authorization', bearer(organizer))
      .send({ title: 'Inside' });
    expect(changed.status).toBe(200);
    await waitUntil(async () => {
      const log = await db.sql.query(
        'SELECT error FROM webhook_deliveries WHERE endpoint_id = $1',
        [rows[0].id],
      );
      return log.rowCount! > 0;
    }, 20_000);
    const log = await db.sql.query(
      'SELECT status, response_status, error FROM webhook_deliveries WHERE endpoint_id = $1',
      [rows[0].id],
    );
    expect(log.rows[0]).toMatchObject({ status: 'failed', response_status: null });
    expect(log.rows[0].error).toMatch(/^address refused: .*127\.0\.0\.1.*not allowed/);
    expect(receiver.received).toHaveLength(0);
    void Webhook;
  });
});
