import { bearer, createEvent } from './support/events.js';
import { expectMoneyInvariant } from './support/money.js';
import { expectStockInvariant, payOrder, placeOrder } from './support/orders.js';
import { settleMoney } from './support/payments.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createUser, type TestUser } from './support/users.js';

/** An event's team: managers and scanners beside its organizer, read on every request. */
describe('Event team: MANAGER and SCANNER (e2e, real PostgreSQL)', () => {
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

  const addMember = (eventId: string, member: TestUser, role: string, as = organizer) =>
    api.http
      .post(`/api/events/${eventId}/team`)
      .set('authorization', bearer(as))
      .send({ email: member.email.toUpperCase(), role });

  async function paidTicket(eventId: string, ticketTypeId: string): Promise<string> {
    const held = await placeOrder(api, buyer, [{ ticketTypeId, quantity: 1 }]);
    const paid = await payOrder(api, buyer, held.body.id);
    expect(paid.status).toBe(200);
    return (paid.body.tickets as { code: string }[])[0].code;
  }

  const scan = (eventId: string, code: string, who: TestUser) =>
    api.http
      .post(`/api/events/${eventId}/check-ins`)
      .set('authorization', bearer(who))
      .send({ code });

  it('the organizer adds an existing account by email; the team lists it; the row is in SQL', async () => {
    const event = await createEvent(api, organizer);
    const scanner = await createUser(api, db, 'USER', 'Door Staff');
    const added = await addMember(event.id, scanner, 'SCANNER');
    expect(added.status).toBe(201);
    expect(added.headers.location).toBe(`/api/events/${event.id}/team`);
    expect(added.body).toEqual({
      userId: scanner.id,
      email: scanner.email,
      name: 'Door Staff',
      role: 'SCANNER',
      addedAt: expect.any(String),
    });
    const team = await api.http
      .get(`/api/events/${event.id}/team`)
      .set('authorization', bearer(organizer));
    expect(team.status).toBe(200);
    expect(team.body.data).toEqual([added.body]);
    const { rows } = await db.sql.query(
      'SELECT user_id, role FROM event_members WHERE event_id = $1',
      [event.id],
    );
    expect(rows).toEqual([{ user_id: scanner.id, role: 'SCANNER' }]);
  });

  it('refuses an unknown email (404), a second add (409) and the organizer itself (409)', async () => {
    const event = await createEvent(api, organizer);
    const member = await createUser(api, db);
    const unknown = await api.http
      .post(`/api/events/${event.id}/team`)
      .set('authorization', bearer(organizer))
      .send({ email: 'nobody-here@example.com', role: 'MANAGER' });
    expect(unknown.status).toBe(404);
    expect((await addMember(event.id, member, 'MANAGER')).status).toBe(201);
    const again = await addMember(event.id, member, 'SCANNER');
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('already-on-team');
    const self = await addMember(event.id, organizer, 'MANAGER');
    expect(self.status).toBe(409);
    expect(self.body.code).toBe('organizer-not-a-member');
    const bad = await api.http
      .post(`/api/events/${event.id}/team`)
      .set('authorization', bearer(organizer))
      .send({ email: member.email, role: 'ORGANIZER' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ field: 'role', message: 'must be MANAGER or SCANNER' }]);
  });

  it('a SCANNER checks in and sees scans and attendees, but gets 403 on PATCH of the event', async () => {
    const event = await createEvent(api, organizer);
    const scanner = await createUser(api, db);
    await addMember(event.id, scanner, 'SCANNER');
    const code = await paidTicket(event.id, event.ticketTypes[0].id);

    const admitted = await scan(event.id, code, scanner);
    expect(admitted.status).toBe(201);
    const { rows } = await db.sql.query('SELECT scanned_by_id FROM check_ins WHERE code = $1', [
      code,
    ]);
    expect(rows).toEqual([{ scanned_by_id: scanner.id }]);
    const scans = await api.http
      .get(`/api/events/${event.id}/check-ins`)
      .set('authorization', bearer(scanner));
    expect(scans.status).toBe(200);
    expect(scans.body.data).toHaveLength(1);
    const attendees = await api.http
      .get(`/api/events/${event.id}/attendees`)
      .set('authorization', bearer(scanner));
    expect(attendees.status).toBe(200);
    expect(attendees.body.data.map((a: { code: string }) => a.code)).toEqual([code]);

    const patch = await api.http
      .patch(`/api/events/${event.id}`)
      .set('authorization', bearer(scanner))
      .send({ title: 'Hijacked' });
    expect(patch.status).toBe(403);
    expect(patch.body).toMatchObject({ code: 'team-role-insufficient', teamRole: 'SCANNER' });
    for (const path of ['orders', 'stats', 'team']) {
      const res = await api.http
        .get(`/api/events/${event.id}/${path}`)
        .set('authorization', bearer(scanner));
      expect({ path, status: res.status }).toEqual({ path, status: 403 });
    }
    const title = await db.sql.query('SELECT title FROM events WHERE id = $1', [event.id]);
    expect(title.rows[0].title).toBe('Test Event');
  });

  it('a MANAGER edits the event and sees its orders, but cannot cancel it or manage the team', async () => {
    const event = await createEvent(api, organizer);
    const manager = await createUser(api, db);
    const outsider = await createUser(api, db);
    await addMember(event.id, manager, 'MANAGER');

    const patch = await api.http
      .patch(`/api/events/${event.id}`)
      .set('authorization', bearer(manager))
      .send({ title: 'Renamed by the manager' });
    expect(patch.status).toBe(200);
    expect(patch.body.title).toBe('Renamed by the manager');
    const type = await api.http
      .post(`/api/events/${event.id}/ticket-types`)
      .set('authorization', bearer(manager))
      .send({ name: 'VIP', priceCents: 9000, capacity: 10 });
    expect(type.status).toBe(201);
    expect(
      (await api.http.get(`/api/events/${event.id}/stats`).set('authorization', bearer(manager)))
        .status,
    ).toBe(200);
    expect(
      (await api.http.get(`/api/events/${event.id}/orders`).set('authorization', bearer(manager)))
        .status,
    ).toBe(200);

    const cancel = await api.http
      .post(`/api/events/${event.id}/cancel`)
      .set('authorization', bearer(manager));
    expect(cancel.status).toBe(403);
    expect(cancel.body.code).toBe('team-role-insufficient');
    const remove = await api.http
      .delete(`/api/events/${event.id}`)
      .set('authorization', bearer(manager));
    expect(remove.status).toBe(403);
    const addOther = await addMember(event.id, outsider, 'SCANNER', manager);
    expect(addOther.status).toBe(403);
    const state = await db.sql.query('SELECT cancelled_at FROM events WHERE id = $1', [event.id]);
    expect(state.rows[0].cancelled_at).toBeNull();
    const members = await db.sql.query(
      'SELECT count(*)::int AS n FROM event_members WHERE event_id = $1',
      [event.id],
    );
    expect(members.rows[0].n).toBe(1);
  });

  it('a removed manager’s very next request is 403; a changed role applies on the next request', async () => {
    const event = await createEvent(api, organizer);
    const manager = await createUser(api, db);
    await addMember(event.id, manager, 'MANAGER');
    const stats = () =>
      api.http.get(`/api/events/${event.id}/stats`).set('authorization', bearer(manager));
    expect((await stats()).status).toBe(200);

    const demoted = await api.http
      .patch(`/api/events/${event.id}/team/${manager.id}`)
      .set('authorization', bearer(organizer))
      .send({ role: 'SCANNER' });
    expect(demoted.status).toBe(200);
    expect(demoted.body.role).toBe('SCANNER');
    expect((await stats()).status).toBe(403);

    const removed = await api.http
      .delete(`/api/events/${event.id}/team/${manager.id}`)
      .set('authorization', bearer(organizer));
    expect(removed.status).toBe(204);
    const after = await api.http
      .get(`/api/events/${event.id}/check-ins`)
      .set('authorization', bearer(manager));
    expect(after.status).toBe(403);
    expect(after.body.code).toBe('not-your-event');
    const again = await api.http
      .delete(`/api/events/${event.id}/team/${manager.id}`)
      .set('authorization', bearer(organizer));
    expect(again.status).toBe(404);
  });

  it('a demoted organizer keeps no power over its events; its device key stops with it', async () => {
    const former = await createUser(api, db, 'ADMIN');
    const event = await createEvent(api, former);
    const draft = await createEvent(api, former, { published: false });
    const device = await api.http
      .post(`/api/events/${event.id}/device-keys`)
      .set('authorization', bearer(former))
      .send({ name: 'Door' });
    expect(device.status).toBe(201);
    const demoted = await api.http
      .put(`/api/users/${former.id}/role`)
      .set('authorization', bearer(organizer))
      .send({ role: 'USER' });
    expect(demoted.status).toBe(200);

    const patch = await api.http
      .patch(`/api/events/${event.id}`)
      .set('authorization', bearer(former))
      .send({ title: 'Still mine?' });
    expect(patch.status).toBe(403);
    const cancel = await api.http
      .post(`/api/events/${event.id}/cancel`)
      .set('authorization', bearer(former));
    expect(cancel.status).toBe(403);
    const orders = await api.http
      .get(`/api/events/${event.id}/orders`)
      .set('authorization', bearer(former));
    expect(orders.status).toBe(403);
    expect(
      (await api.http.get(`/api/events/${draft.id}`).set('authorization', bearer(former))).status,
    ).toBe(404);
    const log = await api.http
      .get(`/api/events/${event.id}/check-ins`)
      .set('authorization', `Bearer ${device.body.key}`);
    expect(log.status).toBe(403);
    const { rows } = await db.sql.query('SELECT title, cancelled_at FROM events WHERE id = $1', [
      event.id,
    ]);
    expect(rows).toEqual([{ title: 'Test Event', cancelled_at: null }]);
  });

  it('a draft is visible to its team and a 404 to everyone else', async () => {
    const draft = await createEvent(api, organizer, { published: false });
    const scanner = await createUser(api, db);
    await addMember(draft.id, scanner, 'SCANNER');
    expect(
      (await api.http.get(`/api/events/${draft.id}`).set('authorization', bearer(scanner))).status,
    ).toBe(200);
    expect(
      (await api.http.get(`/api/events/${draft.id}`).set('authorization', bearer(buyer))).status,
    ).toBe(404);
    const offTeam = await api.http
      .get(`/api/events/${draft.id}/attendees`)
      .set('authorization', bearer(buyer));
    expect(offTeam.status).toBe(404);
  });

  it('another organizer cannot see or manage an event’s team', async () => {
    const event = await createEvent(api, organizer);
    const member = await createUser(api, db);
    const res = await addMember(event.id, member, 'MANAGER', otherOrganizer);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('not-your-event');
    const list = await api.http
      .get(`/api/events/${event.id}/team`)
      .set('authorization', bearer(otherOrganizer));
    expect(list.status).toBe(403);
  });

  it('a MANAGER reads and refunds an order of the event in full; the order is 404 to others', async () => {
    const event = await createEvent(api, organizer);
    const manager = await createUser(api, db);
    const stranger = await createUser(api, db);
    await addMember(event.id, manager, 'MANAGER');
    const held = await placeOrder(api, buyer, [
      { ticketTypeId: event.ticketTypes[0].id, quantity: 2 },
    ]);
    expect((await payOrder(api, buyer, held.body.id)).status).toBe(200);

    expect(
      (await api.http.get(`/api/orders/${held.body.id}`).set('authorization', bearer(stranger)))
        .status,
    ).toBe(404);
    const read = await api.http
      .get(`/api/orders/${held.body.id}`)
      .set('authorization', bearer(manager));
    expect(read.status).toBe(200);
    expect(read.body.status).toBe('PAID');
    const cancelled = await api.http
      .post(`/api/orders/${held.body.id}/cancel`)
      .set('authorization', bearer(manager));
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'REFUNDED', refundedCents: 5000 });
    const { rows } = await db.sql.query(
      'SELECT reason, amount_cents FROM refunds WHERE order_id = $1',
      [held.body.id],
    );
    expect(rows).toEqual([{ reason: 'CANCELLED_BY_ORGANIZER', amount_cents: 5000 }]);
    await settleMoney(db, [api]);
    await expectMoneyInvariant(db);
    await expectStockInvariant(db);
  });
});
