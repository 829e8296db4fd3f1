import { OrderSweeper } from '../../src/modules/orders/order-sweeper.js';
import { PAYMENT_PROVIDER } from '../../src/modules/payments/payment-provider.js';
import type { TestPaymentProvider } from '../../src/modules/payments/providers/test-payment-provider.js';
import { bearer, createEvent, inHours, type EventBody } from '../support/events.js';
import { expectMoneyInvariant } from '../support/money.js';
import {
  available,
  cancelOrder,
  expectStockInvariant,
  orderStatus,
  payOrder,
  placeOrder,
  statusCounts,
} from '../support/orders.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser, createUsers, type TestUser } from '../support/users.js';

describe('Refunds, their policy, and card testing (e2e, real PostgreSQL)', () => {
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
    await expectStockInvariant(db);
    await expectMoneyInvariant(db);
    await api?.close();
    await db?.drop();
  });

  async function paidOrder(
    event: EventBody = {},
    quantity = 2,
  ): Promise<{ eventId: string; typeId: string; orderId: string; codes: string[] }> {
    const created = await createEvent(api, organizer, {
      ticketTypes: [{ name: 'A', priceCents: 2500, capacity: 40 }],
      ...event,
    });
    const typeId = created.ticketTypes[0].id;
    const held = await placeOrder(api, buyer, [{ ticketTypeId: typeId, quantity }]);
    const paid = await payOrder(api, buyer, held.body.id);
    expect(paid.status).toBe(200);
    return {
      eventId: created.id,
      typeId,
      orderId: held.body.id,
      codes: paid.body.tickets.map((t: { code: string }) => t.code),
    };
  }

  const scan = (eventId: string, code: string) =>
    api.http
      .post(`/api/events/${eventId}/check-ins`)
      .set('authorization', bearer(organizer))
      .send({ code });

  describe('the refund policy', () => {
    it('a fee of fixed cents plus a percent is kept: the buyer gets the rest, the stats show both', async () => {
      const { eventId, orderId } = await paidOrder({ refundFeeCents: 150, refundFeePercent: 10 });
      const res = await cancelOrder(api, buyer, orderId);
      expect(res.status).toBe(200);
      // 5000 total: a fee of 150 + 500, 4350 back.
      expect(res.body).toMatchObject({
        status: 'REFUNDED',
        refundedCents: 4350,
        refundedAt: expect.any(String),
      });
      const refund = await db.sql.query(
        `SELECT r.amount_cents, r.status, t.amount_cents AS at_provider
           FROM refunds r JOIN test_provider_refunds t ON t.refund_id = r.id WHERE r.order_id = $1`,
        [orderId],
      );
      expect(refund.rows).toEqual([{ amount_cents: 4350, status: 'SUCCEEDED', at_provider: 4350 }]);
      const stats = await api.http
        .get(`/api/events/${eventId}/stats`)
        .set('authorization', bearer(organizer));
      expect(stats.body).toMatchObject({
        refundedCents: 4350,
        refundFeesCents: 650,
        total: { sold: 0, revenueCents: 0 },
      });
      await expectMoneyInvariant(db);
    });

    it('the organizer refunds in full, fee or not', async () => {
      const { orderId } = await paidOrder({ refundFeeCents: 150, refundFeePercent: 10 });
      const res = await cancelOrder(api, organizer, orderId);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'REFUNDED', refundedCents: 5000 });
    });

    it('after the deadline the buyer gets 409 refund-window-closed; the order stays paid', async () => {
      const { orderId } = await paidOrder({ refundDeadline: inHours(1) });
      await db.sql.query(
        "UPDATE events SET refund_deadline = now() - interval '1 minute' WHERE id = (SELECT event_id FROM orders WHERE id = $1)",
        [orderId],
      );
      const res = await cancelOrder(api, buyer, orderId);
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({
        code: 'refund-window-closed',
        refundDeadline: expect.any(String),
      });
      expect(await orderStatus(db, orderId)).toBe('PAID');
      expect((await cancelOrder(api, organizer, orderId)).status).toBe(200);
    });

    it('an event without refunds: 409 refunds-not-allowed for its buyers, never for its organizer', async () => {
      const { orderId } = await paidOrder({ refundsAllowed: false });
      const res = await cancelOrder(api, buyer, orderId);
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('refunds-not-allowed');
      expect(await orderStatus(db, orderId)).toBe('PAID');
      expect((await cancelOrder(api, organizer, orderId)).body).toMatchObject({
        status: 'REFUNDED',
        refundedCents: 5000,
      });
    });

    it('a fee that covers the whole total: REFUNDED with nothing sent back, nothing sent to the provider', async () => {
      const { orderId } = await paidOrder({ refundFeePercent: 100 });
      const res = await cancelOrder(api, buyer, orderId);
      expect(res.body).toMatchObject({
        status: 'REFUNDED',
        refundedCents: 0,
        refundedAt: expect.any(String),
      });
      const refunds = await db.sql.query(
        'SELECT count(*)::int AS n FROM refunds WHERE order_id = $1',
        [orderId],
      );
      expect(refunds.rows[0].n).toBe(0);
      await expectMoneyInvariant(db);
    });
  });

  describe('a used ticket', () => {
    it('an order with a checked-in ticket is never refunded (409 ticket-used), by its buyer or the organizer', async () => {
      const { eventId, typeId, orderId, codes } = await paidOrder();
      expect((await scan(eventId, codes[0])).status).toBe(201);
      for (const caller of [buyer, organizer]) {
        const res = await cancelOrder(api, caller, orderId);
        expect(res.status).toBe(409);
        expect(res.body.code).toBe('ticket-used');
      }
      expect(await orderStatus(db, orderId)).toBe('PAID');
      expect(await available(db, typeId)).toBe(38);
      const stats = await api.http
        .get(`/api/events/${eventId}/stats`)
        .set('authorization', bearer(organizer));
      expect(stats.body.total).toMatchObject({ sold: 2, checkedIn: 1, revenueCents: 5000 });
      expect(stats.body.refundedCents).toBe(0);
    });

    it('a refund and a scan of its ticket at the same moment: exactly one of them wins', async () => {
      for (let round = 0; round < 8; round++) {
        const { eventId, orderId, codes } = await paidOrder({}, 1);
        const [refund, door] = await Promise.all([
          cancelOrder(api, buyer, orderId),
          scan(eventId, codes[0]),
        ]);
        const outcome = `${refund.status}/${door.status}`;
        expect(['200/409', '409/201']).toContain(outcome);
        if (refund.status === 200) expect(door.body.code).toBe('ticket-void');
        else expect(refund.body.code).toBe('ticket-used');
      }
      await expectMoneyInvariant(db);
    });
  });

  describe('refunds the provider refuses', () => {
    it('are retried with backoff and visible, until the provider accepts', async () => {
      const provider = api.app.get<TestPaymentProvider>(PAYMENT_PROVIDER);
      const { orderId } = await paidOrder();
      provider.refuseRefunds(true);
      try {
        const res = await cancelOrder(api, buyer, orderId);
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({
          status: 'REFUNDED',
          refundedCents: 5000,
          refundedAt: null,
        });
        const owed = await db.sql.query(
          `SELECT id, status, attempts, last_error, next_attempt_at > now() + interval '3 seconds' AS backed_off
             FROM refunds WHERE order_id = $1`,
          [orderId],
        );
        expect(owed.rows).toEqual([
          {
            id: expect.any(String),
            status: 'PENDING',
            attempts: 1,
            last_error: 'The test provider refuses refunds.',
            backed_off: true,
          },
        ]);
        // Due again, and refused again: the next wait is longer.
        await db.sql.query('UPDATE refunds SET next_attempt_at = now() WHERE order_id = $1', [
          orderId,
        ]);
        await api.app.get(OrderSweeper).sweep();
        const again = await db.sql.query(
          `SELECT attempts, next_attempt_at > now() + interval '8 seconds' AS backed_off FROM refunds WHERE order_id = $1`,
          [orderId],
        );
        expect(again.rows).toEqual([{ attempts: 2, backed_off: true }]);
        const metrics = await api.http.get('/metrics');
        expect(metrics.text).toMatch(/^eventflow_refunds_owed [1-9]/m);
        expect(metrics.text).toMatch(/^eventflow_refunds_total\{outcome="failed"\} 2$/m);
      } finally {
        provider.refuseRefunds(false);
      }
      await db.sql.query('UPDATE refunds SET next_attempt_at = now() WHERE order_id = $1', [
        orderId,
      ]);
      await api.app.get(OrderSweeper).sweep();
      const done = await db.sql.query(
        `SELECT r.status, o.refunded_at IS NOT NULL AS stamped FROM refunds r JOIN orders o ON o.id = r.order_id WHERE r.order_id = $1`,
        [orderId],
      );
      expect(done.rows).toEqual([{ status: 'SUCCEEDED', stamped: true }]);
      expect((await api.http.get('/metrics')).text).toMatch(/^eventflow_refunds_owed 0$/m);
      await expectMoneyInvariant(db);
    });
  });

  describe('free orders', () => {
    it('are never sent to a provider: not when paid, not when cancelled, not when their event is', async () => {
      const event = await createEvent(api, organizer, {
        ticketTypes: [{ name: 'Free', priceCents: 0, capacity: 20 }],
      });
      const typeId = event.ticketTypes[0].id;
      const orders: string[] = [];
      for (let i = 0; i < 2; i++) {
        const held = await placeOrder(api, buyer, [{ ticketTypeId: typeId, quantity: 1 }]);
        expect((await payOrder(api, buyer, held.body.id)).status).toBe(200);
        orders.push(held.body.id);
      }
      const cancelled = await cancelOrder(api, buyer, orders[0]);
      expect(cancelled.body).toMatchObject({
        status: 'CANCELLED',
        refundedCents: 0,
        refundedAt: null,
      });
      const eventCancelled = await api.http
        .post(`/api/events/${event.id}/cancel`)
        .set('authorization', bearer(organizer));
      expect(eventCancelled.body).toMatchObject({ cancelledOrders: 1, refundedOrders: 0 });
      expect(await orderStatus(db, orders[1])).toBe('CANCELLED');
      const money = await db.sql.query(
        `SELECT (SELECT count(*) FROM payments WHERE order_id = ANY ($1::uuid[]))::int AS payments,
                (SELECT count(*) FROM refunds WHERE order_id = ANY ($1::uuid[]))::int AS refunds`,
        [orders],
      );
      expect(money.rows[0]).toEqual({ payments: 0, refunds: 0 });
    });
  });

  describe('card testing', () => {
    it('five declines per order, then 409 too-many-declines, even for a good card', async () => {
      const event = await createEvent(api, organizer);
      const held = await placeOrder(api, buyer, [
        { ticketTypeId: event.ticketTypes[0].id, quantity: 1 },
      ]);
      for (let i = 0; i < 5; i++) {
        expect((await payOrder(api, buyer, held.body.id, 'tok_declined')).status).toBe(402);
      }
      const sixth = await payOrder(api, buyer, held.body.id, 'tok_declined');
      expect(sixth.status).toBe(409);
      expect(sixth.body).toMatchObject({
        code: 'too-many-declines',
        holdEndsAt: expect.any(String),
      });
      expect((await payOrder(api, buyer, held.body.id, 'tok_visa')).status).toBe(409);
      const attempts = await db.sql.query(
        'SELECT count(*)::int AS n, sum(declines)::int AS declines FROM payments WHERE order_id = $1',
        [held.body.id],
      );
      expect(attempts.rows[0]).toEqual({ n: 5, declines: 5 });
      expect(await orderStatus(db, held.body.id)).toBe('PENDING');
    });

    it('pays count in the per-account purchase rate limit', async () => {
      const limited = await startTestApp(db, {
        env: { ORDER_SWEEP_INTERVAL_MS: '0', PURCHASE_THROTTLE_LIMIT: '6' },
      });
      try {
        const event = await createEvent(limited, organizer);
        const held = await placeOrder(limited, buyer, [
          { ticketTypeId: event.ticketTypes[0].id, quantity: 1 },
        ]);
        const answers = [];
        for (let i = 0; i < 6; i++)
          answers.push(await payOrder(limited, buyer, held.body.id, 'tok_declined'));
        expect(statusCounts(answers)).toEqual({ 402: 5, 429: 1 });
        expect(answers[5].headers['retry-after']).toBeDefined();
      } finally {
        await limited.close();
      }
    });
  });

  describe('the currency', () => {
    it('changes only while the event has no order, however holds race the change', async () => {
      for (let round = 0; round < 5; round++) {
        const event = await createEvent(api, organizer, { currency: 'USD' });
        const buyers = await createUsers(api, db, 10);
        const [change, ...holds] = await Promise.all([
          api.http
            .patch(`/api/events/${event.id}`)
            .set('authorization', bearer(organizer))
            .send({ currency: 'EUR' }),
          ...buyers.map((b) =>
            placeOrder(api, b, [{ ticketTypeId: event.ticketTypes[0].id, quantity: 1 }]),
          ),
        ]);
        expect([200, 409]).toContain(change.status);
        const currencies = await db.sql.query(
          `SELECT e.currency AS event, array_agg(DISTINCT o.currency) FILTER (WHERE o.id IS NOT NULL) AS orders
             FROM events e LEFT JOIN orders o ON o.event_id = e.id WHERE e.id = $1 GROUP BY e.currency`,
          [event.id],
        );
        const { event: eventCurrency, orders } = currencies.rows[0];
        if (change.status === 200) expect(eventCurrency).toBe('EUR');
        else expect(change.body.code).toBe('currency-locked');
        for (const currency of orders ?? []) expect(currency).toBe(eventCurrency);
        for (const hold of holds) expect(hold.status).toBe(201);
      }
    });
  });
});
