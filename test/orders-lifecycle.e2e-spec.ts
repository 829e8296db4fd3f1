import { bearer, createEvent } from './support/events.js';
import { expectMoneyInvariant } from './support/money.js';
import {
  available,
  cancelOrder,
  expectStockInvariant,
  orderStatus,
  payOrder,
  placeOrder,
  stock,
  statusCounts,
} from './support/orders.js';
import { waitUntil } from './support/redis-server.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createUser, createUsers, type TestUser } from './support/users.js';

describe('Order expiry (e2e, real PostgreSQL)', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let organizer: TestUser;

  beforeAll(async () => {
    db = await createTestDatabase();
    // Two instances sweeping every 100 ms, holds of one second.
    const env = { ORDER_HOLD_SECONDS: '1', ORDER_SWEEP_INTERVAL_MS: '100' };
    a = await startTestApp(db, { env });
    b = await startTestApp(db, { env });
    organizer = await createUser(a, db, 'ADMIN');
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  it('stock returns with no API call, exactly once with two instances sweeping', async () => {
    const event = await createEvent(a, organizer, {
      ticketTypes: [{ name: 'A', priceCents: 100, capacity: 20 }],
    });
    const typeId = event.ticketTypes[0].id;
    const buyers = await createUsers(a, db, 10);
    const held = await Promise.all(
      buyers.map((buyer, i) =>
        placeOrder(i % 2 ? a : b, buyer, [{ ticketTypeId: typeId, quantity: 2 }]),
      ),
    );
    expect(statusCounts(held)).toEqual({ 201: 10 });
    expect(await available(db, typeId)).toBe(0);

    await waitUntil(async () => (await available(db, typeId)) === 20, 10_000);
    // Give both sweepers more turns: a second release would push available over capacity (the CHECK
    // refuses that) or break the invariant.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const statuses = await db.sql.query(
      'SELECT status, count(*)::int AS n, count(expired_at)::int AS stamped FROM orders WHERE event_id = $1 GROUP BY status',
      [event.id],
    );
    expect(statuses.rows).toEqual([{ status: 'EXPIRED', n: 10, stamped: 10 }]);
    expect(await stock(db, event.id)).toEqual([
      { id: typeId, capacity: 20, available: 20, held: 0, sold: 0 },
    ]);
    await expectStockInvariant(db);
  });

  it('paying an expired order answers 409 and issues nothing', async () => {
    const event = await createEvent(a, organizer);
    const buyer = await createUser(a, db, 'USER');
    const held = await placeOrder(a, buyer, [
      { ticketTypeId: event.ticketTypes[0].id, quantity: 1 },
    ]);
    await waitUntil(async () => (await orderStatus(db, held.body.id)) === 'EXPIRED', 10_000);
    const res = await payOrder(a, buyer, held.body.id);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'order-not-pending', orderStatus: 'EXPIRED' });
    const tickets = await db.sql.query(
      'SELECT count(*)::int AS n FROM tickets WHERE order_id = $1',
      [held.body.id],
    );
    expect(tickets.rows[0].n).toBe(0);
  });

  it('a hold that runs out while the provider works: the payment begun in time completes it, and the sweepers wait for it', async () => {
    const event = await createEvent(a, organizer);
    const typeId = event.ticketTypes[0].id;
    const buyer = await createUser(a, db, 'USER');
    const held = await placeOrder(a, buyer, [{ ticketTypeId: typeId, quantity: 3 }]);
    // The hold is one second; the provider takes 1.8 s, while both instances sweep every 100 ms.
    const res = await payOrder(a, buyer, held.body.id, 'tok_delay_1800');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'PAID', expiresAt: null });
    expect(res.body.tickets).toHaveLength(3);
    expect(await available(db, typeId)).toBe(97);
    await expectStockInvariant(db);
    await expectMoneyInvariant(db);
  });

  it('an order cancelled while the provider works: 409 order-not-payable, the charge refunded, the stock back once', async () => {
    const event = await createEvent(a, organizer);
    const typeId = event.ticketTypes[0].id;
    const buyer = await createUser(a, db, 'USER');
    const held = await placeOrder(a, buyer, [{ ticketTypeId: typeId, quantity: 3 }]);
    const paying = Promise.resolve(payOrder(a, buyer, held.body.id, 'tok_delay_800'));
    await waitUntil(async () => {
      const attempt = await db.sql.query('SELECT 1 FROM payments WHERE order_id = $1', [
        held.body.id,
      ]);
      return attempt.rowCount === 1;
    }, 10_000);
    expect((await cancelOrder(b, buyer, held.body.id)).status).toBe(200);
    const res = await paying;
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('order-not-payable');
    expect(await orderStatus(db, held.body.id)).toBe('CANCELLED');
    // The charge went through, then straight back: a succeeded payment, its refund, both at the provider too.
    const money = await db.sql.query(
      `SELECT p.status AS payment, p.applied, r.status AS refund, r.reason, r.amount_cents
         FROM payments p JOIN refunds r ON r.payment_id = p.id WHERE p.order_id = $1`,
      [held.body.id],
    );
    expect(money.rows).toEqual([
      {
        payment: 'SUCCEEDED',
        applied: false,
        refund: 'SUCCEEDED',
        reason: 'NOT_PAYABLE',
        amount_cents: 7500,
      },
    ]);
    expect(await available(db, typeId)).toBe(100);
    await expectStockInvariant(db);
    await expectMoneyInvariant(db);
  });
});

describe('Cancelling orders and events (e2e, real PostgreSQL)', () => {
  let db: TestDatabase;
  let api: TestApp;
  let organizer: TestUser;
  let otherOrganizer: TestUser;
  let buyer: TestUser;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApp(db, { env: { ORDER_SWEEP_INTERVAL_MS: '0' } });
    organizer = await createUser(api, db, 'ADMIN');
    otherOrganizer = await createUser(api, db, 'ADMIN');
    buyer = await createUser(api, db, 'USER');
  });
  afterAll(async () => {
    await expectStockInvariant(db);
    await api?.close();
    await db?.drop();
  });

  it('the buyer cancels a pending order: stock back once, however many cancels race', async () => {
    const event = await createEvent(api, organizer);
    const typeId = event.ticketTypes[0].id;
    const held = await placeOrder(api, buyer, [{ ticketTypeId: typeId, quantity: 4 }]);
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => cancelOrder(api, buyer, held.body.id)),
    );
    expect(statusCounts(answers)).toEqual({ 200: 1, 409: 4 });
    const ok = answers.find((r) => r.status === 200)!;
    expect(ok.body).toMatchObject({
      id: held.body.id,
      status: 'CANCELLED',
      cancelledAt: expect.any(String),
    });
    expect(await available(db, typeId)).toBe(100);
    await expectStockInvariant(db);
  });

  it('a paid order is refunded: REFUNDED, tickets void, stock back, the charge refunded', async () => {
    const event = await createEvent(api, organizer);
    const typeId = event.ticketTypes[0].id;
    const held = await placeOrder(api, buyer, [{ ticketTypeId: typeId, quantity: 2 }]);
    await payOrder(api, buyer, held.body.id);
    const res = await cancelOrder(api, buyer, held.body.id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'REFUNDED',
      refundedCents: 5000,
      refundedAt: expect.any(String),
      cancelledAt: expect.any(String),
      expiresAt: null,
    });
    expect(res.body.tickets.map((t: { status: string }) => t.status)).toEqual(['VOID', 'VOID']);
    const refund = await db.sql.query(
      `SELECT r.status, r.amount_cents, r.reason FROM refunds r WHERE r.order_id = $1`,
      [held.body.id],
    );
    expect(refund.rows).toEqual([
      { status: 'SUCCEEDED', amount_cents: 5000, reason: 'REQUESTED_BY_BUYER' },
    ]);
    expect(await available(db, typeId)).toBe(100);
    expect((await cancelOrder(api, buyer, held.body.id)).status).toBe(409);
    expect(await available(db, typeId)).toBe(100);
    await expectMoneyInvariant(db);
  });

  it('the event’s organizer may cancel a buyer’s order; another organizer may not see it', async () => {
    const event = await createEvent(api, organizer);
    const held = await placeOrder(api, buyer, [
      { ticketTypeId: event.ticketTypes[0].id, quantity: 1 },
    ]);
    expect((await cancelOrder(api, otherOrganizer, held.body.id)).status).toBe(404);
    const res = await cancelOrder(api, organizer, held.body.id);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('CANCELLED');
  });

  it('after the event starts a paid order can no longer be refunded (409)', async () => {
    const event = await createEvent(api, organizer);
    const held = await placeOrder(api, buyer, [
      { ticketTypeId: event.ticketTypes[0].id, quantity: 1 },
    ]);
    await payOrder(api, buyer, held.body.id);
    await db.sql.query("UPDATE events SET starts_at = now() - interval '1 minute' WHERE id = $1", [
      event.id,
    ]);
    const res = await cancelOrder(api, buyer, held.body.id);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({
      code: 'refund-window-closed',
      refundDeadline: expect.any(String),
    });
    expect(await orderStatus(db, held.body.id)).toBe('PAID');
  });

  it('cancelling an event cancels pending orders, refunds paid ones and voids every ticket', async () => {
    const event = await createEvent(api, organizer, {
      ticketTypes: [{ name: 'A', priceCents: 1000, capacity: 50 }],
    });
    const typeId = event.ticketTypes[0].id;
    const people = await createUsers(api, db, 6);
    const orders = await Promise.all(
      people.map((person) => placeOrder(api, person, [{ ticketTypeId: typeId, quantity: 2 }])),
    );
    for (const [index, order] of orders.entries()) {
      if (index < 3) expect((await payOrder(api, people[index], order.body.id)).status).toBe(200);
    }
    expect(await available(db, typeId)).toBe(38);

    expect(
      (
        await api.http
          .post(`/api/events/${event.id}/cancel`)
          .set('authorization', bearer(otherOrganizer))
      ).status,
    ).toBe(403);
    expect(
      (await api.http.post(`/api/events/${event.id}/cancel`).set('authorization', bearer(buyer)))
        .status,
    ).toBe(403);
    const res = await api.http
      .post(`/api/events/${event.id}/cancel`)
      .set('authorization', bearer(organizer));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      cancelledOrders: 6,
      refundedOrders: 3,
      event: { id: event.id, cancelledAt: expect.any(String) },
    });

    const rows = await db.sql.query(
      `SELECT status, count(*)::int AS n, count(refunded_at)::int AS refunded, sum(refunded_cents)::int AS cents
         FROM orders WHERE event_id = $1 GROUP BY status ORDER BY status`,
      [event.id],
    );
    expect(rows.rows).toEqual([
      { status: 'CANCELLED', n: 3, refunded: 0, cents: 0 },
      { status: 'REFUNDED', n: 3, refunded: 3, cents: 6000 },
    ]);
    await expectMoneyInvariant(db);
    const tickets = await db.sql.query(
      'SELECT status, count(*)::int AS n FROM tickets WHERE event_id = $1 GROUP BY status',
      [event.id],
    );
    expect(tickets.rows).toEqual([{ status: 'VOID', n: 6 }]);
    expect(await available(db, typeId)).toBe(50);
    const listing = await api.http.get('/api/events?limit=100');
    expect(listing.body.data.map((e: { id: string }) => e.id)).not.toContain(event.id);
    const again = await api.http
      .post(`/api/events/${event.id}/cancel`)
      .set('authorization', bearer(organizer));
    expect(again.status).toBe(409);
    expect(await available(db, typeId)).toBe(50);
    await expectStockInvariant(db);
  });

  it('holds racing an event cancellation either make it in and are cancelled, or are refused', async () => {
    const event = await createEvent(api, organizer, {
      ticketTypes: [{ name: 'A', priceCents: 100, capacity: 100 }],
    });
    const typeId = event.ticketTypes[0].id;
    const people = await createUsers(api, db, 30);
    const [cancel, ...holds] = await Promise.all([
      api.http.post(`/api/events/${event.id}/cancel`).set('authorization', bearer(organizer)),
      ...people.map((person) => placeOrder(api, person, [{ ticketTypeId: typeId, quantity: 1 }])),
    ]);
    expect(cancel.status).toBe(200);
    for (const hold of holds) expect([201, 422]).toContain(hold.status);
    const pending = await db.sql.query(
      "SELECT count(*)::int AS n FROM orders WHERE event_id = $1 AND status = 'PENDING'",
      [event.id],
    );
    expect(pending.rows[0].n).toBe(0);
    expect(await available(db, typeId)).toBe(100);
    await expectStockInvariant(db);
  });
});
