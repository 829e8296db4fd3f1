import { OrderSweeper } from '../src/modules/orders/order-sweeper.js';
import { createEvent } from './support/events.js';
import {
  available,
  expectStockInvariant,
  payOrder,
  placeOrder,
  statusCounts,
} from './support/orders.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createUser, type TestUser } from './support/users.js';

describe('Idempotency-Key (e2e, real PostgreSQL)', () => {
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
    await api?.close();
    await db?.drop();
  });

  async function freshType(capacity = 100) {
    const event = await createEvent(api, organizer, {
      ticketTypes: [{ name: 'A', priceCents: 1500, capacity }],
    });
    return event.ticketTypes[0].id;
  }

  it('a retried POST /api/orders answers the same order and holds stock once', async () => {
    const typeId = await freshType();
    const items = [{ ticketTypeId: typeId, quantity: 2 }];
    const first = await placeOrder(api, buyer, items, 'retry-1');
    const retry = await placeOrder(api, buyer, items, 'retry-1');
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    // The replay says it is one; the first answer does not. Both say where the order is.
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(first.headers.location).toBe(`/api/orders/${first.body.id}`);
    expect(retry.headers.location).toBe(`/api/orders/${first.body.id}`);
    expect(await available(db, typeId)).toBe(98);
    const orders = await db.sql.query(
      'SELECT count(*)::int AS n FROM orders WHERE user_id = $1 AND id = $2',
      [buyer.id, first.body.id],
    );
    expect(orders.rows[0].n).toBe(1);
  });

  it('ten concurrent requests with one key create one order', async () => {
    const typeId = await freshType();
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        placeOrder(api, buyer, [{ ticketTypeId: typeId, quantity: 1 }], 'storm-key'),
      ),
    );
    const counts = statusCounts(answers);
    expect((counts[201] ?? 0) + (counts[409] ?? 0)).toBe(10);
    expect(counts[201]).toBeGreaterThanOrEqual(1);
    const created = new Set(
      answers.filter((r) => r.status === 201).map((r) => r.body.id as string),
    );
    expect(created.size).toBe(1);
    for (const busy of answers.filter((r) => r.status === 409))
      expect(busy.body.code).toBe('idempotency-key-in-use');
    const orders = await db.sql.query(
      'SELECT count(*)::int AS n FROM orders o JOIN order_items oi ON oi.order_id = o.id WHERE oi.ticket_type_id = $1',
      [typeId],
    );
    expect(orders.rows[0].n).toBe(1);
    expect(await available(db, typeId)).toBe(99);
  });

  it('the same key with another body answers 422 and does nothing', async () => {
    const typeId = await freshType();
    expect(
      (await placeOrder(api, buyer, [{ ticketTypeId: typeId, quantity: 1 }], 'body-key')).status,
    ).toBe(201);
    const other = await placeOrder(api, buyer, [{ ticketTypeId: typeId, quantity: 3 }], 'body-key');
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('idempotency-key-reused');
    expect(await available(db, typeId)).toBe(99);
  });

  it('keys are per user: another user’s request with the same key is its own', async () => {
    const typeId = await freshType();
    const other = await createUser(api, db, 'USER');
    const mine = await placeOrder(
      api,
      buyer,
      [{ ticketTypeId: typeId, quantity: 1 }],
      'shared-key',
    );
    const theirs = await placeOrder(
      api,
      other,
      [{ ticketTypeId: typeId, quantity: 1 }],
      'shared-key',
    );
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(mine.body.id);
  });

  it('a refusal is replayed too (same status, same problem)', async () => {
    const typeId = await freshType(1);
    const items = [{ ticketTypeId: typeId, quantity: 2 }];
    const first = await placeOrder(api, buyer, items, 'refusal-key');
    expect(first.status).toBe(409);
    await db.sql.query('UPDATE ticket_types SET capacity = 5, available = 5 WHERE id = $1', [
      typeId,
    ]);
    const retry = await placeOrder(api, buyer, items, 'refusal-key');
    expect(retry.status).toBe(409);
    expect(retry.body).toMatchObject({ code: 'sold-out', available: 1 });
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(await available(db, typeId)).toBe(5);
  });

  it('POST /api/orders/:id/pay replays the paid order, charging and issuing tickets once', async () => {
    const typeId = await freshType();
    const held = await placeOrder(api, buyer, [{ ticketTypeId: typeId, quantity: 2 }]);
    const first = await payOrder(api, buyer, held.body.id, 'tok_visa', 'pay-key');
    const retry = await payOrder(api, buyer, held.body.id, 'tok_visa', 'pay-key');
    expect(first.status).toBe(200);
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    const tickets = await db.sql.query(
      'SELECT count(*)::int AS n FROM tickets WHERE order_id = $1',
      [held.body.id],
    );
    expect(tickets.rows[0].n).toBe(2);
  });

  it('a request still running answers 409 to a second one with its key', async () => {
    const typeId = await freshType();
    const held = await placeOrder(api, buyer, [{ ticketTypeId: typeId, quantity: 1 }]);
    // Supertest sends on then(): start the slow request now, without waiting for it.
    const slow = Promise.resolve(payOrder(api, buyer, held.body.id, 'tok_delay_800', 'slow-key'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const meanwhile = await payOrder(api, buyer, held.body.id, 'tok_delay_800', 'slow-key');
    expect(meanwhile.status).toBe(409);
    expect(meanwhile.body.code).toBe('idempotency-key-in-use');
    expect((await slow).status).toBe(200);
    expect((await payOrder(api, buyer, held.body.id, 'tok_delay_800', 'slow-key')).status).toBe(
      200,
    );
  });

  it('a provider failure frees the key, so the retry runs again', async () => {
    const typeId = await freshType();
    const held = await placeOrder(api, buyer, [{ ticketTypeId: typeId, quantity: 1 }]);
    expect((await payOrder(api, buyer, held.body.id, 'tok_error', 'flaky-key')).status).toBe(502);
    const keys = await db.sql.query(
      "SELECT count(*)::int AS n FROM idempotency_keys WHERE key = 'flaky-key'",
    );
    expect(keys.rows[0].n).toBe(0);
  });

  it('answers 400 for a malformed key', async () => {
    const typeId = await freshType();
    const res = await placeOrder(
      api,
      buyer,
      [{ ticketTypeId: typeId, quantity: 1 }],
      'x'.repeat(256),
    );
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'Idempotency-Key', message: expect.any(String) }]);
  });

  it('keys older than 24 hours are cleaned up, newer ones kept', async () => {
    const typeId = await freshType();
    await placeOrder(api, buyer, [{ ticketTypeId: typeId, quantity: 1 }], 'old-key');
    await placeOrder(api, buyer, [{ ticketTypeId: typeId, quantity: 1 }], 'new-key');
    await db.sql.query(
      "UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'old-key'",
    );
    await db.sql.query(
      "UPDATE idempotency_keys SET created_at = now() - interval '23 hours' WHERE key = 'new-key'",
    );
    await api.app.get(OrderSweeper).cleanUpIdempotencyKeys();
    const left = await db.sql.query(
      "SELECT key FROM idempotency_keys WHERE key IN ('old-key', 'new-key')",
    );
    expect(left.rows.map((r) => r.key)).toEqual(['new-key']);
  });
});
