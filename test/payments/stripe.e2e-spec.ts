import Stripe from 'stripe';
import { OrderSweeper } from '../../src/modules/orders/order-sweeper.js';
import { createEvent } from '../support/events.js';
import { FakeStripe, type PaymentIntentObject } from '../support/fake-stripe.js';
import { expectMoneyInvariant } from '../support/money.js';
import {
  cancelOrder,
  expectStockInvariant,
  orderStatus,
  payOrder,
  placeOrder,
} from '../support/orders.js';
import { waitUntil } from '../support/redis-server.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createUser, type TestUser } from '../support/users.js';

const WEBHOOK_SECRET = 'whsec_eventflow_test_secret';

/**
 * The Stripe adapter through the real `stripe` SDK, pointed (STRIPE_API_URL) at a local server that
 * answers as Stripe documents (test/support/fake-stripe.ts); webhooks signed as Stripe signs them.
 */
describe('Payments through Stripe (e2e: real SDK, local Stripe, real PostgreSQL)', () => {
  let db: TestDatabase;
  let fake: FakeStripe;
  let api: TestApp;
  let organizer: TestUser;
  let buyer: TestUser;

  beforeAll(async () => {
    db = await createTestDatabase();
    fake = await FakeStripe.start();
    api = await startTestApp(db, {
      env: {
        PAYMENT_PROVIDER: 'stripe',
        STRIPE_SECRET_KEY: fake.secretKey,
        STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
        STRIPE_API_URL: `http://127.0.0.1:${fake.port}`,
        PAYMENT_ATTEMPT_LEASE_SECONDS: '1',
        ORDER_SWEEP_INTERVAL_MS: '0',
      },
    });
    organizer = await createUser(api, db, 'ADMIN');
    buyer = await createUser(api, db, 'USER');
  });
  afterAll(async () => {
    await expectStripeAgrees();
    await expectStockInvariant(db);
    await api?.close();
    await fake?.close();
    await db?.drop();
  });

  async function heldOrder(quantity = 2): Promise<string> {
    const event = await createEvent(api, organizer, {
      ticketTypes: [{ name: 'A', priceCents: 2500, capacity: 50 }],
    });
    const held = await placeOrder(api, buyer, [
      { ticketTypeId: event.ticketTypes[0].id, quantity },
    ]);
    expect(held.status).toBe(201);
    return held.body.id as string;
  }

  function signed(type: string, object: PaymentIntentObject, secret = WEBHOOK_SECRET) {
    const payload = JSON.stringify(fake.event(type, object));
    return { payload, signature: Stripe.webhooks.generateTestHeaderString({ payload, secret }) };
  }

  function deliver(delivery: { payload: string; signature?: string }) {
    const request = api.http
      .post('/api/payments/stripe/webhook')
      .set('content-type', 'application/json; charset=utf-8');
    if (delivery.signature) void request.set('stripe-signature', delivery.signature);
    return request.send(delivery.payload);
  }

  const intentOf = (paymentId: string) =>
    fake.paymentIntents().find((intent) => intent.metadata.payment_id === paymentId);

  /**
   * Our books against Stripe's: a payment of ours succeeded exactly when its PaymentIntent did, for
   * the same amount, and a refund of ours succeeded exactly when Stripe has a succeeded Refund of it.
   */
  async function expectStripeAgrees() {
    const payments = (
      await db.sql.query<{ id: string; status: string; amount_cents: number }>(
        "SELECT id, status, amount_cents FROM payments WHERE provider = 'stripe'",
      )
    ).rows;
    const intents = fake.paymentIntents();
    const disagreeing = payments.filter((payment) => {
      const intent = intents.find((i) => i.metadata.payment_id === payment.id);
      const charged = intent?.status === 'succeeded';
      return (
        charged !== (payment.status === 'SUCCEEDED') ||
        (charged && intent.amount !== payment.amount_cents)
      );
    });
    const unknown = intents.filter(
      (i) => i.status === 'succeeded' && !payments.some((p) => p.id === i.metadata.payment_id),
    );
    const refunds = (
      await db.sql.query<{ id: string; status: string; amount_cents: number }>(
        `SELECT r.id, r.status, r.amount_cents FROM refunds r JOIN payments p ON p.id = r.payment_id
          WHERE p.provider = 'stripe'`,
      )
    ).rows;
    const atStripe = fake.refunds().filter((r) => r.status === 'succeeded');
    const refundsDisagreeing = refunds.filter((refund) => {
      const paid = atStripe.filter((r) => r.metadata?.refund_id === refund.id);
      return (
        (refund.status === 'SUCCEEDED') !== (paid.length === 1) ||
        (paid[0] && paid[0].amount !== refund.amount_cents)
      );
    });
    expect({ disagreeing, unknown, refundsDisagreeing }).toEqual({
      disagreeing: [],
      unknown: [],
      refundsDisagreeing: [],
    });
  }

  /** The refund's next try is due now (time passing), then one sweep. */
  async function settleDue(refundId: string) {
    await db.sql.query('UPDATE refunds SET next_attempt_at = now() WHERE id = $1', [refundId]);
    await api.app.get(OrderSweeper).sweep();
  }

  async function settle() {
    await db.sql.query(
      `UPDATE payments SET lease_until = now() WHERE status IN ('PROCESSING', 'REQUIRES_ACTION')`,
    );
    await api.app.get(OrderSweeper).sweep();
  }

  describe('server-side confirmation (POST /api/orders/:id/pay with a PaymentMethod id)', () => {
    it('pays: one PaymentIntent, created and confirmed with the attempt’s id as idempotency key', async () => {
      const orderId = await heldOrder();
      const paid = await payOrder(api, buyer, orderId, 'pm_card_visa');
      expect(paid.status).toBe(200);
      expect(paid.body).toMatchObject({
        status: 'PAID',
        payment: { provider: 'stripe', status: 'SUCCEEDED', amountCents: 5000, currency: 'USD' },
      });
      expect(paid.body.tickets).toHaveLength(2);
      const paymentId = paid.body.payment.id as string;
      const intent = intentOf(paymentId)!;
      expect(intent).toMatchObject({ status: 'succeeded', amount: 5000, currency: 'usd' });
      expect(intent.metadata).toEqual({ payment_id: paymentId, order_id: orderId });
      const created = fake.requests.filter(
        (r) =>
          r.path === '/v1/payment_intents' &&
          (r.params.metadata as Record<string, string> | undefined)?.payment_id === paymentId,
      );
      const confirmed = fake.requests.filter(
        (r) => r.path === `/v1/payment_intents/${intent.id}/confirm`,
      );
      expect([...created, ...confirmed].map((r) => r.idempotencyKey)).toEqual([
        paymentId,
        `${paymentId}:confirm`,
      ]);
      const row = await db.sql.query(
        'SELECT provider, provider_ref, status, applied FROM payments WHERE id = $1',
        [paymentId],
      );
      expect(row.rows).toEqual([
        { provider: 'stripe', provider_ref: intent.id, status: 'SUCCEEDED', applied: true },
      ]);
      await expectMoneyInvariant(db);
    });

    it('a declined card is a 402 counted against the order; another card then pays', async () => {
      const orderId = await heldOrder();
      const declined = await payOrder(api, buyer, orderId, 'pm_card_chargeDeclined');
      expect(declined.status).toBe(402);
      expect(declined.body).toMatchObject({
        code: 'payment-declined',
        detail: 'Your card was declined.',
      });
      const bogus = await payOrder(api, buyer, orderId, 'pm_not_a_card');
      expect(bogus.status).toBe(402);
      const paid = await payOrder(api, buyer, orderId, 'pm_card_visa');
      expect(paid.status).toBe(200);
      const rows = await db.sql.query(
        'SELECT status, declines FROM payments WHERE order_id = $1 ORDER BY created_at',
        [orderId],
      );
      expect(rows.rows).toEqual([
        { status: 'FAILED', declines: 1 },
        { status: 'FAILED', declines: 1 },
        { status: 'SUCCEEDED', declines: 0 },
      ]);
      await expectMoneyInvariant(db);
    });

    it('3-D Secure is a 202 with the client secret; the signed webhook then pays the order, once', async () => {
      const orderId = await heldOrder();
      const pending = await payOrder(api, buyer, orderId, 'pm_card_authenticationRequired');
      expect(pending.status).toBe(202);
      expect(pending.body).toMatchObject({
        status: 'PENDING',
        payment: {
          status: 'REQUIRES_ACTION',
          clientSecret: expect.stringMatching(/^pi_\w+_secret_\w+$/),
        },
      });
      const intent = intentOf(pending.body.payment.id)!;
      expect(pending.body.payment.clientSecret).toBe(intent.client_secret);
      // The buyer has until the hold ends: a sweep meanwhile leaves the payment be.
      const lease = await db.sql.query(
        `SELECT p.lease_until = o.expires_at AS until_hold_ends FROM payments p JOIN orders o ON o.id = p.order_id
          WHERE p.id = $1`,
        [pending.body.payment.id],
      );
      expect(lease.rows[0].until_hold_ends).toBe(true);
      await api.app.get(OrderSweeper).sweep();
      expect(fake.paymentIntent(intent.id)?.status).toBe('requires_action');
      // Paying again while the buyer authenticates is refused, not a second PaymentIntent.
      const again = await payOrder(api, buyer, orderId, 'pm_card_visa');
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({
        code: 'payment-in-progress',
        paymentStatus: 'REQUIRES_ACTION',
      });

      const succeeded = fake.completeAction(intent.id);
      const delivery = signed('payment_intent.succeeded', succeeded);
      expect((await deliver(delivery)).status).toBe(200);
      expect(await orderStatus(db, orderId)).toBe('PAID');
      // Replayed, and an out-of-order failure after it: nothing changes.
      expect((await deliver(delivery)).status).toBe(200);
      expect(
        (
          await deliver(
            signed('payment_intent.payment_failed', {
              ...succeeded,
              status: 'requires_payment_method',
            }),
          )
        ).status,
      ).toBe(200);
      const tickets = await db.sql.query(
        'SELECT count(*)::int AS n FROM tickets WHERE order_id = $1',
        [orderId],
      );
      expect(tickets.rows[0].n).toBe(2);
      expect(await orderStatus(db, orderId)).toBe('PAID');
      await expectMoneyInvariant(db);
    });
  });

  describe('client-side confirmation (POST /api/orders/:id/checkout, then Stripe.js)', () => {
    it('answers a PaymentIntent’s client secret, the same one when asked again; the webhook pays the order', async () => {
      const orderId = await heldOrder(1);
      const checkout = () =>
        api.http
          .post(`/api/orders/${orderId}/checkout`)
          .set('authorization', `Bearer ${buyer.accessToken}`)
          .send();
      const first = await checkout();
      expect(first.status).toBe(202);
      expect(first.body).toMatchObject({
        status: 'PENDING',
        payment: { status: 'REQUIRES_ACTION', clientSecret: expect.stringMatching(/_secret_/) },
      });
      const second = await checkout();
      expect(second.status).toBe(202);
      expect(second.body.payment).toEqual(first.body.payment);
      expect(fake.paymentIntents().filter((i) => i.metadata.order_id === orderId)).toHaveLength(1);

      // The buyer's card is refused in the browser: the payment stays open for another card.
      const intentId = intentOf(first.body.payment.id)!.id;
      const refused = fake.confirmAsCustomer(intentId, 'pm_card_chargeDeclined');
      expect((await deliver(signed('payment_intent.payment_failed', refused))).status).toBe(200);
      const stillOpen = await api.http
        .get(`/api/orders/${orderId}`)
        .set('authorization', `Bearer ${buyer.accessToken}`);
      expect(stillOpen.body.payment).toMatchObject({
        status: 'REQUIRES_ACTION',
        failureReason: 'Your card was declined.',
        clientSecret: null,
      });

      const paid = fake.confirmAsCustomer(intentId, 'pm_card_visa');
      expect((await deliver(signed('payment_intent.succeeded', paid))).status).toBe(200);
      expect(await orderStatus(db, orderId)).toBe('PAID');
      await expectMoneyInvariant(db);
    });

    it('a buyer who never pays: when the hold ends the sweeper cancels the PaymentIntent, so it cannot be paid late', async () => {
      const orderId = await heldOrder(1);
      const first = await api.http
        .post(`/api/orders/${orderId}/checkout`)
        .set('authorization', `Bearer ${buyer.accessToken}`)
        .send();
      const intentId = intentOf(first.body.payment.id)!.id;
      // Time passes: the hold ends, and with it the lease of the payment waiting in the browser.
      await db.sql.query(
        "UPDATE orders SET expires_at = now() - interval '1 second' WHERE id = $1",
        [orderId],
      );
      await db.sql.query('UPDATE payments SET lease_until = now() WHERE order_id = $1', [orderId]);
      await api.app.get(OrderSweeper).sweep();
      await api.app.get(OrderSweeper).sweep();
      expect(await orderStatus(db, orderId)).toBe('EXPIRED');
      expect(fake.paymentIntent(intentId)?.status).toBe('canceled');
      const row = await db.sql.query('SELECT status FROM payments WHERE id = $1', [
        first.body.payment.id,
      ]);
      expect(row.rows[0].status).toBe('FAILED');
      await expectMoneyInvariant(db);
    });
  });

  it('one success reported ten times at once over two instances (webhook retries): the order paid once', async () => {
    const other = await startTestApp(db, {
      env: {
        PAYMENT_PROVIDER: 'stripe',
        STRIPE_SECRET_KEY: fake.secretKey,
        STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
        STRIPE_API_URL: `http://127.0.0.1:${fake.port}`,
        ORDER_SWEEP_INTERVAL_MS: '0',
      },
    });
    try {
      const orderId = await heldOrder();
      const pending = await payOrder(api, buyer, orderId, 'pm_card_authenticationRequired');
      const delivery = signed(
        'payment_intent.succeeded',
        fake.completeAction(intentOf(pending.body.payment.id)!.id),
      );
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 ? other : api).http
            .post('/api/payments/stripe/webhook')
            .set('content-type', 'application/json')
            .set('stripe-signature', delivery.signature)
            .send(delivery.payload),
        ),
      );
      expect(answers.map((r) => r.status)).toEqual(Array(10).fill(200));
      const tickets = await db.sql.query(
        'SELECT count(*)::int AS n FROM tickets WHERE order_id = $1',
        [orderId],
      );
      expect(tickets.rows[0].n).toBe(2);
      expect(await orderStatus(db, orderId)).toBe('PAID');
      await expectMoneyInvariant(db);
    } finally {
      await other.close();
    }
  });

  describe('the webhook endpoint', () => {
    it('refuses a bad, missing or stale signature with 400 and changes nothing', async () => {
      const orderId = await heldOrder(1);
      const pending = await payOrder(api, buyer, orderId, 'pm_card_authenticationRequired');
      const succeeded = fake.completeAction(intentOf(pending.body.payment.id)!.id);
      const forged = signed('payment_intent.succeeded', succeeded, 'whsec_someone_else');
      const bad = await deliver(forged);
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ code: 'webhook-signature-invalid' });
      expect((await deliver({ payload: forged.payload })).status).toBe(400);
      const good = signed('payment_intent.succeeded', succeeded);
      expect(
        (
          await deliver({
            payload: good.payload.replace('"livemode":false', '"livemode":true'),
            signature: good.signature,
          })
        ).status,
      ).toBe(400);
      const old = Stripe.webhooks.generateTestHeaderString({
        payload: good.payload,
        secret: WEBHOOK_SECRET,
        timestamp: Math.floor(Date.now() / 1000) - 3600,
      });
      expect((await deliver({ payload: good.payload, signature: old })).status).toBe(400);
      expect(await orderStatus(db, orderId)).toBe('PENDING');
      expect((await deliver(good)).status).toBe(200);
      expect(await orderStatus(db, orderId)).toBe('PAID');
    });

    it('acknowledges a PaymentIntent that is not ours (another integration’s metadata) and leaves it alone', async () => {
      const orderId = await heldOrder(1);
      const pending = await payOrder(api, buyer, orderId, 'pm_card_authenticationRequired');
      const intent = fake.completeAction(intentOf(pending.body.payment.id)!.id);
      const theirs = { ...intent, metadata: { payment_id: 'order-4711' } };
      expect((await deliver(signed('payment_intent.succeeded', theirs))).status).toBe(200);
      expect(await orderStatus(db, orderId)).toBe('PENDING');
      expect((await deliver(signed('payment_intent.succeeded', intent))).status).toBe(200);
      expect(await orderStatus(db, orderId)).toBe('PAID');
    });

    it('acknowledges events it does not act on, and ignores an amount that is not what was asked', async () => {
      const orderId = await heldOrder(1);
      const pending = await payOrder(api, buyer, orderId, 'pm_card_authenticationRequired');
      const intent = fake.completeAction(intentOf(pending.body.payment.id)!.id);
      expect((await deliver(signed('charge.refunded', intent))).status).toBe(200);
      expect(
        (await deliver(signed('payment_intent.succeeded', { ...intent, amount: 1 }))).status,
      ).toBe(200);
      expect(await orderStatus(db, orderId)).toBe('PENDING');
      // What Stripe itself holds settles it: the reconciler asks, and the amount is right there.
      await settle();
      expect(await orderStatus(db, orderId)).toBe('PAID');
      await expectMoneyInvariant(db);
    });
  });

  describe('refunds and lost answers', () => {
    it('a refund goes through Stripe’s Refund API once, keyed by the refund row, even when its answer is lost', async () => {
      const orderId = await heldOrder();
      expect((await payOrder(api, buyer, orderId, 'pm_card_visa')).status).toBe(200);
      // The refund reaches Stripe, but no answer comes back (the SDK's retries included).
      for (let i = 0; i < 3; i++)
        fake.injectFault({ method: 'POST', path: /^\/v1\/refunds$/ }, 'drop');
      const cancelled = await cancelOrder(api, buyer, orderId);
      expect(cancelled.status).toBe(200);
      expect(cancelled.body).toMatchObject({
        status: 'REFUNDED',
        refundedCents: 5000,
        refundedAt: null,
      });
      const [refund] = (
        await db.sql.query('SELECT id, status, attempts FROM refunds WHERE order_id = $1', [
          orderId,
        ])
      ).rows;
      expect(refund).toMatchObject({ status: 'PENDING', attempts: 1 });
      expect(fake.refunds().filter((r) => r.metadata?.refund_id === refund.id)).toHaveLength(1);

      await db.sql.query('UPDATE refunds SET next_attempt_at = now() WHERE id = $1', [refund.id]);
      await api.app.get(OrderSweeper).sweep();
      const after = await db.sql.query('SELECT status FROM refunds WHERE id = $1', [refund.id]);
      expect(after.rows[0].status).toBe('SUCCEEDED');
      const atStripe = fake.refunds().filter((r) => r.metadata?.refund_id === refund.id);
      expect(atStripe).toHaveLength(1);
      expect(atStripe[0]).toMatchObject({ amount: 5000, status: 'succeeded' });
      expect(
        fake.requests
          .filter((r) => r.path === '/v1/refunds' && r.method === 'POST')
          .map((r) => r.idempotencyKey),
      ).toContain(refund.id);
      await expectMoneyInvariant(db);
    });

    it('a confirmation whose answer is lost is a 202; the reconciler finds the charge and pays the order', async () => {
      const orderId = await heldOrder();
      for (let i = 0; i < 2; i++) fake.injectFault({ method: 'POST', path: /\/confirm$/ }, 'drop');
      const pending = await payOrder(api, buyer, orderId, 'pm_card_visa', 'lost-confirm');
      expect(pending.status).toBe(202);
      expect(pending.body.payment.status).toBe('PROCESSING');
      expect(intentOf(pending.body.payment.id)?.status).toBe('succeeded');
      await settle();
      expect(await orderStatus(db, orderId)).toBe('PAID');
      // The retry with the same key now answers the paid order.
      const retry = await payOrder(api, buyer, orderId, 'pm_card_visa', 'lost-confirm');
      expect(retry.status).toBe(200);
      expect(retry.body.payment.id).toBe(pending.body.payment.id);
      await expectMoneyInvariant(db);
    });

    it('a PaymentIntent created but never confirmed (its answer lost) is found again by the reconciler and cancelled', async () => {
      const orderId = await heldOrder();
      for (let i = 0; i < 3; i++)
        fake.injectFault({ method: 'POST', path: /^\/v1\/payment_intents$/ }, 'drop');
      const pending = await payOrder(api, buyer, orderId, 'pm_card_visa');
      expect(pending.status).toBe(202);
      const paymentId = pending.body.payment.id as string;
      expect(intentOf(paymentId)?.status).toBe('requires_payment_method');
      await settle();
      expect(intentOf(paymentId)?.status).toBe('canceled');
      expect(fake.paymentIntents().filter((i) => i.metadata.payment_id === paymentId)).toHaveLength(
        1,
      );
      const row = await db.sql.query('SELECT status FROM payments WHERE id = $1', [paymentId]);
      expect(row.rows[0].status).toBe('FAILED');
      expect((await payOrder(api, buyer, orderId, 'pm_card_visa')).status).toBe(200);
      await expectMoneyInvariant(db);
    });
  });

  it('the sweepers run by themselves: an attempt left open is settled with no request and no sweep called', async () => {
    const sweeping = await startTestApp(db, {
      env: {
        PAYMENT_PROVIDER: 'stripe',
        STRIPE_SECRET_KEY: fake.secretKey,
        STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
        STRIPE_API_URL: `http://127.0.0.1:${fake.port}`,
        PAYMENT_ATTEMPT_LEASE_SECONDS: '1',
        ORDER_SWEEP_INTERVAL_MS: '100',
      },
    });
    try {
      const orderId = await heldOrder(1);
      for (let i = 0; i < 2; i++) fake.injectFault({ method: 'POST', path: /\/confirm$/ }, 'drop');
      expect((await payOrder(api, buyer, orderId, 'pm_card_visa')).status).toBe(202);
      await waitUntil(async () => (await orderStatus(db, orderId)) === 'PAID', 10_000, 50);
    } finally {
      await sweeping.close();
    }
  });

  it('each attempt is settled through the provider that took it, whichever an instance uses for new ones', async () => {
    const testOnly = await startTestApp(db, {
      env: {
        PAYMENT_PROVIDER: 'test',
        PAYMENT_ATTEMPT_LEASE_SECONDS: '1',
        ORDER_SWEEP_INTERVAL_MS: '0',
      },
    });
    try {
      // A Stripe attempt whose answer was lost: an instance without Stripe leaves it alone.
      const stripeOrder = await heldOrder(1);
      for (let i = 0; i < 2; i++) fake.injectFault({ method: 'POST', path: /\/confirm$/ }, 'drop');
      const stripePaid = await payOrder(api, buyer, stripeOrder, 'pm_card_visa');
      expect(stripePaid.status).toBe(202);
      await db.sql.query('UPDATE payments SET lease_until = now() WHERE order_id = $1', [
        stripeOrder,
      ]);
      await testOnly.app.get(OrderSweeper).sweep();
      const untouched = await db.sql.query('SELECT status FROM payments WHERE order_id = $1', [
        stripeOrder,
      ]);
      expect(untouched.rows[0].status).toBe('PROCESSING');
      // A test-provider attempt whose answer was lost: the Stripe instance settles it through the
      // test provider, and the Stripe one through Stripe.
      const testOrder = await heldOrder(1);
      expect((await payOrder(testOnly, buyer, testOrder, 'tok_lost_answer')).status).toBe(202);
      await db.sql.query("UPDATE payments SET lease_until = now() WHERE status = 'PROCESSING'");
      await api.app.get(OrderSweeper).sweep();
      expect(await orderStatus(db, stripeOrder)).toBe('PAID');
      expect(await orderStatus(db, testOrder)).toBe('PAID');
      await expectMoneyInvariant(db);
    } finally {
      await testOnly.close();
    }
  });

  describe('card testing and late reports in the browser', () => {
    const checkout = (orderId: string) =>
      api.http
        .post(`/api/orders/${orderId}/checkout`)
        .set('authorization', `Bearer ${buyer.accessToken}`)
        .send();

    it('five cards declined in the browser cancel the PaymentIntent, each counted once however often Stripe redelivers it', async () => {
      const orderId = await heldOrder(1);
      const opened = await checkout(orderId);
      const paymentId = opened.body.payment.id as string;
      const intentId = intentOf(paymentId)!.id;
      const declines = async () =>
        (await db.sql.query('SELECT status, declines FROM payments WHERE id = $1', [paymentId]))
          .rows[0];
      for (let i = 0; i < 4; i++) {
        const delivery = signed(
          'payment_intent.payment_failed',
          fake.confirmAsCustomer(intentId, 'pm_card_chargeDeclined'),
        );
        for (let again = 0; again < 2; again++) expect((await deliver(delivery)).status).toBe(200);
      }
      expect(await declines()).toEqual({ status: 'REQUIRES_ACTION', declines: 4 });
      // The fifth: cancelling at Stripe fails just then; the webhook is still a 200, the
      // reconciler cancels at its next sweep.
      for (let i = 0; i < 2; i++) {
        fake.injectFault(
          { method: 'POST', path: /\/cancel$/ },
          { status: 500, body: { error: { type: 'api_error', message: 'down' } } },
        );
      }
      const fifth = signed(
        'payment_intent.payment_failed',
        fake.confirmAsCustomer(intentId, 'pm_card_chargeDeclined'),
      );
      expect((await deliver(fifth)).status).toBe(200);
      expect((await deliver(fifth)).status).toBe(200);
      expect(await declines()).toEqual({ status: 'REQUIRES_ACTION', declines: 5 });
      await api.app.get(OrderSweeper).sweep();
      expect(fake.paymentIntent(intentId)?.status).toBe('canceled');
      expect(await declines()).toEqual({ status: 'FAILED', declines: 5 });
      const again = await checkout(orderId);
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('too-many-declines');
      expect((await payOrder(api, buyer, orderId, 'pm_card_visa')).status).toBe(409);
    });

    it('paid in the browser before the hold ended, its webhook lost: when the hold ends, one sweep makes it PAID', async () => {
      const orderId = await heldOrder(1);
      const opened = await checkout(orderId);
      fake.confirmAsCustomer(intentOf(opened.body.payment.id)!.id, 'pm_card_visa');
      // No webhook arrives. The hold ends, and with it the lease of the payment waiting in the browser.
      await db.sql.query(
        "UPDATE orders SET expires_at = now() - interval '1 second' WHERE id = $1",
        [orderId],
      );
      await db.sql.query('UPDATE payments SET lease_until = now() WHERE order_id = $1', [orderId]);
      await api.app.get(OrderSweeper).sweep();
      expect(await orderStatus(db, orderId)).toBe('PAID');
      const refunds = await db.sql.query(
        'SELECT count(*)::int AS n FROM refunds WHERE order_id = $1',
        [orderId],
      );
      expect(refunds.rows[0].n).toBe(0);
      await expectMoneyInvariant(db);
    });

    it('asked again while Stripe does not answer: 503 with Retry-After, never a 500', async () => {
      const orderId = await heldOrder(1);
      const opened = await checkout(orderId);
      expect(opened.status).toBe(202);
      for (let i = 0; i < 2; i++) {
        fake.injectFault(
          { method: 'POST', path: /^\/v1\/payment_intents$/ },
          {
            status: 500,
            body: { error: { type: 'api_error', message: 'Stripe is having trouble.' } },
          },
        );
      }
      const meanwhile = await checkout(orderId);
      expect(meanwhile.status).toBe(503);
      expect(meanwhile.headers['retry-after']).toBeDefined();
      const later = await checkout(orderId);
      expect(later.status).toBe(202);
      expect(later.body.payment.clientSecret).toBe(opened.body.payment.clientSecret);
      // The buyer walks away: the hold ends and the sweeper cancels the PaymentIntent.
      await settle();
      expect(fake.paymentIntent(intentOf(opened.body.payment.id)!.id)?.status).toBe('canceled');
    });
  });

  describe('refunds Stripe takes time over', () => {
    it('a pending refund is not counted as given back until Stripe says it succeeded', async () => {
      const orderId = await heldOrder(1);
      expect((await payOrder(api, buyer, orderId, 'pm_card_visa')).status).toBe(200);
      fake.holdRefundsPending(true);
      try {
        const cancelled = await cancelOrder(api, buyer, orderId);
        expect(cancelled.body).toMatchObject({
          status: 'REFUNDED',
          refundedCents: 2500,
          refundedAt: null,
        });
      } finally {
        fake.holdRefundsPending(false);
      }
      const [row] = (
        await db.sql.query('SELECT id, status, provider_ref FROM refunds WHERE order_id = $1', [
          orderId,
        ])
      ).rows;
      expect(row).toMatchObject({ status: 'PENDING', provider_ref: expect.stringMatching(/^re_/) });
      // Asked again: still pending, nothing sent twice.
      await settleDue(row.id);
      expect(
        (await db.sql.query('SELECT status FROM refunds WHERE id = $1', [row.id])).rows[0].status,
      ).toBe('PENDING');
      expect(fake.refunds().filter((r) => r.metadata?.refund_id === row.id)).toHaveLength(1);
      fake.settleRefund(row.provider_ref, 'succeeded');
      await settleDue(row.id);
      const done = await db.sql.query(
        'SELECT r.status, o.refunded_at IS NOT NULL AS stamped FROM refunds r JOIN orders o ON o.id = r.order_id WHERE r.id = $1',
        [row.id],
      );
      expect(done.rows).toEqual([{ status: 'SUCCEEDED', stamped: true }]);
      await expectMoneyInvariant(db);
    });

    it('a pending refund that Stripe then fails is made again, under a new key, once', async () => {
      const orderId = await heldOrder(1);
      expect((await payOrder(api, buyer, orderId, 'pm_card_visa')).status).toBe(200);
      fake.holdRefundsPending(true);
      await cancelOrder(api, buyer, orderId);
      fake.holdRefundsPending(false);
      const [row] = (
        await db.sql.query('SELECT id, provider_ref FROM refunds WHERE order_id = $1', [orderId])
      ).rows;
      fake.settleRefund(row.provider_ref, 'failed');
      await settleDue(row.id);
      const atStripe = fake.refunds().filter((r) => r.metadata?.refund_id === row.id);
      expect(atStripe.map((r) => r.status)).toEqual(['failed', 'succeeded']);
      const keys = fake.requests
        .filter((r) => r.path === '/v1/refunds' && r.method === 'POST' && r.status === 200)
        .map((r) => r.idempotencyKey)
        .filter((key) => key?.startsWith(row.id));
      expect(keys).toEqual([row.id, `${row.id}:1`]);
      expect(
        (await db.sql.query('SELECT status FROM refunds WHERE id = $1', [row.id])).rows[0].status,
      ).toBe('SUCCEEDED');
      await expectMoneyInvariant(db);
    });
  });
});
