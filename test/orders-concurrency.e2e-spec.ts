import { createEvent } from './support/events.js';
import {
  available,
  expectStockInvariant,
  placeOrder,
  stock,
  statusCounts,
} from './support/orders.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createUser, createUsers, type TestUser } from './support/users.js';

/** Many simultaneous requests against the real database, then the invariants checked in SQL. */
describe('No oversell under concurrency (e2e, real PostgreSQL)', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let organizer: TestUser;

  beforeAll(async () => {
    db = await createTestDatabase();
    a = await startTestApp(db);
    b = await startTestApp(db);
    organizer = await createUser(a, db, 'ADMIN');
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  it('two buyers on the last ticket at the same instant: one 201, one 409', async () => {
    const event = await createEvent(a, organizer, {
      ticketTypes: [{ name: 'Last', priceCents: 100, capacity: 1 }],
    });
    const typeId = event.ticketTypes[0].id;
    const [first, second] = await createUsers(a, db, 2);
    const answers = await Promise.all([
      placeOrder(a, first, [{ ticketTypeId: typeId, quantity: 1 }]),
      placeOrder(b, second, [{ ticketTypeId: typeId, quantity: 1 }]),
    ]);
    expect(answers.map((r) => r.status).sort()).toEqual([201, 409]);
    const refused = answers.find((r) => r.status === 409)!;
    expect(refused.body).toMatchObject({ code: 'sold-out', ticketTypeId: typeId, available: 0 });
    expect(await available(db, typeId)).toBe(0);
    await expectStockInvariant(db);
  });

  it.each([
    ['the batched path', undefined],
    ['the single path (an Idempotency-Key)', 'lost-race-key'],
  ])(
    'a hold on %s that waited on the row while another took the last ticket is refused whole',
    async (_path, key) => {
      const event = await createEvent(a, organizer, {
        ticketTypes: [{ name: 'Last', priceCents: 100, capacity: 1 }],
      });
      const typeId = event.ticketTypes[0].id;
      const [buyer, other] = await createUsers(a, db, 2);
      // Another buyer's hold takes the last ticket and keeps its row lock while ours runs: the
      // single path's snapshot still sees one available, so it inserts its order, then waits on
      // the row and rolls back; the batched path waits for the row lock, then finds none left.
      const rival = await db.sql.connect();
      try {
        await rival.query('BEGIN');
        await rival.query(
          'SELECT eventflow_hold_order(gen_random_uuid(), $1, ARRAY[$2::uuid], ARRAY[1], 900)',
          [other.id, typeId],
        );
        const pending = Promise.resolve(
          placeOrder(a, buyer, [{ ticketTypeId: typeId, quantity: 1 }], key),
        );
        await new Promise((resolve) => setTimeout(resolve, 300));
        await rival.query('COMMIT');
        const res = await pending;
        expect(res.status).toBe(409);
        expect(res.body).toMatchObject({ code: 'sold-out', ticketTypeId: typeId, available: 0 });
      } finally {
        rival.release();
      }
      const orders = await db.sql.query('SELECT user_id FROM orders WHERE event_id = $1', [
        event.id,
      ]);
      expect(orders.rows).toEqual([{ user_id: other.id }]);
      await expectStockInvariant(db);
    },
  );

  async function storm(instances: TestApp[], capacity: number, buyers: number) {
    const event = await createEvent(a, organizer, {
      ticketTypes: [{ name: 'Storm', priceCents: 500, capacity }],
    });
    const typeId = event.ticketTypes[0].id;
    const people = await createUsers(a, db, buyers);
    const quantities = people.map((_, index) => (index % 3) + 1);
    const answers = await Promise.all(
      people.map((person, index) =>
        placeOrder(instances[index % instances.length], person, [
          { ticketTypeId: typeId, quantity: quantities[index] },
        ]),
      ),
    );
    return { event, typeId, answers, quantities };
  }

  it('200 simultaneous buyers of 1–3 tickets each, capacity 50: exactly 50 held, the rest 409', async () => {
    const { event, typeId, answers, quantities } = await storm([a], 50, 200);
    const counts = statusCounts(answers);
    expect(Object.keys(counts).sort()).toEqual(['201', '409']);
    const heldByAnswers = answers.reduce(
      (sum, res, index) => sum + (res.status === 201 ? quantities[index] : 0),
      0,
    );
    const [row] = await stock(db, event.id);
    // Requests for 2 or 3 can be refused while 1 still fits, so "sold out" means no request fits.
    expect(row).toMatchObject({ capacity: 50, held: heldByAnswers, sold: 0 });
    expect(row.available).toBe(50 - heldByAnswers);
    expect(row.available).toBeLessThan(1);
    expect(heldByAnswers).toBe(50);
    for (const refused of answers.filter((r) => r.status === 409)) {
      expect(refused.body).toMatchObject({ code: 'sold-out', ticketTypeId: typeId });
    }
    await expectStockInvariant(db);
  });

  it('the same storm split across two instances sharing the database', async () => {
    const { event, answers, quantities } = await storm([a, b], 50, 200);
    const heldByAnswers = answers.reduce(
      (sum, res, index) => sum + (res.status === 201 ? quantities[index] : 0),
      0,
    );
    expect(Object.keys(statusCounts(answers)).sort()).toEqual(['201', '409']);
    expect(heldByAnswers).toBe(50);
    const [row] = await stock(db, event.id);
    expect(row).toMatchObject({ capacity: 50, available: 0, held: 50, sold: 0 });
    await expectStockInvariant(db);
  });

  it('one account firing 20 simultaneous orders against maxPerBuyer 4 holds at most 4', async () => {
    const event = await createEvent(a, organizer, {
      ticketTypes: [{ name: 'Capped', priceCents: 100, capacity: 100, maxPerBuyer: 4 }],
    });
    const typeId = event.ticketTypes[0].id;
    const greedy = await createUser(a, db, 'USER');
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        placeOrder(index % 2 ? a : b, greedy, [{ ticketTypeId: typeId, quantity: 1 }]),
      ),
    );
    expect(statusCounts(answers)).toEqual({ 201: 4, 422: 16 });
    expect(answers.find((r) => r.status === 422)!.body).toMatchObject({
      code: 'over-max-per-buyer',
      maxPerBuyer: 4,
    });
    const held = await db.sql.query(
      `SELECT coalesce(sum(oi.quantity), 0)::int AS n FROM order_items oi JOIN orders o ON o.id = oi.order_id
        WHERE o.user_id = $1 AND oi.ticket_type_id = $2 AND o.status IN ('PENDING', 'PAID')`,
      [greedy.id, typeId],
    );
    expect(held.rows[0].n).toBe(4);
    expect(await available(db, typeId)).toBe(96);
    await expectStockInvariant(db);
  });

  it('multi-item orders taking types in opposite order neither deadlock nor oversell', async () => {
    const event = await createEvent(a, organizer, {
      ticketTypes: [
        { name: 'X', priceCents: 100, capacity: 30 },
        { name: 'Y', priceCents: 100, capacity: 30 },
      ],
    });
    const [x, y] = event.ticketTypes;
    const people = await createUsers(a, db, 60);
    const answers = await Promise.all(
      people.map((person, index) =>
        placeOrder(
          index % 2 ? a : b,
          person,
          index % 2
            ? [
                { ticketTypeId: x.id, quantity: 1 },
                { ticketTypeId: y.id, quantity: 1 },
              ]
            : [
                { ticketTypeId: y.id, quantity: 1 },
                { ticketTypeId: x.id, quantity: 1 },
              ],
        ),
      ),
    );
    expect(statusCounts(answers)).toEqual({ 201: 30, 409: 30 });
    expect(await available(db, x.id)).toBe(0);
    expect(await available(db, y.id)).toBe(0);
    await expectStockInvariant(db);
  });
});
