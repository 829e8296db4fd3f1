import { bearer, createEvent, inHours } from './support/events.js';
import {
  available,
  cancelOrder,
  expectStockInvariant,
  orderStatus,
  payOrder,
  placeOrder,
} from './support/orders.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createUser, type TestUser } from './support/users.js';

describe('Orders and tickets (e2e, real PostgreSQL)', () => {
  let db: TestDatabase;
  let api: TestApp;
  let organizer: TestUser;
  let buyer: TestUser;
  let stranger: TestUser;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApp(db, { env: { ORDER_SWEEP_INTERVAL_MS: '0' } });
    organizer = await createUser(api, db, 'ADMIN');
    buyer = await createUser(api, db, 'USER');
    stranger = await createUser(api, db, 'USER');
  });
  afterAll(async () => {
    await expectStockInvariant(db);
    await api?.close();
    await db?.drop();
  });

  it('holds, pays and issues one ticket per unit', async () => {
    const event = await createEvent(api, organizer, {
      currency: 'EUR',
      ticketTypes: [
        { name: 'Floor', priceCents: 2500, capacity: 10 },
        { name: 'Seat', priceCents: 4000, capacity: 10 },
      ],
    });
    const [floor, seat] = event.ticketTypes;
    const before = Date.now();
    const held = await placeOrder(api, buyer, [
      { ticketTypeId: seat.id, quantity: 1 },
      { ticketTypeId: floor.id, quantity: 2 },
    ]);
    expect(held.status).toBe(201);
    expect(held.body).toEqual({
      id: expect.any(String),
      status: 'PENDING',
      eventId: event.id,
      items: expect.arrayContaining([
        { ticketTypeId: floor.id, name: 'Floor', quantity: 2, unitPriceCents: 2500 },
        { ticketTypeId: seat.id, name: 'Seat', quantity: 1, unitPriceCents: 4000 },
      ]),
      totalCents: 9000,
      currency: 'EUR',
      expiresAt: expect.any(String),
      createdAt: expect.any(String),
      paidAt: null,
      cancelledAt: null,
      refundedCents: 0,
      refundedAt: null,
      tickets: [],
      payment: null,
      attendees: [],
    });
    const holdMs = Date.parse(held.body.expiresAt) - before;
    expect(holdMs).toBeGreaterThan(899_000);
    expect(holdMs).toBeLessThan(905_000);
    expect(await available(db, floor.id)).toBe(8);
    expect(await available(db, seat.id)).toBe(9);
    const live = await api.http.get(`/api/events/${event.id}`);
    expect(live.body.ticketTypes.map((t: { available: number }) => t.available).sort()).toEqual([
      8, 9,
    ]);

    const paid = await payOrder(api, buyer, held.body.id);
    expect(paid.status).toBe(200);
    expect(paid.body).toMatchObject({
      id: held.body.id,
      status: 'PAID',
      paidAt: expect.any(String),
      totalCents: 9000,
      // A paid order holds nothing any more: no live deadline.
      expiresAt: null,
      payment: {
        id: expect.any(String),
        provider: 'test',
        status: 'SUCCEEDED',
        amountCents: 9000,
        currency: 'EUR',
        failureReason: null,
        clientSecret: null,
      },
    });
    expect(paid.body.tickets).toHaveLength(3);
    for (const ticket of paid.body.tickets) {
      expect(ticket).toEqual({
        code: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
        ticketTypeId: expect.any(String),
        eventId: event.id,
        orderId: held.body.id,
        status: 'VALID',
        checkedInAt: null,
      });
    }
    expect(new Set(paid.body.tickets.map((t: { code: string }) => t.code)).size).toBe(3);
    const rows = await db.sql.query(
      'SELECT ticket_type_id, count(*)::int AS n FROM tickets WHERE order_id = $1 GROUP BY 1',
      [held.body.id],
    );
    expect(Object.fromEntries(rows.rows.map((r) => [r.ticket_type_id, r.n]))).toEqual({
      [floor.id]: 2,
      [seat.id]: 1,
    });
    expect(await orderStatus(db, held.body.id)).toBe('PAID');
    // Paying moves held to sold: available does not change again.
    expect(await available(db, floor.id)).toBe(8);

    const fetched = await api.http
      .get(`/api/orders/${held.body.id}`)
      .set('authorization', bearer(buyer));
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual({
      ...paid.body,
      items: fetched.body.items,
      tickets: fetched.body.tickets,
    });
    expect(fetched.body.tickets.map((t: { code: string }) => t.code).sort()).toEqual(
      paid.body.tickets.map((t: { code: string }) => t.code).sort(),
    );

    const mine = await api.http.get('/api/tickets').set('authorization', bearer(buyer));
    expect(mine.status).toBe(200);
    expect(mine.body.meta.total).toBe(3);
    expect(mine.body.data[0].event).toMatchObject({
      id: event.id,
      title: 'Test Event',
      venue: 'Test Hall',
    });

    const code = paid.body.tickets[0].code as string;
    expect(
      (await api.http.get(`/api/tickets/${code}`).set('authorization', bearer(buyer))).status,
    ).toBe(200);
    expect(
      (await api.http.get(`/api/tickets/${code}`).set('authorization', bearer(organizer))).status,
    ).toBe(200);
    expect(
      (await api.http.get(`/api/tickets/${code}`).set('authorization', bearer(stranger))).status,
    ).toBe(404);
  });

  it('another user’s order or ticket is 404, exactly like one that does not exist', async () => {
    const event = await createEvent(api, organizer);
    const held = await placeOrder(api, buyer, [
      { ticketTypeId: event.ticketTypes[0].id, quantity: 1 },
    ]);
    const theirs = await api.http
      .get(`/api/orders/${held.body.id}`)
      .set('authorization', bearer(stranger));
    const nobodys = await api.http
      .get('/api/orders/00000000-0000-4000-8000-000000000000')
      .set('authorization', bearer(stranger));
    expect(theirs.status).toBe(404);
    expect(nobodys.status).toBe(404);
    expect({ ...theirs.body, requestId: 0, instance: 0 }).toEqual({
      ...nobodys.body,
      requestId: 0,
      instance: 0,
    });
    expect((await payOrder(api, stranger, held.body.id)).status).toBe(404);
    expect((await cancelOrder(api, stranger, held.body.id)).status).toBe(404);
    expect(await orderStatus(db, held.body.id)).toBe('PENDING');
    const list = await api.http.get('/api/orders').set('authorization', bearer(stranger));
    expect(list.body.data.map((o: { id: string }) => o.id)).not.toContain(held.body.id);
  });

  it('lists the caller’s orders newest first', async () => {
    const event = await createEvent(api, organizer);
    const first = await placeOrder(api, stranger, [
      { ticketTypeId: event.ticketTypes[0].id, quantity: 1 },
    ]);
    const second = await placeOrder(api, stranger, [
      { ticketTypeId: event.ticketTypes[0].id, quantity: 2 },
    ]);
    const list = await api.http.get('/api/orders?limit=2').set('authorization', bearer(stranger));
    expect(list.status).toBe(200);
    expect(list.body.data.map((o: { id: string }) => o.id)).toEqual([
      second.body.id,
      first.body.id,
    ]);
    expect(list.body.meta).toMatchObject({ page: 1, limit: 2 });
  });

  describe('refusals', () => {
    it('a multi-item order where one item is short holds nothing at all', async () => {
      const event = await createEvent(api, organizer, {
        ticketTypes: [
          { name: 'Plenty', priceCents: 100, capacity: 100 },
          { name: 'Scarce', priceCents: 100, capacity: 2 },
        ],
      });
      const [plenty, scarce] = event.ticketTypes;
      const res = await placeOrder(api, buyer, [
        { ticketTypeId: plenty.id, quantity: 5 },
        { ticketTypeId: scarce.id, quantity: 3 },
      ]);
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ code: 'sold-out', ticketTypeId: scarce.id, available: 2 });
      expect(await available(db, plenty.id)).toBe(100);
      expect(await available(db, scarce.id)).toBe(2);
      const orders = await db.sql.query(
        'SELECT count(*)::int AS n FROM orders WHERE event_id = $1',
        [event.id],
      );
      expect(orders.rows[0].n).toBe(0);
    });

    it.each([
      ['sales not open yet', { salesStartAt: inHours(5) }, 'sales-not-open'],
      ['sales closed', { salesStartAt: inHours(-5), salesEndAt: inHours(-1) }, 'sales-closed'],
      ['over maxPerOrder', { maxPerOrder: 2 }, 'over-max-per-order'],
    ])('answers 422 when %s, holding nothing', async (_case, typeFields, code) => {
      const event = await createEvent(api, organizer, {
        ticketTypes: [{ name: 'A', priceCents: 100, capacity: 10, ...typeFields }],
      });
      const res = await placeOrder(api, buyer, [
        { ticketTypeId: event.ticketTypes[0].id, quantity: 3 },
      ]);
      expect(res.status).toBe(422);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.code).toBe(code);
      expect(await available(db, event.ticketTypes[0].id)).toBe(10);
    });

    it('answers 422 when the event has started or is cancelled', async () => {
      const started = await createEvent(api, organizer);
      await db.sql.query("UPDATE events SET starts_at = now() - interval '1 hour' WHERE id = $1", [
        started.id,
      ]);
      const res = await placeOrder(api, buyer, [
        { ticketTypeId: started.ticketTypes[0].id, quantity: 1 },
      ]);
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('event-started');

      const cancelled = await createEvent(api, organizer);
      expect(
        (
          await api.http
            .post(`/api/events/${cancelled.id}/cancel`)
            .set('authorization', bearer(organizer))
        ).status,
      ).toBe(200);
      const late = await placeOrder(api, buyer, [
        { ticketTypeId: cancelled.ticketTypes[0].id, quantity: 1 },
      ]);
      expect(late.status).toBe(422);
      expect(late.body.code).toBe('event-cancelled');
    });

    it('answers 404 for an unknown ticket type and one of an unpublished event', async () => {
      const unknown = await placeOrder(api, buyer, [
        { ticketTypeId: '00000000-0000-4000-8000-000000000000', quantity: 1 },
      ]);
      expect(unknown.status).toBe(404);
      expect(unknown.body).toMatchObject({
        code: 'ticket-type-not-found',
        ticketTypeId: '00000000-0000-4000-8000-000000000000',
      });
      const draft = await createEvent(api, organizer, { published: false });
      const res = await placeOrder(api, buyer, [
        { ticketTypeId: draft.ticketTypes[0].id, quantity: 1 },
      ]);
      expect(res.status).toBe(404);
      expect(await available(db, draft.ticketTypes[0].id)).toBe(100);
    });

    it('answers 422 for items of two events', async () => {
      const a = await createEvent(api, organizer);
      const b = await createEvent(api, organizer);
      const res = await placeOrder(api, buyer, [
        { ticketTypeId: a.ticketTypes[0].id, quantity: 1 },
        { ticketTypeId: b.ticketTypes[0].id, quantity: 1 },
      ]);
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('items-span-events');
    });

    it.each([
      ['no items', { items: [] }, 'items'],
      [
        'a zero quantity',
        { items: [{ ticketTypeId: '00000000-0000-4000-8000-000000000000', quantity: 0 }] },
        'items[0].quantity',
      ],
      [
        'a fractional quantity',
        { items: [{ ticketTypeId: '00000000-0000-4000-8000-000000000000', quantity: 1.5 }] },
        'items[0].quantity',
      ],
      ['a bad id', { items: [{ ticketTypeId: 'nope', quantity: 1 }] }, 'items[0].ticketTypeId'],
      [
        'a status from the body',
        {
          items: [{ ticketTypeId: '00000000-0000-4000-8000-000000000000', quantity: 1 }],
          status: 'PAID',
        },
        'status',
      ],
      [
        'the same type twice',
        {
          items: [
            { ticketTypeId: '00000000-0000-4000-8000-000000000000', quantity: 1 },
            { ticketTypeId: '00000000-0000-4000-8000-000000000000', quantity: 1 },
          ],
        },
        'items',
      ],
    ])('answers 400 for %s', async (_case, body, field) => {
      const res = await api.http.post('/api/orders').set('authorization', bearer(buyer)).send(body);
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });

    it('needs a signed-in caller', async () => {
      expect((await api.http.post('/api/orders').send({ items: [] })).status).toBe(401);
    });
  });

  describe('paying', () => {
    it('a declined payment answers 402 and the order stays pending with its stock held', async () => {
      const event = await createEvent(api, organizer);
      const typeId = event.ticketTypes[0].id;
      const held = await placeOrder(api, buyer, [{ ticketTypeId: typeId, quantity: 2 }]);
      const declined = await payOrder(api, buyer, held.body.id, 'tok_declined');
      expect(declined.status).toBe(402);
      expect(declined.body.code).toBe('payment-declined');
      expect(await orderStatus(db, held.body.id)).toBe('PENDING');
      expect(await available(db, typeId)).toBe(98);
      const failed = await payOrder(api, buyer, held.body.id, 'tok_error');
      expect(failed.status).toBe(502);
      expect(failed.body.code).toBe('payment-provider-error');
      expect(await orderStatus(db, held.body.id)).toBe('PENDING');
      const tickets = await db.sql.query(
        'SELECT count(*)::int AS n FROM tickets WHERE order_id = $1',
        [held.body.id],
      );
      expect(tickets.rows[0].n).toBe(0);
      expect((await payOrder(api, buyer, held.body.id)).status).toBe(200);
    });

    it('paying twice answers 409 and issues no second set of tickets', async () => {
      const event = await createEvent(api, organizer);
      const held = await placeOrder(api, buyer, [
        { ticketTypeId: event.ticketTypes[0].id, quantity: 1 },
      ]);
      expect((await payOrder(api, buyer, held.body.id)).status).toBe(200);
      const again = await payOrder(api, buyer, held.body.id);
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({
        code: 'order-not-pending',
        status: 409,
        orderStatus: 'PAID',
      });
      const tickets = await db.sql.query(
        'SELECT count(*)::int AS n FROM tickets WHERE order_id = $1',
        [held.body.id],
      );
      expect(tickets.rows[0].n).toBe(1);
    });

    it('a free order is paid without charging anything', async () => {
      const event = await createEvent(api, organizer, {
        ticketTypes: [{ name: 'Free', priceCents: 0, capacity: 5 }],
      });
      const held = await placeOrder(api, buyer, [
        { ticketTypeId: event.ticketTypes[0].id, quantity: 2 },
      ]);
      expect(held.body.totalCents).toBe(0);
      const paid = await payOrder(api, buyer, held.body.id);
      expect(paid.status).toBe(200);
      expect(paid.body.tickets).toHaveLength(2);
    });
  });
});
