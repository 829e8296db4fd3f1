import { bearer, createEvent } from '../support/events.js';
import { expectMoneyInvariant } from '../support/money.js';
import {
  cancelOrder,
  expectStockInvariant,
  orderStatus,
  payOrder,
  placeOrder,
} from '../support/orders.js';
import { applicationSessionsGone, deadlocks } from '../support/payments.js';
import { waitUntil } from '../support/redis-server.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';

/**
 * The interleavings that deadlocked before there was one lock order (docs/concurrency.md), made
 * to happen every time: a transaction of the test holds the ticket type's row, so the first
 * request stops inside its transaction holding what it took so far; the second is sent and
 * waits too; then the row is let go. With one lock order the second waits for the first, never
 * the other way round as well: both answer, and PostgreSQL counts no deadlock.
 */
describe('One lock order: the interleavings that used to deadlock (e2e, real PostgreSQL)', () => {
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

  /** Sessions of the application waiting for a lock right now. */
  async function waitingForLocks(): Promise<number> {
    const { rows } = await db.sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'eventflow' AND wait_event_type = 'Lock'`,
    );
    return rows[0].n;
  }

  /** Runs `first`, stopped on the ticket type's row, then `second`, then lets both go. */
  async function interleave<T, U>(
    ticketTypeId: string,
    first: () => PromiseLike<T>,
    second: () => PromiseLike<U>,
  ): Promise<[T, U]> {
    const blocker = await db.sql.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT 1 FROM ticket_types WHERE id = $1 FOR UPDATE', [ticketTypeId]);
      const one = Promise.resolve(first());
      await waitUntil(async () => (await waitingForLocks()) === 1, 10_000, 10);
      const two = Promise.resolve(second());
      await waitUntil(async () => (await waitingForLocks()) === 2, 10_000, 10);
      await blocker.query('ROLLBACK');
      return await Promise.all([one, two]);
    } finally {
      blocker.release();
    }
  }

  async function freshOrder(): Promise<{ eventId: string; typeId: string; orderId: string }> {
    const event = await createEvent(api, organizer, {
      ticketTypes: [{ name: 'A', priceCents: 1200, capacity: 10 }],
    });
    const typeId = event.ticketTypes[0].id;
    const held = await placeOrder(api, buyer, [{ ticketTypeId: typeId, quantity: 2 }]);
    return { eventId: event.id, typeId, orderId: held.body.id as string };
  }

  const cancelEvent = (eventId: string) =>
    api.http.post(`/api/events/${eventId}/cancel`).set('authorization', bearer(organizer)).send();

  it('a payment settling while its event is cancelled: paid first, then refunded with the event', async () => {
    const { eventId, typeId, orderId } = await freshOrder();
    const [paid, cancelled] = await interleave(
      typeId,
      // Its tickets' insert waits on the row, holding the event and the order.
      () => payOrder(api, buyer, orderId),
      () => cancelEvent(eventId),
    );
    expect([paid.status, cancelled.status]).toEqual([200, 200]);
    expect(cancelled.body).toMatchObject({ cancelledOrders: 1, refundedOrders: 1 });
    expect(await orderStatus(db, orderId)).toBe('REFUNDED');
    await expectMoneyInvariant(db);
  });

  it('a buyer cancelling while the event is cancelled', async () => {
    const { eventId, typeId, orderId } = await freshOrder();
    const [mine, event] = await interleave(
      typeId,
      // Its stock's return waits on the row, holding the event and the order.
      () => cancelOrder(api, buyer, orderId),
      () => cancelEvent(eventId),
    );
    expect([mine.status, event.status]).toEqual([200, 200]);
    expect(event.body).toMatchObject({ cancelledOrders: 0 });
    expect(await orderStatus(db, orderId)).toBe('CANCELLED');
  });

  it('a paid order refunded by its buyer while the event is cancelled: refunded once', async () => {
    const { eventId, typeId, orderId } = await freshOrder();
    expect((await payOrder(api, buyer, orderId)).status).toBe(200);
    const [mine, event] = await interleave(
      typeId,
      () => cancelOrder(api, buyer, orderId),
      () => cancelEvent(eventId),
    );
    expect([mine.status, event.status]).toEqual([200, 200]);
    expect(event.body).toMatchObject({ cancelledOrders: 0, refundedOrders: 0 });
    const refunds = await db.sql.query(
      'SELECT count(*)::int AS n FROM refunds WHERE order_id = $1',
      [orderId],
    );
    expect(refunds.rows[0].n).toBe(1);
    await expectMoneyInvariant(db);
  });

  it('the event cancelled first: a payment arriving meanwhile waits, then finds the order cancelled', async () => {
    const { eventId, typeId, orderId } = await freshOrder();
    const [event, paid] = await interleave(
      typeId,
      // Its stock's return waits on the row, holding the event FOR UPDATE.
      () => cancelEvent(eventId),
      () => payOrder(api, buyer, orderId),
    );
    expect(event.status).toBe(200);
    expect(paid.status).toBe(409);
    expect(paid.body).toMatchObject({ code: 'order-not-pending', orderStatus: 'CANCELLED' });
    const charged = await db.sql.query(
      'SELECT count(*)::int AS n FROM payments WHERE order_id = $1',
      [orderId],
    );
    expect(charged.rows[0].n).toBe(0);
  });

  it('none of it deadlocked: PostgreSQL counted no deadlock in this database', async () => {
    await expectStockInvariant(db);
    await api.close();
    await applicationSessionsGone(db);
    expect(await deadlocks(db)).toBe(0);
    api = await startTestApp(db, { env: { ORDER_SWEEP_INTERVAL_MS: '0' } });
  });
});
