import { OrderSweeper } from '../../src/modules/orders/order-sweeper.js';
import { ChildInstance } from '../support/child-instance.js';
import { bearer, createEvent } from '../support/events.js';
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

const LEASE_SECONDS = 1;

/**
 * Failures after the provider took the money (a connection killed, a process killed, an answer
 * lost), and before it: each attempt is settled by the next sweep once its lease has passed,
 * PAID when the order can still take it, refunded when not, and never charged twice.
 */
describe('Nothing lost: payments reconciled after failures (e2e, real PostgreSQL)', () => {
  let db: TestDatabase;
  let api: TestApp;
  let organizer: TestUser;
  let buyer: TestUser;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApp(db, {
      env: { ORDER_SWEEP_INTERVAL_MS: '0', PAYMENT_ATTEMPT_LEASE_SECONDS: String(LEASE_SECONDS) },
    });
    organizer = await createUser(api, db, 'ADMIN');
    buyer = await createUser(api, db, 'USER');
  });
  afterAll(async () => {
    await expectStockInvariant(db);
    await api?.close();
    await db?.drop();
  });

  async function heldOrder(): Promise<string> {
    const event = await createEvent(api, organizer, {
      ticketTypes: [{ name: 'A', priceCents: 3000, capacity: 20 }],
    });
    const held = await placeOrder(api, buyer, [
      { ticketTypeId: event.ticketTypes[0].id, quantity: 1 },
    ]);
    return held.body.id as string;
  }

  async function attemptOf(orderId: string): Promise<{ id: string; status: string }> {
    let row: { id: string; status: string } | undefined;
    await waitUntil(
      async () => {
        row = (await db.sql.query('SELECT id, status FROM payments WHERE order_id = $1', [orderId]))
          .rows[0];
        return row !== undefined;
      },
      10_000,
      10,
    );
    return row!;
  }

  async function providerOutcome(paymentId: string): Promise<string | null> {
    const { rows } = await db.sql.query(
      'SELECT outcome FROM test_provider_payments WHERE payment_id = $1',
      [paymentId],
    );
    return rows[0]?.outcome ?? null;
  }

  /** The attempt's lease passes (it is short here), then one sweep. */
  async function oneSweepAfterTheLease(paymentId: string): Promise<void> {
    await waitUntil(
      async () => {
        const { rows } = await db.sql.query(
          'SELECT lease_until <= now() AS due FROM payments WHERE id = $1',
          [paymentId],
        );
        return rows[0].due === true;
      },
      10_000,
      50,
    );
    await api.app.get(OrderSweeper).sweep();
  }

  /**
   * Holds the attempt's row from outside, so that recording the provider's answer waits on it,
   * and answers once the application's session is waiting there.
   */
  async function stallRecording(paymentId: string) {
    const blocker = await db.sql.connect();
    await blocker.query('BEGIN');
    await blocker.query('SELECT 1 FROM payments WHERE id = $1 FOR UPDATE', [paymentId]);
    let waitingPid = 0;
    await waitUntil(
      async () => {
        const { rows } = await db.sql.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = 'eventflow' AND wait_event_type = 'Lock'`,
        );
        waitingPid = rows[0]?.pid ?? 0;
        return rows.length === 1;
      },
      10_000,
      10,
    );
    return {
      waitingPid,
      release: async () => {
        await blocker.query('ROLLBACK');
        blocker.release();
      },
    };
  }

  it('the connection is killed after the provider approved: 503, and one sweep makes the order PAID', async () => {
    const orderId = await heldOrder();
    const paying = Promise.resolve(payOrder(api, buyer, orderId, 'tok_delay_300'));
    const attempt = await attemptOf(orderId);
    const stalled = await stallRecording(attempt.id);
    await db.sql.query('SELECT pg_terminate_backend($1)', [stalled.waitingPid]);
    const answer = await paying;
    await stalled.release();
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBeDefined();
    expect(await providerOutcome(attempt.id)).toBe('SUCCEEDED');
    expect(await orderStatus(db, orderId)).toBe('PENDING');

    await oneSweepAfterTheLease(attempt.id);
    expect(await orderStatus(db, orderId)).toBe('PAID');
    const tickets = await db.sql.query(
      "SELECT count(*)::int AS n FROM tickets WHERE order_id = $1 AND status = 'VALID'",
      [orderId],
    );
    expect(tickets.rows[0].n).toBe(1);
    await expectMoneyInvariant(db);
  });

  it('the same, and its hold runs out before the sweep: the order waits for its payment and one sweep makes it PAID', async () => {
    const orderId = await heldOrder();
    const paying = Promise.resolve(payOrder(api, buyer, orderId, 'tok_delay_300'));
    const attempt = await attemptOf(orderId);
    const stalled = await stallRecording(attempt.id);
    await db.sql.query('SELECT pg_terminate_backend($1)', [stalled.waitingPid]);
    expect((await paying).status).toBe(503);
    await stalled.release();
    await db.sql.query("UPDATE orders SET expires_at = now() - interval '1 second' WHERE id = $1", [
      orderId,
    ]);
    // Its stock stays held while the attempt is open: expiry passes it over.
    await api.app.get(OrderSweeper).sweepStock();
    expect(await orderStatus(db, orderId)).toBe('PENDING');

    await oneSweepAfterTheLease(attempt.id);
    expect(await orderStatus(db, orderId)).toBe('PAID');
    await expectMoneyInvariant(db);
  });

  it('the same, but the buyer cancels the order before the sweep: one sweep refunds the charge', async () => {
    const orderId = await heldOrder();
    const paying = Promise.resolve(payOrder(api, buyer, orderId, 'tok_delay_300'));
    const attempt = await attemptOf(orderId);
    const stalled = await stallRecording(attempt.id);
    await db.sql.query('SELECT pg_terminate_backend($1)', [stalled.waitingPid]);
    expect((await paying).status).toBe(503);
    await stalled.release();
    expect((await cancelOrder(api, buyer, orderId)).status).toBe(200);

    await oneSweepAfterTheLease(attempt.id);
    expect(await orderStatus(db, orderId)).toBe('CANCELLED');
    const refund = await db.sql.query(
      'SELECT status, reason, amount_cents FROM refunds WHERE payment_id = $1',
      [attempt.id],
    );
    expect(refund.rows).toEqual([
      { status: 'SUCCEEDED', reason: 'NOT_PAYABLE', amount_cents: 3000 },
    ]);
    await expectMoneyInvariant(db);
  });

  it('the provider’s answer is lost: 202, the retry with its key still 202, then one sweep pays and the retry answers 200', async () => {
    const orderId = await heldOrder();
    const first = await payOrder(api, buyer, orderId, 'tok_lost_answer', 'lost-answer');
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ status: 'PENDING', payment: { status: 'PROCESSING' } });
    const retry = await payOrder(api, buyer, orderId, 'tok_lost_answer', 'lost-answer');
    expect(retry.status).toBe(202);
    expect(retry.body.payment.id).toBe(first.body.payment.id);
    // Another click, another key: the attempt is still open, so no second charge.
    const other = await payOrder(api, buyer, orderId, 'tok_visa');
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('payment-in-progress');

    await oneSweepAfterTheLease(first.body.payment.id);
    const settled = await payOrder(api, buyer, orderId, 'tok_lost_answer', 'lost-answer');
    expect(settled.status).toBe(200);
    expect(settled.body).toMatchObject({
      status: 'PAID',
      payment: { id: first.body.payment.id, status: 'SUCCEEDED' },
    });
    await expectMoneyInvariant(db);
  });

  it('the lease runs out while the provider is slow: the sweeper cancels at the provider, the late charge is refused, nothing is taken', async () => {
    const orderId = await heldOrder();
    const paying = Promise.resolve(payOrder(api, buyer, orderId, 'tok_delay_2500'));
    const attempt = await attemptOf(orderId);
    await oneSweepAfterTheLease(attempt.id);
    expect(await providerOutcome(attempt.id)).toBe('CANCELED');
    const answer = await paying;
    expect(answer.status).toBe(502);
    const row = await db.sql.query('SELECT status, declines FROM payments WHERE id = $1', [
      attempt.id,
    ]);
    expect(row.rows).toEqual([{ status: 'FAILED', declines: 0 }]);
    expect((await payOrder(api, buyer, orderId, 'tok_visa')).status).toBe(200);
    await expectMoneyInvariant(db);
  });

  it('a keyed pay refused because another payment is open is not kept: once that one fails, the same key pays', async () => {
    const orderId = await heldOrder();
    const slow = Promise.resolve(payOrder(api, buyer, orderId, 'tok_delay_2500'));
    const first = await attemptOf(orderId);
    const busy = await payOrder(api, buyer, orderId, 'tok_visa', 'second-click');
    expect(busy.status).toBe(409);
    expect(busy.body).toMatchObject({ code: 'payment-in-progress', paymentId: first.id });
    // The slow one's lease runs out: the sweeper cancels it at the provider, and it fails.
    await oneSweepAfterTheLease(first.id);
    expect((await slow).status).toBe(502);
    const retried = await payOrder(api, buyer, orderId, 'tok_visa', 'second-click');
    expect(retried.status).toBe(200);
    expect(retried.body.status).toBe('PAID');
    await expectMoneyInvariant(db);
  });

  describe('a process killed', () => {
    let child: ChildInstance | undefined;
    afterEach(async () => {
      await child?.kill();
      child = undefined;
    });

    /** Another instance of the deployment, in a real process of its own. */
    async function startInstance(): Promise<string> {
      child = await ChildInstance.start(db.url, {
        PAYMENT_ATTEMPT_LEASE_SECONDS: String(LEASE_SECONDS),
      });
      return child.url;
    }

    async function kill(): Promise<void> {
      await child!.kill();
      child = undefined;
    }

    function payThrough(base: string, orderId: string, paymentToken: string) {
      return fetch(`${base}/api/orders/${orderId}/pay`, {
        method: 'POST',
        headers: { authorization: bearer(buyer), 'content-type': 'application/json' },
        body: JSON.stringify({ paymentToken }),
      }).then(
        () => 'answered',
        () => 'no answer',
      );
    }

    it('after the provider approved: another instance’s sweep makes the order PAID', async () => {
      const base = await startInstance();
      const orderId = await heldOrder();
      const paying = payThrough(base, orderId, 'tok_delay_300');
      const attempt = await attemptOf(orderId);
      const stalled = await stallRecording(attempt.id);
      await kill();
      expect(await paying).toBe('no answer');
      await stalled.release();
      expect(await providerOutcome(attempt.id)).toBe('SUCCEEDED');

      await oneSweepAfterTheLease(attempt.id);
      expect(await orderStatus(db, orderId)).toBe('PAID');
      await expectMoneyInvariant(db);
    });

    it('before the provider was called: the sweep cancels at the provider, nothing is charged, and the order can be paid', async () => {
      const base = await startInstance();
      const orderId = await heldOrder();
      const paying = payThrough(base, orderId, 'tok_delay_5000');
      const attempt = await attemptOf(orderId);
      await kill();
      expect(await paying).toBe('no answer');

      await oneSweepAfterTheLease(attempt.id);
      expect(await providerOutcome(attempt.id)).toBe('CANCELED');
      const row = await db.sql.query('SELECT status FROM payments WHERE id = $1', [attempt.id]);
      expect(row.rows[0].status).toBe('FAILED');
      expect((await payOrder(api, buyer, orderId, 'tok_visa')).status).toBe(200);
      await expectMoneyInvariant(db);
    });
  });
});
