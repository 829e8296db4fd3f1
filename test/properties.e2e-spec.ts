import fc from 'fast-check';
import { OrderSweeper } from '../src/modules/orders/order-sweeper.js';
import { bearer, createEvent, inHours } from './support/events.js';
import { expectMoneyInvariant } from './support/money.js';
import { cancelOrder, payOrder, placeOrder, stock } from './support/orders.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createUser, createUsers, type TestUser } from './support/users.js';

/**
 * Property-based tests against the real service and database: fast-check generates the inputs and
 * the sequences of operations, and shrinks any failure to a minimal one.
 */
describe('Money, quantities and the order state machine (property-based, e2e)', () => {
  let db: TestDatabase;
  let api: TestApp;
  let organizer: TestUser;
  let buyers: TestUser[];

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApp(db, { env: { ORDER_SWEEP_INTERVAL_MS: '0' } });
    organizer = await createUser(api, db, 'ADMIN');
    buyers = await createUsers(api, db, 3);
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('a held order costs exactly the sum of quantity × unit price, in integer cents', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            priceCents: fc.integer({ min: 0, max: 1_000_000 }),
            quantity: fc.integer({ min: 1, max: 10 }),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        async (lines) => {
          const event = await createEvent(api, organizer, {
            ticketTypes: lines.map((line, index) => ({
              name: `T${index}`,
              priceCents: line.priceCents,
              capacity: 50,
            })),
          });
          const res = await placeOrder(
            api,
            buyers[0],
            lines.map((line, index) => ({
              ticketTypeId: event.ticketTypes[index].id,
              quantity: line.quantity,
            })),
          );
          expect(res.status).toBe(201);
          const expected = lines.reduce((sum, line) => sum + line.priceCents * line.quantity, 0);
          expect(res.body.totalCents).toBe(expected);
          expect(Number.isInteger(res.body.totalCents)).toBe(true);
          const row = await db.sql.query('SELECT total_cents FROM orders WHERE id = $1', [
            res.body.id,
          ]);
          expect(row.rows[0].total_cents).toBe(expected);
        },
      ),
      { numRuns: 15 },
    );
  });

  it('any price that is not a non-negative integer of cents within bounds is a 400, never stored', async () => {
    const badPrice = fc.oneof(
      fc.integer({ max: -1 }),
      fc.double({ min: 0.001, max: 1e6, noNaN: true }).filter((x) => !Number.isInteger(x)),
      fc.integer({ min: 100_000_001 }),
      fc.constantFrom(Number.NaN, Infinity, '100', null, true, [], {}),
    );
    await fc.assert(
      fc.asyncProperty(badPrice, fc.integer({ min: 1, max: 100 }), async (priceCents, capacity) => {
        const res = await api.http
          .post('/api/events')
          .set('authorization', bearer(organizer))
          .send({
            title: 'P',
            venue: 'V',
            startsAt: inHours(24),
            endsAt: inHours(26),
            ticketTypes: [{ name: 'A', priceCents, capacity }],
          });
        expect(res.status).toBe(400);
      }),
      { numRuns: 40 },
    );
  });

  it('any quantity that is not an integer from 1 to 100 is a 400 and holds nothing', async () => {
    const event = await createEvent(api, organizer, {
      ticketTypes: [{ name: 'A', priceCents: 100, capacity: 1000 }],
    });
    const typeId = event.ticketTypes[0].id;
    const badQuantity = fc.oneof(
      fc.integer({ max: 0 }),
      fc.integer({ min: 101 }),
      fc.double({ noNaN: true }).filter((x) => !Number.isInteger(x)),
      fc.constantFrom('1', null, [], {}),
    );
    await fc.assert(
      fc.asyncProperty(badQuantity, async (quantity) => {
        const res = await api.http
          .post('/api/orders')
          .set('authorization', bearer(buyers[0]))
          .send({ items: [{ ticketTypeId: typeId, quantity }] });
        expect(res.status).toBe(400);
      }),
      { numRuns: 40 },
    );
    const [row] = await stock(db, event.id);
    expect(row.available).toBe(1000);
  });

  type Model = {
    capacity: number;
    orders: {
      id: string;
      buyer: number;
      quantity: number;
      status: 'PENDING' | 'PAID' | 'CANCELLED' | 'EXPIRED' | 'REFUNDED';
      totalCents: number;
      declines: number;
    }[];
  };
  type Real = { eventId: string; typeId: string };

  class Hold implements fc.AsyncCommand<Model, Real> {
    constructor(
      readonly buyer: number,
      readonly quantity: number,
    ) {}
    check = () => true;
    async run(model: Model, real: Real) {
      const res = await placeOrder(api, buyers[this.buyer], [
        { ticketTypeId: real.typeId, quantity: this.quantity },
      ]);
      const committed = model.orders
        .filter((o) => o.status === 'PENDING' || o.status === 'PAID')
        .reduce((sum, o) => sum + o.quantity, 0);
      if (committed + this.quantity <= model.capacity) {
        expect(res.status).toBe(201);
        model.orders.push({
          id: res.body.id,
          buyer: this.buyer,
          quantity: this.quantity,
          status: 'PENDING',
          totalCents: res.body.totalCents,
          declines: 0,
        });
      } else {
        expect(res.status).toBe(409);
        expect(res.body.available).toBe(model.capacity - committed);
      }
    }
    toString = () => `hold(buyer ${this.buyer}, ${this.quantity})`;
  }

  class Pay implements fc.AsyncCommand<Model, Real> {
    constructor(
      readonly index: number,
      readonly token: string,
    ) {}
    check = (model: Readonly<Model>) => model.orders.length > 0;
    async run(model: Model) {
      const order = model.orders[this.index % model.orders.length];
      const res = await payOrder(api, buyers[order.buyer], order.id, this.token);
      if (order.status !== 'PENDING') expect(res.status).toBe(409);
      else if (order.declines >= 5) {
        expect(res.status).toBe(409);
        expect(res.body.code).toBe('too-many-declines');
      } else if (this.token === 'tok_declined') {
        expect(res.status).toBe(402);
        order.declines++;
      } else {
        expect(res.status).toBe(200);
        expect(res.body.tickets).toHaveLength(order.quantity);
        order.status = 'PAID';
      }
    }
    toString = () => `pay(${this.index}, ${this.token})`;
  }

  class Cancel implements fc.AsyncCommand<Model, Real> {
    constructor(
      readonly index: number,
      readonly byOrganizer: boolean,
    ) {}
    check = (model: Readonly<Model>) => model.orders.length > 0;
    async run(model: Model) {
      const order = model.orders[this.index % model.orders.length];
      const res = await cancelOrder(
        api,
        this.byOrganizer ? organizer : buyers[order.buyer],
        order.id,
      );
      if (order.status === 'PENDING' || order.status === 'PAID') {
        expect(res.status).toBe(200);
        order.status = order.status === 'PAID' ? 'REFUNDED' : 'CANCELLED';
        expect(res.body.status).toBe(order.status);
      } else expect(res.status).toBe(409);
    }
    toString = () => `cancel(${this.index}, ${this.byOrganizer ? 'organizer' : 'buyer'})`;
  }

  class Expire implements fc.AsyncCommand<Model, Real> {
    constructor(readonly index: number) {}
    check = (model: Readonly<Model>) => model.orders.length > 0;
    async run(model: Model) {
      const order = model.orders[this.index % model.orders.length];
      await db.sql.query(
        "UPDATE orders SET expires_at = now() - interval '1 second' WHERE id = $1 AND status = 'PENDING'",
        [order.id],
      );
      await api.app.get(OrderSweeper).sweep();
      if (order.status === 'PENDING') order.status = 'EXPIRED';
    }
    toString = () => `expire(${this.index})`;
  }

  it('no sequence of hold, pay, cancel, refund and expire leaves stock or money wrong', async () => {
    const commands = [
      fc
        .tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 4 }))
        .map(([buyer, quantity]) => new Hold(buyer, quantity)),
      fc
        .tuple(fc.nat(), fc.constantFrom('tok_visa', 'tok_declined'))
        .map(([index, token]) => new Pay(index, token)),
      fc
        .tuple(fc.nat(), fc.boolean())
        .map(([index, byOrganizer]) => new Cancel(index, byOrganizer)),
      fc.nat().map((index) => new Expire(index)),
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.commands(commands, { maxCommands: 14 }),
        async (capacity, sequence) => {
          const event = await createEvent(api, organizer, {
            ticketTypes: [{ name: 'S', priceCents: 1234, capacity }],
          });
          const real: Real = { eventId: event.id, typeId: event.ticketTypes[0].id };
          const model: Model = { capacity, orders: [] };
          await fc.asyncModelRun(() => ({ model, real }), sequence);

          const held = model.orders
            .filter((o) => o.status === 'PENDING')
            .reduce((sum, o) => sum + o.quantity, 0);
          const sold = model.orders
            .filter((o) => o.status === 'PAID')
            .reduce((sum, o) => sum + o.quantity, 0);
          expect(await stock(db, event.id)).toEqual([
            { id: real.typeId, capacity, available: capacity - held - sold, held, sold },
          ]);
          const money = await db.sql.query(
            `SELECT coalesce(sum(total_cents) FILTER (WHERE status = 'PAID'), 0)::int AS revenue,
                    coalesce(sum(refunded_cents) FILTER (WHERE status = 'REFUNDED'), 0)::int AS refunded
               FROM orders WHERE event_id = $1`,
            [event.id],
          );
          const refunded = model.orders
            .filter((o) => o.status === 'REFUNDED')
            .reduce((sum, o) => sum + o.totalCents, 0);
          expect(money.rows[0]).toEqual({ revenue: sold * 1234, refunded });
          await expectMoneyInvariant(db);
          const tickets = await db.sql.query(
            `SELECT count(*) FILTER (WHERE t.status = 'VALID')::int AS valid FROM tickets t WHERE t.event_id = $1`,
            [event.id],
          );
          expect(tickets.rows[0].valid).toBe(sold);
        },
      ),
      { numRuns: 20 },
    );
  });
});
