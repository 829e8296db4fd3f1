import { bearer, createEvent } from './support/events.js';
import { payOrder, placeOrder } from './support/orders.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createUser, type TestUser } from './support/users.js';

/** Names for tickets before they exist: on a pending order, or with its payment. */
describe('Attendee names given before payment (e2e, real PostgreSQL)', () => {
  let db: TestDatabase;
  let api: TestApp;
  let organizer: TestUser;
  let buyer: TestUser;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApp(db, { env: { ORDER_SWEEP_INTERVAL_MS: '0' } });
    organizer = await createUser(api, db, 'ADMIN');
    buyer = await createUser(api, db, 'USER', 'Bea Buyer');
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  const twoTypes = (extra: Record<string, unknown> = {}) =>
    createEvent(api, organizer, {
      ticketTypes: [
        { name: 'Standard', priceCents: 2500, capacity: 10 },
        { name: 'VIP', priceCents: 9000, capacity: 10 },
      ],
      ...extra,
    });

  const name = (orderId: string, attendees: unknown, who = buyer) =>
    api.http
      .put(`/api/orders/${orderId}/attendees`)
      .set('authorization', bearer(who))
      .send({ attendees });

  async function namesOfTickets(orderId: string) {
    const { rows } = await db.sql.query<{
      type: string;
      attendee_name: string | null;
      attendee_email: string | null;
    }>(
      `SELECT tt.name AS type, t.attendee_name, t.attendee_email
         FROM tickets t JOIN ticket_types tt ON tt.id = t.ticket_type_id
        WHERE t.order_id = $1 ORDER BY tt.name, t.attendee_name NULLS LAST`,
      [orderId],
    );
    return rows;
  }

  it('names given on the pending order go to its tickets when paid; the rest are the buyer’s', async () => {
    const event = await twoTypes();
    const [standard, vip] = event.ticketTypes.map((t) => t.id);
    const held = await placeOrder(api, buyer, [
      { ticketTypeId: standard, quantity: 2 },
      { ticketTypeId: vip, quantity: 1 },
    ]);
    const named = await name(held.body.id, [
      { ticketTypeId: standard, name: ' Ada ', email: 'ADA@example.com' },
      { ticketTypeId: vip, name: 'Grace' },
    ]);
    expect(named.status).toBe(200);
    expect(named.body.attendees).toEqual([
      { ticketTypeId: standard, name: 'Ada', email: 'ada@example.com' },
      { ticketTypeId: vip, name: 'Grace', email: null },
    ]);
    expect((await payOrder(api, buyer, held.body.id)).status).toBe(200);
    expect(await namesOfTickets(held.body.id)).toEqual([
      { type: 'Standard', attendee_name: 'Ada', attendee_email: 'ada@example.com' },
      { type: 'Standard', attendee_name: null, attendee_email: null },
      { type: 'VIP', attendee_name: 'Grace', attendee_email: null },
    ]);
    const tickets = await api.http
      .get('/api/tickets?limit=100')
      .set('authorization', bearer(buyer));
    const names = (tickets.body.data as { orderId: string; attendeeName: string }[])
      .filter((t) => t.orderId === held.body.id)
      .map((t) => t.attendeeName)
      .sort();
    expect(names).toEqual(['Ada', 'Bea Buyer', 'Grace']);
    const late = await name(held.body.id, [{ ticketTypeId: standard, name: 'Too late' }]);
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('order-not-pending');
  });

  it('refuses names that do not fit the order, and another buyer’s order; nothing is stored', async () => {
    const event = await twoTypes();
    const [standard, vip] = event.ticketTypes.map((t) => t.id);
    const held = await placeOrder(api, buyer, [{ ticketTypeId: standard, quantity: 1 }]);
    const tooMany = await name(held.body.id, [
      { ticketTypeId: standard, name: 'One' },
      { ticketTypeId: standard, name: 'Two' },
    ]);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors[0].field).toBe('attendees');
    expect((await name(held.body.id, [{ ticketTypeId: vip, name: 'Wrong type' }])).status).toBe(
      400,
    );
    expect((await name(held.body.id, [[]])).status).toBe(400);
    expect((await name(held.body.id, [{ ticketTypeId: standard, name: '' }])).status).toBe(400);
    const stranger = await createUser(api, db);
    expect(
      (await name(held.body.id, [{ ticketTypeId: standard, name: 'X' }], stranger)).status,
    ).toBe(404);
    const { rows } = await db.sql.query('SELECT attendees FROM orders WHERE id = $1', [
      held.body.id,
    ]);
    expect(rows[0].attendees).toBeNull();
  });

  it('an event that requires names refuses to open a payment until every ticket is named', async () => {
    const event = await twoTypes({ requireAttendeeNames: true });
    expect(event.requireAttendeeNames).toBe(true);
    const [standard] = event.ticketTypes.map((t) => t.id);
    const held = await placeOrder(api, buyer, [{ ticketTypeId: standard, quantity: 2 }]);
    const refused = await payOrder(api, buyer, held.body.id);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'attendee-names-required', tickets: 2, named: 0 });
    await name(held.body.id, [{ ticketTypeId: standard, name: 'Only one' }]);
    const half = await payOrder(api, buyer, held.body.id);
    expect(half.body).toMatchObject({ code: 'attendee-names-required', tickets: 2, named: 1 });
    const { rows } = await db.sql.query(
      'SELECT count(*)::int AS n FROM payments WHERE order_id = $1',
      [held.body.id],
    );
    expect(rows[0].n).toBe(0);

    const paid = await api.http
      .post(`/api/orders/${held.body.id}/pay`)
      .set('authorization', bearer(buyer))
      .send({
        paymentToken: 'tok_visa',
        attendees: [
          { ticketTypeId: standard, name: 'First' },
          { ticketTypeId: standard, name: 'Second', email: 'second@example.com' },
        ],
      });
    expect(paid.status).toBe(200);
    expect(paid.body.status).toBe('PAID');
    expect(await namesOfTickets(held.body.id)).toEqual([
      { type: 'Standard', attendee_name: 'First', attendee_email: null },
      { type: 'Standard', attendee_name: 'Second', attendee_email: 'second@example.com' },
    ]);
  });

  it('a free order of an event that requires names is held to it too', async () => {
    const event = await createEvent(api, organizer, {
      requireAttendeeNames: true,
      ticketTypes: [{ name: 'Free', priceCents: 0, capacity: 5 }],
    });
    const typeId = event.ticketTypes[0].id;
    const held = await placeOrder(api, buyer, [{ ticketTypeId: typeId, quantity: 1 }]);
    expect((await payOrder(api, buyer, held.body.id)).status).toBe(409);
    await name(held.body.id, [{ ticketTypeId: typeId, name: 'Free Rider' }]);
    const paid = await payOrder(api, buyer, held.body.id);
    expect(paid.status).toBe(200);
    expect(await namesOfTickets(held.body.id)).toEqual([
      { type: 'Free', attendee_name: 'Free Rider', attendee_email: null },
    ]);
  });
});
