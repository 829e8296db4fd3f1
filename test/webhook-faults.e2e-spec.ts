import { ChildInstance } from './support/child-instance.js';
import { bearer, createEvent } from './support/events.js';
import { expectMoneyInvariant } from './support/money.js';
import { expectStockInvariant, placeOrder } from './support/orders.js';
import { waitUntil } from './support/redis-server.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createUsers, createUser, type TestUser } from './support/users.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

const ORDERS = 500;
const STALE_LOCK_SECONDS = 2;

const OUTBOUND_ENV = {
  WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
  WEBHOOK_RETRY_SCALE: '0.001',
  JOB_POLL_INTERVAL_MS: '100',
  JOB_STALE_LOCK_SECONDS: String(STALE_LOCK_SECONDS),
  ORDER_SWEEP_INTERVAL_MS: '0',
};
const CHILD_ENV = {
  ...OUTBOUND_ENV,
  THROTTLE_LIMIT: '100000000',
  PURCHASE_THROTTLE_LIMIT: '100000000',
};

/**
 * An instance killed with SIGKILL in the middle of a burst of payments: every order that the
 * database says is paid is delivered as order.paid at least once, with the webhook-id of its
 * outbox row, by the instances left (and the killed one once restarted).
 */
describe('Webhooks when an instance is killed (e2e, two instances, SIGKILL)', () => {
  let db: TestDatabase;
  let api: TestApp;
  let receiver: WebhookReceiver;
  let child: ChildInstance | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApp(db, { env: OUTBOUND_ENV });
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await child?.kill();
    await receiver?.close();
    await api?.close();
    await db?.drop();
  });

  it(`delivers order.paid for every one of ${ORDERS} paid orders, none lost`, async () => {
    const organizer = await createUser(api, db, 'ADMIN');
    const endpoint = await api.http
      .post('/api/webhooks')
      .set('authorization', bearer(organizer))
      .send({ url: receiver.url, eventTypes: ['order.paid'] });
    expect(endpoint.status).toBe(201);
    const event = await createEvent(api, organizer, {
      ticketTypes: [{ name: 'Burst', priceCents: 1500, capacity: ORDERS }],
    });
    const buyers = await createUsers(api, db, ORDERS);
    const orders: { buyer: TestUser; id: string }[] = [];
    for (let i = 0; i < ORDERS; i += 50) {
      const held = await Promise.all(
        buyers
          .slice(i, i + 50)
          .map((buyer) =>
            placeOrder(api, buyer, [{ ticketTypeId: event.ticketTypes[0].id, quantity: 1 }]),
          ),
      );
      held.forEach((res, j) => {
        expect(res.status).toBe(201);
        orders.push({ buyer: buyers[i + j], id: res.body.id });
      });
    }

    child = await ChildInstance.start(db.url, CHILD_ENV);
    const other = child.url;
    // Every other payment goes through the instance that will be killed.
    let answered = 0;
    const payments = orders.map(({ buyer, id }, i) =>
      (i % 2 === 0
        ? fetch(`${other}/api/orders/${id}/pay`, {
            method: 'POST',
            headers: { authorization: bearer(buyer), 'content-type': 'application/json' },
            body: JSON.stringify({ paymentToken: 'tok_visa' }),
          }).then((res) => res.status)
        : api.http
            .post(`/api/orders/${id}/pay`)
            .set('authorization', bearer(buyer))
            .send({ paymentToken: 'tok_visa' })
            .then((res) => res.status)
      )
        .catch(() => 0)
        .finally(() => answered++),
    );
    await waitUntil(async () => answered >= ORDERS / 4 && receiver.received.length > 0, 60_000);
    await child.kill();
    const statuses = await Promise.all(payments);
    // The killed instance's unanswered payments may or may not have committed: the database says.
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(ORDERS / 4);

    // The killed worker's jobs stay locked until they are stale; a restarted instance releases
    // them at start (the survivor would, at its next minute).
    const { rows: locks } = await db.sql.query<{ newest: Date | null }>(
      'SELECT max(locked_at) AS newest FROM graphile_worker.jobs',
    );
    await waitUntil(async () => {
      if (locks[0].newest === null) return true;
      const { rows } = await db.sql.query<{ stale: boolean }>(
        'SELECT now() - $1::timestamptz > make_interval(secs => $2) AS stale',
        [locks[0].newest, STALE_LOCK_SECONDS],
      );
      return rows[0].stale;
    }, 30_000);
    child = await ChildInstance.start(db.url, CHILD_ENV);

    const paid = await db.sql.query<{ order_id: string; message_id: string }>(
      `SELECT o.id AS order_id, m.id AS message_id
         FROM orders o JOIN outbox_events m ON m.subject_id = o.id::text AND m.type = 'order.paid'
        WHERE o.event_id = $1 AND o.status = 'PAID'`,
      [event.id],
    );
    const paidCount = await db.sql.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM orders WHERE event_id = $1 AND status = 'PAID'",
      [event.id],
    );
    // One order.paid message per paid order, written with the payment itself.
    expect(paid.rowCount).toBe(paidCount.rows[0].n);
    expect(paid.rowCount).toBeGreaterThanOrEqual(statuses.filter((s) => s === 200).length);

    const expected = new Map(paid.rows.map((row) => [`msg_${row.message_id}`, row.order_id]));
    await waitUntil(async () => {
      const ids = new Set(
        receiver.ofType('order.paid').map((r) => String(r.headers['webhook-id'])),
      );
      return [...expected.keys()].every((id) => ids.has(id));
    }, 90_000);

    // Each delivery is signed, and each webhook-id carries the order its outbox row names.
    for (const { id, payload } of receiver.verified(endpoint.body.secret)) {
      expect(payload.type).toBe('order.paid');
      expect(payload.data.id).toBe(expected.get(id));
      expect(payload.data.status).toBe('PAID');
    }
    const distinct = new Set(receiver.received.map((r) => String(r.headers['webhook-id'])));
    expect(distinct.size).toBe(expected.size);
    await expectStockInvariant(db);
    await expectMoneyInvariant(db);
  }, 240_000);
});
