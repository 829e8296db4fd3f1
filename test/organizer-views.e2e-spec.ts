import { parse } from 'csv-parse/sync';
import { bearer, createEvent } from './support/events.js';
import { payOrder, placeOrder } from './support/orders.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createUser, type TestUser } from './support/users.js';

const AWKWARD_NAMES = [
  'Smith, John',
  'Ann "the Hammer" O\'Neil',
  'Line\nbreak',
  'Carriage\r\nreturn',
  "=cmd|' /C calc'!A0",
  '+SUM(1,2)',
  '-2+3',
  '@import',
  'Tab\tinside',
  'Zoë Ünïcödé 🎟',
];

/** What a spreadsheet would show for a cell: the apostrophe it adds before a formula is not data. */
const neutralised = (name: string) => (/^[=+\-@\t\r]/.test(name) ? `'${name}` : name);

describe('Organizer views: orders, attendees, CSV export (e2e, real PostgreSQL)', () => {
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

  async function paidOrder(eventId: string, ticketTypeId: string, who = buyer, quantity = 1) {
    const held = await placeOrder(api, who, [{ ticketTypeId, quantity }]);
    const paid = await payOrder(api, who, held.body.id);
    expect(paid.status).toBe(200);
    return {
      orderId: held.body.id as string,
      codes: (paid.body.tickets as { code: string }[]).map((t) => t.code),
    };
  }

  const rename = (code: string, body: Record<string, unknown>, who = buyer) =>
    api.http.patch(`/api/tickets/${code}/attendee`).set('authorization', bearer(who)).send(body);

  it('lists the event’s orders newest first with buyer, items, totals and payment; filters by status and email', async () => {
    const event = await createEvent(api, organizer);
    const typeId = event.ticketTypes[0].id;
    const other = await createUser(api, db, 'USER', 'Otto Other');
    const first = await paidOrder(event.id, typeId);
    const pending = await placeOrder(api, other, [{ ticketTypeId: typeId, quantity: 2 }]);

    const all = await api.http
      .get(`/api/events/${event.id}/orders`)
      .set('authorization', bearer(organizer));
    expect(all.status).toBe(200);
    expect(all.body.meta).toEqual({ page: 1, limit: 20, total: 2, totalPages: 1 });
    expect(all.body.data.map((o: { id: string }) => o.id)).toEqual([
      pending.body.id,
      first.orderId,
    ]);
    expect(all.body.data[1]).toMatchObject({
      status: 'PAID',
      totalCents: 2500,
      items: [{ ticketTypeId: typeId, quantity: 1, unitPriceCents: 2500 }],
      payment: { status: 'SUCCEEDED' },
      buyer: { id: buyer.id, email: buyer.email, name: 'Bea Buyer' },
    });

    const paidOnly = await api.http
      .get(`/api/events/${event.id}/orders?status=PAID`)
      .set('authorization', bearer(organizer));
    expect(paidOnly.body.data.map((o: { id: string }) => o.id)).toEqual([first.orderId]);
    expect(paidOnly.body.meta.total).toBe(1);
    const byEmail = await api.http
      .get(`/api/events/${event.id}/orders?email=${encodeURIComponent(other.email.toUpperCase())}`)
      .set('authorization', bearer(organizer));
    expect(byEmail.body.data.map((o: { id: string }) => o.id)).toEqual([pending.body.id]);
    const badStatus = await api.http
      .get(`/api/events/${event.id}/orders?status=LOST`)
      .set('authorization', bearer(organizer));
    expect(badStatus.status).toBe(400);
  });

  it('lists one attendee row per ticket, the buyer by default', async () => {
    const event = await createEvent(api, organizer);
    const { codes, orderId } = await paidOrder(event.id, event.ticketTypes[0].id, buyer, 2);
    const res = await api.http
      .get(`/api/events/${event.id}/attendees`)
      .set('authorization', bearer(organizer));
    expect(res.status).toBe(200);
    expect(res.body.meta.total).toBe(2);
    expect(res.body.data).toEqual(
      (await inCodeOrder(codes)).map((code) => ({
        code,
        ticketTypeId: event.ticketTypes[0].id,
        ticketTypeName: 'Standard',
        orderId,
        attendeeName: 'Bea Buyer',
        attendeeEmail: buyer.email,
        buyerEmail: buyer.email,
        status: 'VALID',
        checkedInAt: null,
      })),
    );
  });

  it('the buyer names each ticket’s attendee until check-in; null goes back to the buyer', async () => {
    const event = await createEvent(api, organizer);
    const { codes } = await paidOrder(event.id, event.ticketTypes[0].id, buyer, 2);
    const named = await rename(codes[0], { name: '  Grace Hopper ', email: 'Grace@Example.com' });
    expect(named.status).toBe(200);
    expect(named.body).toMatchObject({
      code: codes[0],
      attendeeName: 'Grace Hopper',
      attendeeEmail: 'grace@example.com',
    });
    const stored = await db.sql.query(
      'SELECT attendee_name, attendee_email FROM tickets WHERE code = $1',
      [codes[0]],
    );
    expect(stored.rows).toEqual([
      { attendee_name: 'Grace Hopper', attendee_email: 'grace@example.com' },
    ]);

    const stranger = await createUser(api, db);
    expect((await rename(codes[0], { name: 'Mallory' }, stranger)).status).toBe(404);
    expect((await rename(codes[0], { name: '' })).status).toBe(400);

    const reset = await rename(codes[0], { name: null, email: null });
    expect(reset.body).toMatchObject({ attendeeName: 'Bea Buyer', attendeeEmail: buyer.email });

    const scanned = await api.http
      .post(`/api/events/${event.id}/check-ins`)
      .set('authorization', bearer(organizer))
      .send({ code: codes[1] });
    expect(scanned.status).toBe(201);
    const late = await rename(codes[1], { name: 'Too Late' });
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({
      code: 'already-checked-in',
      checkedInAt: scanned.body.checkedInAt,
    });
    const unchanged = await db.sql.query('SELECT attendee_name FROM tickets WHERE code = $1', [
      codes[1],
    ]);
    expect(unchanged.rows[0].attendee_name).toBeNull();
  });

  it('exports RFC 4180 CSV that a CSV library reads back identically, formulas neutralised', async () => {
    const event = await createEvent(api, organizer);
    const { codes } = await paidOrder(
      event.id,
      event.ticketTypes[0].id,
      buyer,
      AWKWARD_NAMES.length,
    );
    const sorted = await inCodeOrder(codes);
    for (const [i, name] of AWKWARD_NAMES.entries()) {
      expect((await rename(sorted[i], { name, email: `a${i}@example.com` })).status).toBe(200);
    }
    const checked = await api.http
      .post(`/api/events/${event.id}/check-ins`)
      .set('authorization', bearer(organizer))
      .send({ code: sorted[0] });

    const res = await api.http
      .get(`/api/events/${event.id}/attendees.csv`)
      .set('authorization', bearer(organizer))
      .buffer(true)
      .parse((response, done) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => done(null, text));
      });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="attendees-${event.id}.csv"`,
    );
    const text = res.body as string;
    expect(text.endsWith('\r\n')).toBe(true);
    const rows = parse<Record<string, string>>(text, { columns: true });
    expect(rows).toHaveLength(AWKWARD_NAMES.length);
    expect(rows.map((row) => row.attendee_name)).toEqual(AWKWARD_NAMES.map(neutralised));
    expect(rows.map((row) => row.code)).toEqual(sorted);
    expect(rows[0]).toMatchObject({
      ticket_type: 'Standard',
      attendee_email: 'a0@example.com',
      buyer_email: buyer.email,
      status: 'VALID',
      checked_in_at: checked.body.checkedInAt,
    });
    expect(rows[4].attendee_name.startsWith("'=")).toBe(true);
    expect(rows[1].checked_in_at).toBe('');
  });

  it('exports just the header for an event with no tickets, and refuses someone off the team', async () => {
    const event = await createEvent(api, organizer);
    const res = await api.http
      .get(`/api/events/${event.id}/attendees.csv`)
      .set('authorization', bearer(organizer));
    expect(res.status).toBe(200);
    expect(res.text).toBe(
      'code,ticket_type,attendee_name,attendee_email,buyer_email,status,checked_in_at,order_id\r\n',
    );
    const refused = await api.http
      .get(`/api/events/${event.id}/attendees.csv`)
      .set('authorization', bearer(buyer));
    expect(refused.status).toBe(403);
    expect(refused.headers['content-type']).toContain('application/problem+json');
  });

  it('exports more tickets than one batch, each once, in code order', async () => {
    const event = await createEvent(api, organizer, {
      ticketTypes: [{ name: 'Bulk', priceCents: 0, capacity: 2_500, maxPerOrder: 100 }],
    });
    const orderId = await freeOrder(event);
    const { rows: inserted } = await db.sql.query<{ code: string }>(
      `INSERT INTO tickets (code, order_id, ticket_type_id, event_id, user_id)
       SELECT 'bulk-' || lpad(n::text, 6, '0') || '-xxxxxxxx', $4::uuid, $2::uuid, $1::uuid, $3::uuid
         FROM generate_series(1, 2345) n
       RETURNING code`,
      [event.id, event.ticketTypes[0].id, buyer.id, orderId],
    );
    expect(inserted).toHaveLength(2345);
    const res = await api.http
      .get(`/api/events/${event.id}/attendees.csv`)
      .set('authorization', bearer(organizer));
    const rows = parse<{ code: string }>(res.text, { columns: true });
    const { rows: all } = await db.sql.query<{ code: string }>(
      'SELECT code FROM tickets WHERE event_id = $1 ORDER BY code',
      [event.id],
    );
    expect(all).toHaveLength(2346);
    expect(rows.map((row) => row.code)).toEqual(all.map((row) => row.code));
  });

  /** The export's order is the database's order of ticket codes (its collation), not JavaScript's. */
  async function inCodeOrder(codes: string[]): Promise<string[]> {
    const { rows } = await db.sql.query<{ code: string }>(
      'SELECT code FROM tickets WHERE code = ANY($1::text[]) ORDER BY code',
      [codes],
    );
    return rows.map((row) => row.code);
  }

  /** A paid free order of the event, to hang bulk-inserted tickets on. */
  async function freeOrder(event: { id: string; ticketTypes: { id: string }[] }): Promise<string> {
    const held = await placeOrder(api, buyer, [
      { ticketTypeId: event.ticketTypes[0].id, quantity: 1 },
    ]);
    expect((await payOrder(api, buyer, held.body.id)).status).toBe(200);
    return held.body.id as string;
  }
});
