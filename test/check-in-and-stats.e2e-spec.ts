import { Resvg } from '@resvg/resvg-js';
import jsQRModule from 'jsqr';
import { bearer, createEvent } from './support/events.js';
import { cancelOrder, payOrder, placeOrder, statusCounts } from './support/orders.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createUser, type TestUser } from './support/users.js';

describe('Check-in, QR codes and sales figures (e2e, real PostgreSQL)', () => {
  let db: TestDatabase;
  let api: TestApp;
  let organizer: TestUser;
  let otherOrganizer: TestUser;
  let buyer: TestUser;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApp(db, { env: { ORDER_SWEEP_INTERVAL_MS: '0' } });
    organizer = await createUser(api, db, 'ADMIN');
    otherOrganizer = await createUser(api, db, 'ADMIN');
    buyer = await createUser(api, db, 'USER');
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  /** A paid order of `quantity` tickets of a fresh event; its ticket codes. */
  async function ticketsFor(quantity: number, event?: Awaited<ReturnType<typeof createEvent>>) {
    const target = event ?? (await createEvent(api, organizer));
    const held = await placeOrder(api, buyer, [
      { ticketTypeId: target.ticketTypes[0].id, quantity },
    ]);
    const paid = await payOrder(api, buyer, held.body.id);
    expect(paid.status).toBe(200);
    return {
      event: target,
      orderId: held.body.id as string,
      codes: (paid.body.tickets as { code: string }[]).map((t) => t.code),
    };
  }

  const scan = (eventId: string, code: string, who: TestUser = organizer) =>
    api.http
      .post(`/api/events/${eventId}/check-ins`)
      .set('authorization', bearer(who))
      .send({ code });

  it('admits a ticket once: 201 with checkedInAt, then 409 saying when it was first used', async () => {
    const { event, codes } = await ticketsFor(1);
    const first = await scan(event.id, codes[0]);
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      ticket: {
        code: codes[0],
        ticketTypeId: event.ticketTypes[0].id,
        eventId: event.id,
        orderId: expect.any(String),
        status: 'VALID',
        checkedInAt: first.body.checkedInAt,
      },
      checkedInAt: expect.any(String),
    });
    const second = await scan(event.id, codes[0]);
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({
      code: 'already-checked-in',
      checkedInAt: first.body.checkedInAt,
    });
    expect(second.body.detail).toContain(first.body.checkedInAt);
  });

  it('20 simultaneous scans of one code: exactly one 201 and 19 × 409, logged as one OK and 19 ALREADY_CHECKED_IN', async () => {
    const { event, codes } = await ticketsFor(1);
    const answers = await Promise.all(Array.from({ length: 20 }, () => scan(event.id, codes[0])));
    expect(statusCounts(answers)).toEqual({ 201: 1, 409: 19 });
    const log = await db.sql.query(
      'SELECT result, count(*)::int AS n FROM check_ins WHERE event_id = $1 GROUP BY result ORDER BY result',
      [event.id],
    );
    expect(log.rows).toEqual([
      { result: 'OK', n: 1 },
      { result: 'ALREADY_CHECKED_IN', n: 19 },
    ]);
    const listed = await api.http
      .get(`/api/events/${event.id}/check-ins?limit=100`)
      .set('authorization', bearer(organizer));
    expect(listed.status).toBe(200);
    expect(listed.body.meta.total).toBe(20);
    const times = listed.body.data.map((s: { scannedAt: string }) => Date.parse(s.scannedAt));
    expect(times).toEqual([...times].sort((x, y) => y - x));
    expect(listed.body.data.filter((s: { result: string }) => s.result === 'OK')).toHaveLength(1);
  });

  it('VOID tickets cannot get in: a cancelled order’s, and a cancelled event’s', async () => {
    const refunded = await ticketsFor(1);
    expect((await cancelOrder(api, buyer, refunded.orderId)).status).toBe(200);
    const res = await scan(refunded.event.id, refunded.codes[0]);
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('ticket-void');

    const cancelled = await ticketsFor(2);
    expect(
      (
        await api.http
          .post(`/api/events/${cancelled.event.id}/cancel`)
          .set('authorization', bearer(organizer))
      ).status,
    ).toBe(200);
    for (const code of cancelled.codes)
      expect((await scan(cancelled.event.id, code)).body.code).toBe('ticket-void');
    const log = await db.sql.query('SELECT result FROM check_ins WHERE event_id = $1', [
      cancelled.event.id,
    ]);
    expect(log.rows.map((r) => r.result)).toEqual(['VOID', 'VOID']);
  });

  it('a code of another event, or of no event, is 404 and logged as UNKNOWN', async () => {
    const a = await ticketsFor(1);
    const b = await createEvent(api, organizer);
    const other = await scan(b.id, a.codes[0]);
    expect(other.status).toBe(404);
    const none = await scan(b.id, 'no-such-ticket-code-at-all');
    expect(none.status).toBe(404);
    const log = await db.sql.query(
      'SELECT code, result FROM check_ins WHERE event_id = $1 ORDER BY scanned_at',
      [b.id],
    );
    expect(log.rows).toEqual([
      { code: a.codes[0], result: 'UNKNOWN' },
      { code: 'no-such-ticket-code-at-all', result: 'UNKNOWN' },
    ]);
    const untouched = await db.sql.query('SELECT checked_in_at FROM tickets WHERE code = $1', [
      a.codes[0],
    ]);
    expect(untouched.rows[0].checked_in_at).toBeNull();
  });

  it('another organizer cannot scan (403) and a USER cannot (403); neither can read the log', async () => {
    const { event, codes } = await ticketsFor(1);
    expect((await scan(event.id, codes[0], otherOrganizer)).status).toBe(403);
    expect((await scan(event.id, codes[0], buyer)).status).toBe(403);
    expect(
      (
        await api.http
          .get(`/api/events/${event.id}/check-ins`)
          .set('authorization', bearer(otherOrganizer))
      ).status,
    ).toBe(403);
    const ticket = await db.sql.query('SELECT checked_in_at FROM tickets WHERE code = $1', [
      codes[0],
    ]);
    expect(ticket.rows[0].checked_in_at).toBeNull();
    const log = await db.sql.query('SELECT count(*)::int AS n FROM check_ins WHERE event_id = $1', [
      event.id,
    ]);
    expect(log.rows[0].n).toBe(0);
  });

  it('the QR code image decodes back to the ticket code, for its holder only', async () => {
    const { codes } = await ticketsFor(1);
    const res = await api.http
      .get(`/api/tickets/${codes[0]}/qr`)
      .set('authorization', bearer(buyer))
      .buffer(true)
      .parse((response, done) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => done(null, text));
      });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('image/svg+xml');
    const image = new Resvg(res.body as string, { fitTo: { mode: 'width', value: 400 } }).render();
    // jsqr is CommonJS with a `default` property that is the function itself.
    const decoded = jsQRModule.default(
      new Uint8ClampedArray(image.pixels),
      image.width,
      image.height,
    );
    expect(decoded?.data).toBe(codes[0]);
    expect(
      (await api.http.get(`/api/tickets/${codes[0]}/qr`).set('authorization', bearer(organizer)))
        .status,
    ).toBe(404);
    expect((await api.http.get(`/api/tickets/${codes[0]}/qr`)).status).toBe(401);
  });

  it('sales figures after a scripted mix of holds, payments, cancellations, refunds and scans, to the cent', async () => {
    const event = await createEvent(api, organizer, {
      ticketTypes: [
        { name: 'General', priceCents: 2_550, capacity: 100 },
        { name: 'VIP', priceCents: 12_000, capacity: 10 },
      ],
    });
    const [general, vip] = event.ticketTypes;
    const order = async (items: [string, number][]) =>
      (
        await placeOrder(
          api,
          buyer,
          items.map(([ticketTypeId, quantity]) => ({ ticketTypeId, quantity })),
        )
      ).body.id as string;
    const pay = async (id: string) =>
      (await payOrder(api, buyer, id)).body.tickets as { code: string; ticketTypeId: string }[];

    // 1. Paid: 3 General + 2 VIP. 2. Paid: 4 General. 3. Pending: 5 General + 1 VIP.
    // 4. Pending then cancelled: 6 General. 5. Paid then refunded: 2 VIP + 1 General.
    const o1 = await order([
      [general.id, 3],
      [vip.id, 2],
    ]);
    const t1 = await pay(o1);
    const o2 = await order([[general.id, 4]]);
    const t2 = await pay(o2);
    await order([
      [general.id, 5],
      [vip.id, 1],
    ]);
    const o4 = await order([[general.id, 6]]);
    await cancelOrder(api, buyer, o4);
    const o5 = await order([
      [vip.id, 2],
      [general.id, 1],
    ]);
    const t5 = await pay(o5);
    // Scans: two General and one VIP of order 1, one General of order 2, then one scanned twice,
    // and a refunded ticket refused after its refund.
    const g1 = t1.filter((t) => t.ticketTypeId === general.id);
    const v1 = t1.filter((t) => t.ticketTypeId === vip.id);
    await scan(event.id, g1[0].code);
    await scan(event.id, g1[1].code);
    await scan(event.id, v1[0].code);
    await scan(event.id, t2[0].code);
    await scan(event.id, t2[0].code);
    await cancelOrder(api, buyer, o5);
    await scan(event.id, t5[0].code);

    const res = await api.http
      .get(`/api/events/${event.id}/stats`)
      .set('authorization', bearer(organizer));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      eventId: event.id,
      currency: 'USD',
      // Order 5, refunded in full: what went back, and no fee kept.
      refundedCents: 2 * 12_000 + 2_550,
      refundFeesCents: 0,
      ticketTypes: [
        {
          ticketTypeId: general.id,
          name: 'General',
          capacity: 100,
          available: 88,
          held: 5,
          sold: 7,
          checkedIn: 3,
          revenueCents: 7 * 2_550,
        },
        {
          ticketTypeId: vip.id,
          name: 'VIP',
          capacity: 10,
          available: 7,
          held: 1,
          sold: 2,
          checkedIn: 1,
          revenueCents: 2 * 12_000,
        },
      ],
      total: {
        capacity: 110,
        available: 95,
        held: 6,
        sold: 9,
        checkedIn: 4,
        revenueCents: 7 * 2_550 + 2 * 12_000,
      },
    });
    expect(
      (
        await api.http
          .get(`/api/events/${event.id}/stats`)
          .set('authorization', bearer(otherOrganizer))
      ).status,
    ).toBe(403);
    expect(
      (await api.http.get(`/api/events/${event.id}/stats`).set('authorization', bearer(buyer)))
        .status,
    ).toBe(403);
  });

  it('the figures agree with the orders even while purchases run', async () => {
    const event = await createEvent(api, organizer, {
      ticketTypes: [{ name: 'Busy', priceCents: 100, capacity: 200 }],
    });
    const typeId = event.ticketTypes[0].id;
    const reads: Promise<{
      body: { total: { capacity: number; available: number; held: number; sold: number } };
    }>[] = [];
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 40; i++) {
      writes.push(Promise.resolve(placeOrder(api, buyer, [{ ticketTypeId: typeId, quantity: 1 }])));
      if (i % 4 === 0)
        reads.push(
          Promise.resolve(
            api.http.get(`/api/events/${event.id}/stats`).set('authorization', bearer(organizer)),
          ),
        );
    }
    await Promise.all(writes);
    for (const { body } of await Promise.all(reads)) {
      expect(body.total.available).toBe(body.total.capacity - body.total.held - body.total.sold);
    }
  });
});
