import { createEvent, bearer, inHours } from './support/events.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createUser, type TestUser } from './support/users.js';

const PROBLEM = 'application/problem+json';

describe('Events and ticket types (e2e, real PostgreSQL and Redis)', () => {
  let db: TestDatabase;
  let api: TestApp;
  let organizer: TestUser;
  let otherOrganizer: TestUser;
  let buyer: TestUser;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApp(db);
    organizer = await createUser(api, db, 'ADMIN');
    otherOrganizer = await createUser(api, db, 'ADMIN');
    buyer = await createUser(api, db, 'USER');
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  describe('POST /api/events', () => {
    it('creates an event with its ticket types, available = capacity', async () => {
      const res = await api.http
        .post('/api/events')
        .set('authorization', bearer(organizer))
        .send({
          title: 'Launch',
          venue: 'Dock 5',
          startsAt: '2030-01-10T18:00:00Z',
          endsAt: '2030-01-10T23:00:00+01:00',
          currency: 'EUR',
          ticketTypes: [
            { name: 'Early', priceCents: 1000, capacity: 50, maxPerBuyer: 2 },
            {
              name: 'Late',
              priceCents: 0,
              capacity: 5,
              salesStartAt: '2029-12-01T00:00:00Z',
              salesEndAt: '2030-01-10T17:00:00Z',
            },
          ],
        });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.any(String),
        title: 'Launch',
        description: '',
        venue: 'Dock 5',
        startsAt: '2030-01-10T18:00:00.000Z',
        endsAt: '2030-01-10T22:00:00.000Z',
        currency: 'EUR',
        published: false,
        cancelledAt: null,
        organizerId: organizer.id,
        refundsAllowed: true,
        refundDeadline: null,
        refundFeeCents: 0,
        refundFeePercent: 0,
        requireAttendeeNames: false,
        ticketTypes: [
          {
            id: expect.any(String),
            eventId: res.body.id,
            name: 'Early',
            priceCents: 1000,
            capacity: 50,
            available: 50,
            salesStartAt: null,
            salesEndAt: null,
            maxPerOrder: 10,
            maxPerBuyer: 2,
          },
          {
            id: expect.any(String),
            eventId: res.body.id,
            name: 'Late',
            priceCents: 0,
            capacity: 5,
            available: 5,
            salesStartAt: '2029-12-01T00:00:00.000Z',
            salesEndAt: '2030-01-10T17:00:00.000Z',
            maxPerOrder: 10,
            maxPerBuyer: null,
          },
        ],
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      const rows = await db.sql.query(
        'SELECT capacity, available FROM ticket_types WHERE event_id = $1 ORDER BY capacity',
        [res.body.id],
      );
      expect(rows.rows).toEqual([
        { capacity: 5, available: 5 },
        { capacity: 50, available: 50 },
      ]);
    });

    const valid = () => ({ title: 'T', venue: 'V', startsAt: inHours(24), endsAt: inHours(26) });
    it.each([
      ['startsAt in the past', { startsAt: inHours(-1), endsAt: inHours(2) }, 'startsAt'],
      ['endsAt before startsAt', { startsAt: inHours(5), endsAt: inHours(4) }, 'endsAt'],
      [
        'endsAt equal to startsAt',
        { startsAt: '2031-01-01T00:00:00Z', endsAt: '2031-01-01T00:00:00Z' },
        'endsAt',
      ],
      ['a date without a time zone', { startsAt: '2031-01-01T20:00:00' }, 'startsAt'],
      ['a date that is not a date', { startsAt: 'tomorrow' }, 'startsAt'],
      ['an unknown currency', { currency: 'XYZ' }, 'currency'],
      ['a lower-case currency', { currency: 'usd' }, 'currency'],
      ['an empty title', { title: '' }, 'title'],
      ['an overlong title', { title: 'x'.repeat(201) }, 'title'],
      ['an overlong description', { description: 'x'.repeat(5001) }, 'description'],
      ['a null venue', { venue: null }, 'venue'],
      ['an unknown field', { organizerId: '00000000-0000-0000-0000-000000000000' }, 'organizerId'],
      [
        'fractional cents',
        { ticketTypes: [{ name: 'A', priceCents: 10.5, capacity: 1 }] },
        'ticketTypes[0].priceCents',
      ],
      [
        'negative cents',
        { ticketTypes: [{ name: 'A', priceCents: -1, capacity: 1 }] },
        'ticketTypes[0].priceCents',
      ],
      [
        'cents as a string',
        { ticketTypes: [{ name: 'A', priceCents: '100', capacity: 1 }] },
        'ticketTypes[0].priceCents',
      ],
      [
        'too high a price',
        { ticketTypes: [{ name: 'A', priceCents: 100_000_001, capacity: 1 }] },
        'ticketTypes[0].priceCents',
      ],
      [
        'zero capacity',
        { ticketTypes: [{ name: 'A', priceCents: 1, capacity: 0 }] },
        'ticketTypes[0].capacity',
      ],
      [
        'too large a capacity',
        { ticketTypes: [{ name: 'A', priceCents: 1, capacity: 1_000_001 }] },
        'ticketTypes[0].capacity',
      ],
      [
        'an available count from the body',
        { ticketTypes: [{ name: 'A', priceCents: 1, capacity: 1, available: 1000 }] },
        'ticketTypes[0].available',
      ],
      [
        'a sales window that ends before it starts',
        {
          ticketTypes: [
            {
              name: 'A',
              priceCents: 1,
              capacity: 1,
              salesStartAt: inHours(3),
              salesEndAt: inHours(2),
            },
          ],
        },
        'ticketTypes[0].salesEndAt',
      ],
      [
        'maxPerOrder zero',
        { ticketTypes: [{ name: 'A', priceCents: 1, capacity: 1, maxPerOrder: 0 }] },
        'ticketTypes[0].maxPerOrder',
      ],
      ['ticketTypes not a list', { ticketTypes: 'many' }, 'ticketTypes'],
    ])('answers 400 for %s, naming the field', async (_case, change, field) => {
      const before = await db.sql.query('SELECT count(*)::int AS n FROM events');
      const res = await api.http
        .post('/api/events')
        .set('authorization', bearer(organizer))
        .send({ ...valid(), ...change });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toContain(PROBLEM);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      const after = await db.sql.query('SELECT count(*)::int AS n FROM events');
      expect(after.rows[0].n).toBe(before.rows[0].n);
    });

    it('is for organizers only: USER 403, anonymous 401', async () => {
      const body = { title: 'T', venue: 'V', startsAt: inHours(24), endsAt: inHours(26) };
      expect(
        (await api.http.post('/api/events').set('authorization', bearer(buyer)).send(body)).status,
      ).toBe(403);
      expect((await api.http.post('/api/events').send(body)).status).toBe(401);
    });
  });

  describe('ownership and drafts', () => {
    let draftId: string;
    let publishedId: string;
    beforeAll(async () => {
      draftId = (await createEvent(api, organizer, { published: false })).id;
      publishedId = (await createEvent(api, organizer)).id;
    });

    it('a draft is visible to its organizer and 404 to everyone else', async () => {
      expect(
        (await api.http.get(`/api/events/${draftId}`).set('authorization', bearer(organizer)))
          .status,
      ).toBe(200);
      expect((await api.http.get(`/api/events/${draftId}`)).status).toBe(404);
      expect(
        (await api.http.get(`/api/events/${draftId}`).set('authorization', bearer(buyer))).status,
      ).toBe(404);
      expect(
        (await api.http.get(`/api/events/${draftId}`).set('authorization', bearer(otherOrganizer)))
          .status,
      ).toBe(404);
      expect(
        (
          await api.http
            .patch(`/api/events/${draftId}`)
            .set('authorization', bearer(otherOrganizer))
            .send({ title: 'x' })
        ).status,
      ).toBe(404);
    });

    it('another organizer gets 403 on every organizer route of a published event', async () => {
      const auth = bearer(otherOrganizer);
      const typeId = (await api.http.get(`/api/events/${publishedId}`)).body.ticketTypes[0].id;
      const answers = await Promise.all([
        api.http
          .patch(`/api/events/${publishedId}`)
          .set('authorization', auth)
          .send({ title: 'Hijacked' }),
        api.http.delete(`/api/events/${publishedId}`).set('authorization', auth),
        api.http
          .post(`/api/events/${publishedId}/ticket-types`)
          .set('authorization', auth)
          .send({ name: 'X', priceCents: 1, capacity: 1 }),
        api.http
          .patch(`/api/events/${publishedId}/ticket-types/${typeId}`)
          .set('authorization', auth)
          .send({ capacity: 1 }),
        api.http
          .delete(`/api/events/${publishedId}/ticket-types/${typeId}`)
          .set('authorization', auth),
      ]);
      expect(answers.map((r) => r.status)).toEqual([403, 403, 403, 403, 403]);
      expect(answers[0].body.code).toBe('not-your-event');
      const row = await db.sql.query('SELECT title FROM events WHERE id = $1', [publishedId]);
      expect(row.rows[0].title).toBe('Test Event');
    });

    it('a USER gets 403 on every organizer route', async () => {
      const auth = bearer(buyer);
      const answers = await Promise.all([
        api.http.get('/api/events/mine').set('authorization', auth),
        api.http
          .patch(`/api/events/${publishedId}`)
          .set('authorization', auth)
          .send({ title: 'x' }),
        api.http.delete(`/api/events/${publishedId}`).set('authorization', auth),
        api.http
          .post(`/api/events/${publishedId}/ticket-types`)
          .set('authorization', auth)
          .send({ name: 'X', priceCents: 1, capacity: 1 }),
      ]);
      expect(answers.map((r) => r.status)).toEqual([403, 403, 403, 403]);
    });

    it('GET /api/events/mine lists the caller’s own events, drafts included, and nobody else’s', async () => {
      const mine = await api.http
        .get('/api/events/mine?limit=100')
        .set('authorization', bearer(organizer));
      expect(mine.status).toBe(200);
      const ids = mine.body.data.map((e: { id: string }) => e.id);
      expect(ids).toEqual(expect.arrayContaining([draftId, publishedId]));
      expect(
        mine.body.data.every((e: { organizerId: string }) => e.organizerId === organizer.id),
      ).toBe(true);
      const theirs = await api.http
        .get('/api/events/mine')
        .set('authorization', bearer(otherOrganizer));
      expect(theirs.body).toEqual({
        data: [],
        meta: { page: 1, limit: 20, total: 0, totalPages: 0 },
      });
    });

    it('answers 400 for a malformed id and 404 for an unknown one', async () => {
      const bad = await api.http.get('/api/events/not-a-uuid');
      expect(bad.status).toBe(400);
      expect(bad.body.errors).toEqual([{ field: 'id', message: 'must be a UUID' }]);
      expect((await api.http.get('/api/events/00000000-0000-4000-8000-000000000000')).status).toBe(
        404,
      );
    });
  });

  describe('PATCH /api/events/:id', () => {
    it('changes the fields given and keeps the others', async () => {
      const event = await createEvent(api, organizer);
      const res = await api.http
        .patch(`/api/events/${event.id}`)
        .set('authorization', bearer(organizer))
        .send({ title: 'Renamed', published: false });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ title: 'Renamed', published: false, venue: 'Test Hall' });
    });

    it('applies the date rules to the merged dates', async () => {
      const event = await createEvent(api, organizer, {
        startsAt: inHours(48),
        endsAt: inHours(50),
      });
      const before = await api.http
        .patch(`/api/events/${event.id}`)
        .set('authorization', bearer(organizer))
        .send({ endsAt: inHours(47) });
      expect(before.status).toBe(400);
      expect(before.body.errors).toEqual([{ field: 'endsAt', message: 'must be after startsAt' }]);
      const past = await api.http
        .patch(`/api/events/${event.id}`)
        .set('authorization', bearer(organizer))
        .send({ startsAt: inHours(-2) });
      expect(past.status).toBe(400);
      expect(past.body.errors).toContainEqual({
        field: 'startsAt',
        message: 'must be in the future',
      });
    });

    it('refuses null for a field that cannot be empty', async () => {
      const event = await createEvent(api, organizer);
      const res = await api.http
        .patch(`/api/events/${event.id}`)
        .set('authorization', bearer(organizer))
        .send({ title: null });
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain('title');
    });
  });

  describe('ticket types', () => {
    it('are added, changed and deleted under their event', async () => {
      const event = await createEvent(api, organizer, { ticketTypes: [] });
      const created = await api.http
        .post(`/api/events/${event.id}/ticket-types`)
        .set('authorization', bearer(organizer))
        .send({ name: 'VIP', priceCents: 9900, capacity: 20, maxPerOrder: 4, maxPerBuyer: 4 });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.any(String),
        eventId: event.id,
        name: 'VIP',
        priceCents: 9900,
        capacity: 20,
        available: 20,
        salesStartAt: null,
        salesEndAt: null,
        maxPerOrder: 4,
        maxPerBuyer: 4,
      });
      const changed = await api.http
        .patch(`/api/events/${event.id}/ticket-types/${created.body.id}`)
        .set('authorization', bearer(organizer))
        .send({ capacity: 30, maxPerBuyer: null, priceCents: 12000 });
      expect(changed.status).toBe(200);
      expect(changed.body).toMatchObject({
        capacity: 30,
        available: 30,
        maxPerBuyer: null,
        priceCents: 12000,
      });
      const deleted = await api.http
        .delete(`/api/events/${event.id}/ticket-types/${created.body.id}`)
        .set('authorization', bearer(organizer));
      expect(deleted.status).toBe(204);
      const rows = await db.sql.query('SELECT count(*)::int AS n FROM ticket_types WHERE id = $1', [
        created.body.id,
      ]);
      expect(rows.rows[0].n).toBe(0);
    });

    it('a ticket type of another event is 404 under this one', async () => {
      const a = await createEvent(api, organizer);
      const b = await createEvent(api, organizer);
      const res = await api.http
        .patch(`/api/events/${a.id}/ticket-types/${b.ticketTypes[0].id}`)
        .set('authorization', bearer(organizer))
        .send({ capacity: 5 });
      expect(res.status).toBe(404);
    });

    it('capacity moves available by the same amount and cannot drop below held + sold', async () => {
      const event = await createEvent(api, organizer, {
        ticketTypes: [{ name: 'A', priceCents: 100, capacity: 10 }],
      });
      const typeId = event.ticketTypes[0].id;
      // Seven tickets held or sold, as a purchase would leave the row.
      await db.sql.query('UPDATE ticket_types SET available = 3 WHERE id = $1', [typeId]);

      const up = await api.http
        .patch(`/api/events/${event.id}/ticket-types/${typeId}`)
        .set('authorization', bearer(organizer))
        .send({ capacity: 15 });
      expect(up.status).toBe(200);
      expect(up.body).toMatchObject({ capacity: 15, available: 8 });

      const toExactly = await api.http
        .patch(`/api/events/${event.id}/ticket-types/${typeId}`)
        .set('authorization', bearer(organizer))
        .send({ capacity: 7 });
      expect(toExactly.body).toMatchObject({ capacity: 7, available: 0 });

      const below = await api.http
        .patch(`/api/events/${event.id}/ticket-types/${typeId}`)
        .set('authorization', bearer(organizer))
        .send({ capacity: 6, name: 'Renamed' });
      expect(below.status).toBe(409);
      expect(below.body).toMatchObject({ code: 'capacity-below-committed', heldAndSold: 7 });
      const row = await db.sql.query(
        'SELECT capacity, available, name FROM ticket_types WHERE id = $1',
        [typeId],
      );
      expect(row.rows[0]).toEqual({ capacity: 7, available: 0, name: 'A' });
    });

    it('validates changes: bad cents 400, merged sales window 400', async () => {
      const event = await createEvent(api, organizer, {
        ticketTypes: [{ name: 'A', priceCents: 100, capacity: 10, salesEndAt: inHours(10) }],
      });
      const typeId = event.ticketTypes[0].id;
      const url = `/api/events/${event.id}/ticket-types/${typeId}`;
      expect(
        (
          await api.http
            .patch(url)
            .set('authorization', bearer(organizer))
            .send({ priceCents: 1.5 })
        ).status,
      ).toBe(400);
      expect(
        (await api.http.patch(url).set('authorization', bearer(organizer)).send({ capacity: null }))
          .status,
      ).toBe(400);
      const window = await api.http
        .patch(url)
        .set('authorization', bearer(organizer))
        .send({ salesStartAt: inHours(11) });
      expect(window.status).toBe(400);
      expect(window.body.errors).toEqual([
        { field: 'salesEndAt', message: 'must be after salesStartAt' },
      ]);
    });
  });

  describe('deleting', () => {
    async function placeOrder(eventId: string, ticketTypeId: string, status: string) {
      const { rows } = await db.sql.query(
        `INSERT INTO orders (user_id, event_id, status, total_cents, currency, expires_at, cancelled_at)
         VALUES ($1, $2, $3::"OrderStatus", 100, 'USD', now() + interval '15 minutes', CASE WHEN $3::"OrderStatus" = 'CANCELLED' THEN now() END) RETURNING id`,
        [buyer.id, eventId, status],
      );
      await db.sql.query(
        `INSERT INTO order_items (order_id, ticket_type_id, name, quantity, unit_price_cents) VALUES ($1, $2, 'A', 1, 100)`,
        [rows[0].id, ticketTypeId],
      );
    }

    it('an event nothing was held or sold on is deleted with its ticket types (204)', async () => {
      const event = await createEvent(api, organizer);
      expect(
        (await api.http.delete(`/api/events/${event.id}`).set('authorization', bearer(organizer)))
          .status,
      ).toBe(204);
      const rows = await db.sql.query(
        'SELECT (SELECT count(*) FROM events WHERE id = $1)::int AS e, (SELECT count(*) FROM ticket_types WHERE event_id = $1)::int AS t',
        [event.id],
      );
      expect(rows.rows[0]).toEqual({ e: 0, t: 0 });
      expect((await api.http.get(`/api/events/${event.id}`)).status).toBe(404);
    });

    it('an event or ticket type that ever had a hold is 409, even if the order was later cancelled', async () => {
      const event = await createEvent(api, organizer);
      await placeOrder(event.id, event.ticketTypes[0].id, 'CANCELLED');
      const del = await api.http
        .delete(`/api/events/${event.id}`)
        .set('authorization', bearer(organizer));
      expect(del.status).toBe(409);
      expect(del.body.code).toBe('event-has-orders');
      const delType = await api.http
        .delete(`/api/events/${event.id}/ticket-types/${event.ticketTypes[0].id}`)
        .set('authorization', bearer(organizer));
      expect(delType.status).toBe(409);
      expect(delType.body.code).toBe('ticket-type-has-orders');
      const rows = await db.sql.query('SELECT count(*)::int AS n FROM events WHERE id = $1', [
        event.id,
      ]);
      expect(rows.rows[0].n).toBe(1);
    });

    it('the currency cannot change once tickets were held', async () => {
      const event = await createEvent(api, organizer);
      await placeOrder(event.id, event.ticketTypes[0].id, 'PENDING');
      const res = await api.http
        .patch(`/api/events/${event.id}`)
        .set('authorization', bearer(organizer))
        .send({ currency: 'EUR' });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('currency-locked');
    });

    it('a cancelled event cannot be changed', async () => {
      const event = await createEvent(api, organizer);
      await db.sql.query('UPDATE events SET cancelled_at = now() WHERE id = $1', [event.id]);
      const res = await api.http
        .patch(`/api/events/${event.id}`)
        .set('authorization', bearer(organizer))
        .send({ title: 'x' });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('event-cancelled');
    });
  });

  describe('publishing, as docs/API.md says', () => {
    it('a draft is hidden and not for sale; PATCH {published: true} alone puts it on sale and changes nothing else; false takes it off the listing', async () => {
      const draft = await createEvent(api, organizer, {
        title: 'Draft to publish',
        published: false,
        description: 'Kept as written',
        currency: 'EUR',
      });
      const typeId = draft.ticketTypes[0].id;
      const listed = async () =>
        (
          (await api.http.get('/api/events?q=Draft%20to%20publish')).body.data as { id: string }[]
        ).map((event) => event.id);
      const hold = () =>
        api.http
          .post('/api/orders')
          .set('authorization', bearer(buyer))
          .send({ items: [{ ticketTypeId: typeId, quantity: 1 }] });
      expect(await listed()).toEqual([]);
      expect((await api.http.get(`/api/events/${draft.id}`)).status).toBe(404);
      expect((await hold()).status).toBe(404);

      const published = await api.http
        .patch(`/api/events/${draft.id}`)
        .set('authorization', bearer(organizer))
        .send({ published: true });
      expect(published.status).toBe(200);
      expect(published.body).toMatchObject({
        published: true,
        description: 'Kept as written',
        currency: 'EUR',
        title: 'Draft to publish',
      });
      expect(await listed()).toEqual([draft.id]);
      expect((await hold()).status).toBe(201);

      const unpublished = await api.http
        .patch(`/api/events/${draft.id}`)
        .set('authorization', bearer(organizer))
        .send({ published: false });
      expect(unpublished.status).toBe(200);
      expect(await listed()).toEqual([]);
      const held = await db.sql.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM orders o JOIN order_items i ON i.order_id = o.id
          WHERE i.ticket_type_id = $1 AND o.status = 'PENDING'`,
        [typeId],
      );
      expect(held.rows[0].n).toBe(1);
    });
  });
});
