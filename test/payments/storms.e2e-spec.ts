import pg from 'pg';
import { bearer, createEvent } from '../support/events.js';
import { expectMoneyInvariant } from '../support/money.js';
import {
  cancelOrder,
  expectStockInvariant,
  payOrder,
  placeOrder,
  statusCounts,
} from '../support/orders.js';
import {
  applicationSessionsGone,
  deadlocks,
  mostIdleInTransaction,
  settleMoney,
  transactionsOpenedDuring,
} from '../support/payments.js';
import { waitUntil } from '../support/redis-server.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser, createUsers, type TestUser } from '../support/users.js';

/**
 * Storms on the money path over several instances of one deployment (one database, one Redis,
 * one test provider's books), then the stock and money invariants checked in SQL.
 */
describe('Payment storms over two instances (e2e, real PostgreSQL)', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let organizer: TestUser;

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = { ORDER_SWEEP_INTERVAL_MS: '0' };
    a = await startTestApp(db, { env, redisKeyPrefix: 'eventflow-test:pay-storm:' });
    b = await startTestApp(db, { env, redisKeyPrefix: 'eventflow-test:pay-storm:' });
    organizer = await createUser(a, db, 'ADMIN');
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  async function heldOrder(buyer: TestUser, quantity = 2): Promise<string> {
    const event = await createEvent(a, organizer, {
      ticketTypes: [{ name: 'A', priceCents: 1500, capacity: 100 }],
    });
    const held = await placeOrder(a, buyer, [{ ticketTypeId: event.ticketTypes[0].id, quantity }]);
    expect(held.status).toBe(201);
    return held.body.id as string;
  }

  async function moneyOf(orderId: string) {
    const payments = await db.sql.query(
      'SELECT status, applied FROM payments WHERE order_id = $1 ORDER BY created_at',
      [orderId],
    );
    const refunds = await db.sql.query(
      'SELECT count(*)::int AS n FROM refunds WHERE order_id = $1',
      [orderId],
    );
    const charges = await db.sql.query(
      `SELECT count(*)::int AS n FROM test_provider_payments t JOIN payments p ON p.id = t.payment_id
        WHERE p.order_id = $1 AND t.outcome = 'SUCCEEDED'`,
      [orderId],
    );
    const tickets = await db.sql.query(
      "SELECT count(*)::int AS n FROM tickets WHERE order_id = $1 AND status = 'VALID'",
      [orderId],
    );
    const order = await db.sql.query('SELECT status FROM orders WHERE id = $1', [orderId]);
    return {
      order: order.rows[0].status as string,
      payments: payments.rows,
      refunds: refunds.rows[0].n as number,
      charges: charges.rows[0].n as number,
      validTickets: tickets.rows[0].n as number,
    };
  }

  const oneCharge = {
    order: 'PAID',
    payments: [{ status: 'SUCCEEDED', applied: true }],
    refunds: 0,
    charges: 1,
    validTickets: 2,
  };

  it('20 simultaneous pays of one order without keys: one 200, one charge, never refunded', async () => {
    const buyer = await createUser(a, db, 'USER');
    const orderId = await heldOrder(buyer);
    // The provider takes a moment, so all twenty are in flight together.
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        payOrder(i % 2 ? a : b, buyer, orderId, 'tok_delay_150'),
      ),
    );
    expect(statusCounts(answers)).toEqual({ 200: 1, 409: 19 });
    for (const refused of answers.filter((r) => r.status === 409)) {
      expect(['payment-in-progress', 'order-not-pending']).toContain(refused.body.code);
    }
    expect(await moneyOf(orderId)).toEqual(oneCharge);
    await expectMoneyInvariant(db);
    await expectStockInvariant(db);
  });

  it('20 simultaneous pays with one Idempotency-Key: every answer is the one paid order or "in use", one charge', async () => {
    const buyer = await createUser(a, db, 'USER');
    const orderId = await heldOrder(buyer);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        payOrder(i % 2 ? a : b, buyer, orderId, 'tok_delay_150', 'one-click'),
      ),
    );
    const counts = statusCounts(answers);
    expect((counts[200] ?? 0) + (counts[409] ?? 0)).toBe(20);
    expect(counts[200]).toBeGreaterThanOrEqual(1);
    for (const busy of answers.filter((r) => r.status === 409))
      expect(busy.body.code).toBe('idempotency-key-in-use');
    const paid = answers.filter((r) => r.status === 200).map((r) => r.body);
    for (const body of paid) expect(body).toEqual(paid[0]);
    // Once the first has answered, the key answers the same, from either instance.
    const late = await Promise.all(
      [a, b].map((api) => payOrder(api, buyer, orderId, 'tok_delay_150', 'one-click')),
    );
    for (const res of late) expect(res.body).toEqual(paid[0]);
    expect(await moneyOf(orderId)).toEqual(oneCharge);
    await expectMoneyInvariant(db);
  });

  it('20 simultaneous pays, each with its own key: one 200, one charge', async () => {
    const buyer = await createUser(a, db, 'USER');
    const orderId = await heldOrder(buyer);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        payOrder(i % 2 ? a : b, buyer, orderId, 'tok_delay_150', `click-${i}`),
      ),
    );
    expect(statusCounts(answers)).toEqual({ 200: 1, 409: 19 });
    expect(await moneyOf(orderId)).toEqual(oneCharge);
    await expectMoneyInvariant(db);
  });

  it('10 simultaneous refunds of one paid order, by its buyer and its organizer over two instances: one refund, sent once', async () => {
    const buyer = await createUser(a, db, 'USER');
    const orderId = await heldOrder(buyer);
    expect((await payOrder(a, buyer, orderId)).status).toBe(200);
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        cancelOrder(i % 2 ? a : b, i % 3 ? buyer : organizer, orderId),
      ),
    );
    expect(statusCounts(answers)).toEqual({ 200: 1, 409: 9 });
    for (const refused of answers.filter((r) => r.status === 409)) {
      expect(refused.body).toMatchObject({
        code: 'order-not-cancellable',
        orderStatus: 'REFUNDED',
      });
    }
    const refunds = await db.sql.query(
      `SELECT r.status, count(t.refund_id)::int AS at_provider FROM refunds r
         LEFT JOIN test_provider_refunds t ON t.refund_id = r.id WHERE r.order_id = $1 GROUP BY r.id`,
      [orderId],
    );
    expect(refunds.rows).toEqual([{ status: 'SUCCEEDED', at_provider: 1 }]);
    await expectMoneyInvariant(db);
    await expectStockInvariant(db);
  });

  it('no pay holds a transaction open across a round trip: each write is one statement', async () => {
    const buyers = await createUsers(a, db, 30);
    const orders = await Promise.all(buyers.map((buyer) => heldOrder(buyer, 1)));
    let answers: Awaited<ReturnType<typeof payOrder>>[] = [];
    const opened = await transactionsOpenedDuring(async () => {
      const storm = Promise.all(
        orders.map((orderId, i) =>
          payOrder(i % 2 ? a : b, buyers[i], orderId, 'tok_visa', `idle-${i}`),
        ),
      );
      expect(await mostIdleInTransaction(db, storm)).toBe(0);
      answers = await storm;
    });
    expect(statusCounts(answers)).toEqual({ 200: 30 });
    // The test provider's refund is its one transaction; nothing here refunds.
    expect(opened).toBe(0);
  });
});

describe('Pays racing event cancellations (e2e, real PostgreSQL)', () => {
  it('12 cancellations against 100 payers over two instances: no deadlock, no 5xx, every charge on a PAID order or refunded', async () => {
    const db = await createTestDatabase();
    const env = { ORDER_SWEEP_INTERVAL_MS: '0' };
    const a = await startTestApp(db, { env, redisKeyPrefix: 'eventflow-test:cancel-race:' });
    const b = await startTestApp(db, { env, redisKeyPrefix: 'eventflow-test:cancel-race:' });
    try {
      const organizer = await createUser(a, db, 'ADMIN');
      const events = await Promise.all(
        Array.from({ length: 12 }, () =>
          createEvent(a, organizer, {
            ticketTypes: [
              { name: 'A', priceCents: 1000, capacity: 50 },
              { name: 'B', priceCents: 2500, capacity: 50 },
            ],
          }),
        ),
      );
      const payers = await createUsers(a, db, 100);
      const orders = await Promise.all(
        payers.map(async (payer, i) => {
          const event = events[i % events.length];
          const held = await placeOrder(i % 2 ? a : b, payer, [
            { ticketTypeId: event.ticketTypes[0].id, quantity: 1 },
            { ticketTypeId: event.ticketTypes[1].id, quantity: 1 + (i % 3) },
          ]);
          expect(held.status).toBe(201);
          return held.body.id as string;
        }),
      );
      const before = await deadlocks(db);

      // Payments spread over 200 ms, half of them keyed; the cancellations start once the first
      // payments have gone through, so they meet the rest in flight.
      const pays = Promise.all(
        orders.map((orderId, i) =>
          payOrder(
            i % 2 ? b : a,
            payers[i],
            orderId,
            `tok_delay_${(i * 37) % 200}`,
            i % 2 ? `race-${i}` : undefined,
          ),
        ),
      );
      await waitUntil(
        async () => {
          const paid = await db.sql.query(
            "SELECT count(*)::int AS n FROM orders WHERE status = 'PAID'",
          );
          return paid.rows[0].n >= 10;
        },
        10_000,
        5,
      );
      const cancellations = Promise.all(
        events.map((event, i) =>
          (i % 2 ? a : b).http
            .post(`/api/events/${event.id}/cancel`)
            .set('authorization', bearer(organizer))
            .send(),
        ),
      );
      const [payAnswers, cancelAnswers] = await Promise.all([pays, cancellations]);

      expect(statusCounts(cancelAnswers)).toEqual({ 200: 12 });
      const payCounts = statusCounts(payAnswers);
      expect(Object.keys(payCounts).every((status) => ['200', '409'].includes(status))).toBe(true);
      for (const refused of payAnswers.filter((r) => r.status === 409)) {
        expect(['order-not-pending', 'order-not-payable']).toContain(refused.body.code);
      }
      // Every order was cancelled with its event; whatever was charged went back.
      const left = await db.sql.query(
        "SELECT status, count(*)::int AS n FROM orders WHERE status NOT IN ('CANCELLED', 'REFUNDED') GROUP BY status",
      );
      expect(left.rows).toEqual([]);
      await settleMoney(db, [a, b]);
      await expectMoneyInvariant(db);
      await expectStockInvariant(db);
      const charged = await db.sql.query(
        "SELECT count(*)::int AS n FROM payments WHERE status = 'SUCCEEDED'",
      );
      // The race is real: some payments got in before their event's cancellation.
      expect(charged.rows[0].n).toBeGreaterThan(0);

      await a.close();
      await b.close();
      await applicationSessionsGone(db);
      expect(await deadlocks(db)).toBe(before);
    } finally {
      await a.close();
      await b.close();
      await db.drop();
    }
  });
});

describe('An event cancelled in the middle of its on-sale (e2e, real PostgreSQL)', () => {
  it('the cancellation gets through while holds keep coming, and no hold outlives it', async () => {
    const db = await createTestDatabase();
    // A statement waiting more than 3 s answers 503: a cancellation kept waiting by the holds
    // streaming in would fail here.
    const env = {
      ORDER_SWEEP_INTERVAL_MS: '0',
      DATABASE_POOL_SIZE: '25',
      DATABASE_POOL_TIMEOUT_MS: '2000',
      DATABASE_STATEMENT_TIMEOUT_MS: '3000',
    };
    const a = await startTestApp(db, { env, redisKeyPrefix: 'eventflow-test:busy-cancel:' });
    const b = await startTestApp(db, { env, redisKeyPrefix: 'eventflow-test:busy-cancel:' });
    try {
      const organizer = await createUser(a, db, 'ADMIN');
      const event = await createEvent(a, organizer, {
        ticketTypes: [
          { name: 'A', priceCents: 500, capacity: 1_000_000 },
          { name: 'B', priceCents: 900, capacity: 1_000_000 },
        ],
      });
      const buyers = await createUsers(a, db, 60);
      let cancelAnswered = false;
      // 60 buyers hold again and again, most of them keyed (one hold each, queueing on the stock
      // row), until the cancellation has answered: holds of the event are in flight all the time.
      const streams = buyers.map(async (buyer, w) => {
        const answers = [];
        for (let n = 0; !cancelAnswered; n++) {
          answers.push(
            await placeOrder(
              w % 2 ? a : b,
              buyer,
              [{ ticketTypeId: event.ticketTypes[n % 2].id, quantity: 1 }],
              w % 6 ? `busy-${w}-${n}` : undefined,
            ),
          );
        }
        return answers;
      });
      await waitUntil(
        async () => {
          const { rows } = await db.sql.query('SELECT count(*)::int AS n FROM orders');
          return rows[0].n >= 100;
        },
        20_000,
        5,
      );
      const cancelled = await a.http
        .post(`/api/events/${event.id}/cancel`)
        .set('authorization', bearer(organizer))
        .send();
      cancelAnswered = true;
      const holds = (await Promise.all(streams)).flat();
      expect(cancelled.status).toBe(200);
      const counts = statusCounts(holds);
      expect(Object.keys(counts).every((status) => ['201', '422'].includes(status))).toBe(true);
      for (const refused of holds.filter((r) => r.status === 422)) {
        expect(refused.body.code).toBe('event-cancelled');
      }
      const pending = await db.sql.query(
        "SELECT count(*)::int AS n FROM orders WHERE status = 'PENDING'",
      );
      expect(pending.rows[0].n).toBe(0);
      expect(cancelled.body.cancelledOrders).toBe(counts[201]);
      await expectStockInvariant(db);
    } finally {
      await a.close();
      await b.close();
      await db.drop();
    }
  }, 60_000);
});

describe('An event cancellation against holds at the database’s own pace (real PostgreSQL)', () => {
  it('eventflow_cancel_event gets its lock within a few seconds while 40 sessions hold nonstop', async () => {
    const db = await createTestDatabase();
    const api = await startTestApp(db, { env: { ORDER_SWEEP_INTERVAL_MS: '0' } });
    const holders = new pg.Pool({ connectionString: db.url, max: 40 });
    let stop = false;
    let sessions: Promise<number>[] = [];
    try {
      const organizer = await createUser(api, db, 'ADMIN');
      const event = await createEvent(api, organizer, {
        ticketTypes: [{ name: 'A', priceCents: 500, capacity: 1_000_000 }],
      });
      const buyers = await createUsers(api, db, 40);
      // Each session holds again the moment its last hold returns, with no HTTP in between: the
      // event is never free of holds in flight, which a row lock's waiter would never get past.
      sessions = buyers.map(async (buyer) => {
        let held = 0;
        while (!stop) {
          const { rows } = await holders.query<{ outcome: { outcome: string } }>(
            'SELECT eventflow_hold_order(gen_random_uuid(), $1::uuid, ARRAY[$2::uuid], ARRAY[1], 900) AS outcome',
            [buyer.id, event.ticketTypes[0].id],
          );
          if (rows[0].outcome.outcome === 'HELD') held++;
        }
        return held;
      });
      await waitUntil(
        async () => {
          const { rows } = await db.sql.query('SELECT count(*)::int AS n FROM orders');
          return rows[0].n >= 200;
        },
        20_000,
        10,
      );
      const canceller = await db.sql.connect();
      try {
        await canceller.query("SET statement_timeout = '5s'");
        const { rows } = await canceller.query<{ result: { cancelledOrders: number } }>(
          'SELECT eventflow_cancel_event($1::uuid, 120) AS result',
          [event.id],
        );
        expect(rows[0].result.cancelledOrders).toBeGreaterThan(0);
      } finally {
        stop = true;
        canceller.release();
      }
      await Promise.all(sessions);
      const pending = await db.sql.query(
        "SELECT count(*)::int AS n FROM orders WHERE status = 'PENDING'",
      );
      expect(pending.rows[0].n).toBe(0);
      await expectStockInvariant(db);
    } finally {
      stop = true;
      await Promise.allSettled(sessions);
      await holders.end();
      await api.close();
      await db.drop();
    }
  }, 60_000);
});

describe('Keyed holds over three instances (e2e, real PostgreSQL)', () => {
  it('900 keyed holds of one ticket type: 201 or 409, else only 503 with Retry-After; no transaction idles on the hot row', async () => {
    const db = await createTestDatabase();
    const instances: TestApp[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        instances.push(
          await startTestApp(db, {
            env: { ORDER_SWEEP_INTERVAL_MS: '0' },
            redisKeyPrefix: 'eventflow-test:keyed-storm:',
          }),
        );
      }
      const organizer = await createUser(instances[0], db, 'ADMIN');
      const event = await createEvent(instances[0], organizer, {
        ticketTypes: [{ name: 'Hot', priceCents: 500, capacity: 600 }],
      });
      const typeId = event.ticketTypes[0].id;
      const buyers = await createUsers(instances[0], db, 900);
      let answers: Awaited<ReturnType<typeof placeOrder>>[] = [];
      const opened = await transactionsOpenedDuring(async () => {
        const storm = Promise.all(
          buyers.map((buyer, i) =>
            placeOrder(
              instances[i % 3],
              buyer,
              [{ ticketTypeId: typeId, quantity: 1 }],
              `keyed-${i}`,
            ),
          ),
        );
        expect(await mostIdleInTransaction(db, storm)).toBe(0);
        answers = await storm;
      });
      // The hot row is locked from its decrement to the commit of that one statement only.
      expect(opened).toBe(0);
      const counts = statusCounts(answers);
      expect(Object.keys(counts).every((status) => ['201', '409', '503'].includes(status))).toBe(
        true,
      );
      for (const busy of answers.filter((r) => r.status === 503)) {
        expect(busy.headers['retry-after']).toBeDefined();
        expect(busy.body.code).toBe('service-unavailable');
      }
      expect(counts[201]).toBeGreaterThan(0);
      await expectStockInvariant(db);
      const held = await db.sql.query(
        `SELECT count(*)::int AS n FROM orders o JOIN order_items oi ON oi.order_id = o.id WHERE oi.ticket_type_id = $1`,
        [typeId],
      );
      expect(held.rows[0].n).toBe(counts[201]);
    } finally {
      for (const api of instances) await api.close();
      await db.drop();
    }
  }, 120_000);
});
