import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { JwtService } from '@nestjs/jwt';
import {
  signingKey,
  JWT_ALGORITHM,
  JWT_AUDIENCE,
  JWT_ISSUER,
} from '../src/common/auth/jwt.strategy.js';
import { bearer, createEvent, inHours } from './support/events.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createUser, PASSWORD, type TestUser } from './support/users.js';

/** What a client or attacker can send: each answers a 400 problem document, and writes nothing. */
describe('Hostile input (e2e)', () => {
  let db: TestDatabase;
  let api: TestApp;
  let organizer: TestUser;
  let buyer: TestUser;
  let event: Awaited<ReturnType<typeof createEvent>>;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApp(db);
    organizer = await createUser(api, db, 'ADMIN');
    buyer = await createUser(api, db, 'USER');
    event = await createEvent(api, organizer);
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  const rowCounts = async () =>
    (
      await db.sql.query<Record<string, number>>(
        `SELECT (SELECT count(*)::int FROM users) AS users, (SELECT count(*)::int FROM events) AS events,
                (SELECT count(*)::int FROM ticket_types) AS types, (SELECT count(*)::int FROM orders) AS orders,
                (SELECT count(*)::int FROM check_ins) AS scans`,
      )
    ).rows[0];

  const expectValidationProblem = (res: {
    status: number;
    headers: Record<string, string>;
    body: Record<string, unknown>;
  }) => {
    expect({ status: res.status, body: res.body }).toMatchObject({
      status: 400,
      body: {
        status: 400,
        code: expect.stringMatching(/^(validation-failed|bad-request|malformed-json)$/),
      },
    });
    expect(res.headers['content-type']).toContain('application/problem+json');
  };

  describe('a NUL byte in any text', () => {
    const NUL = '\u0000';

    it.each([
      ['listing q', () => api.http.get('/api/events?q=%00')],
      ['listing venue', () => api.http.get('/api/events?venue=a%00b')],
      [
        'login email',
        () =>
          api.http
            .post('/api/auth/login')
            .send({ email: `a${NUL}@example.com`, password: PASSWORD }),
      ],
      [
        'register name',
        () =>
          api.http
            .post('/api/auth/register')
            .send({ email: 'nul@example.com', password: PASSWORD, name: `N${NUL}` }),
      ],
      [
        'event title',
        () =>
          api.http
            .post('/api/events')
            .set('authorization', bearer(organizer))
            .send({
              title: `T${NUL}`,
              venue: 'V',
              startsAt: inHours(48),
              endsAt: inHours(50),
              ticketTypes: [{ name: 'A', priceCents: 100, capacity: 1 }],
            }),
      ],
      [
        'event description on PATCH',
        () =>
          api.http
            .patch(`/api/events/${event.id}`)
            .set('authorization', bearer(organizer))
            .send({ description: `D${NUL}` }),
      ],
      [
        'ticket-type name',
        () =>
          api.http
            .post(`/api/events/${event.id}/ticket-types`)
            .set('authorization', bearer(organizer))
            .send({ name: `X${NUL}`, priceCents: 100, capacity: 1 }),
      ],
      [
        'check-in code',
        () =>
          api.http
            .post(`/api/events/${event.id}/check-ins`)
            .set('authorization', bearer(organizer))
            .send({ code: `c${NUL}` }),
      ],
      [
        'ticket code in the path',
        () => api.http.get('/api/tickets/abc%00def').set('authorization', bearer(buyer)),
      ],
      [
        'a JSON key',
        () =>
          api.http
            .post('/api/auth/login')
            .send({ email: 'a@example.com', password: PASSWORD, [`x${NUL}`]: 1 }),
      ],
    ])('%s: 400, nothing written', async (_name, send) => {
      const before = await rowCounts();
      const res = await send();
      expectValidationProblem(res);
      expect(JSON.stringify(res.body)).toMatch(/NUL|control/i);
      expect(await rowCounts()).toEqual(before);
    });
  });

  describe('deeply nested JSON', () => {
    const arrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
    const objects = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

    it.each([
      ['/api/auth/login', arrays(1_300)],
      ['/api/auth/refresh', objects(2_400)],
      [
        '/api/auth/register',
        `{"email":"d@example.com","password":"password123","name":${arrays(5_000)}}`,
      ],
      ['/api/orders', `{"items":${objects(2_400)}}`],
      ['/api/events', arrays(100_000).slice(0, 60_000)],
    ])('POST %s: 400 before validation, the server keeps answering', async (path, body) => {
      const res = await api.http
        .post(path)
        .set('content-type', 'application/json')
        .set('authorization', bearer(organizer))
        .send(body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: expect.stringMatching(/nested|malformed/) });
      expect((await api.http.get('/api/health')).status).toBe(200);
    });

    it('nesting within the limit still works (an order with items)', async () => {
      const res = await api.http
        .post('/api/orders')
        .set('authorization', bearer(buyer))
        .send({ items: [{ ticketTypeId: event.ticketTypes[0].id, quantity: 1 }] });
      expect(res.status).toBe(201);
    });
  });

  describe('arrays, nulls and numbers where objects belong', () => {
    it.each([
      ['order items', '/api/orders', { items: [[]] }],
      ['order items of null', '/api/orders', { items: [null] }],
      ['order items of numbers', '/api/orders', { items: [1] }],
      [
        'event ticket types',
        '/api/events',
        { title: 'T', venue: 'V', startsAt: inHours(48), endsAt: inHours(50), ticketTypes: [[]] },
      ],
      [
        'event ticket types of strings',
        '/api/events',
        { title: 'T', venue: 'V', startsAt: inHours(48), endsAt: inHours(50), ticketTypes: ['x'] },
      ],
      ['an array as the body', '/api/orders', [{ ticketTypeId: 'x', quantity: 1 }]],
    ])('%s: 400 naming the field, nothing written', async (_name, path, body) => {
      const before = await rowCounts();
      const res = await api.http
        .post(path)
        .set('authorization', bearer(path === '/api/events' ? organizer : buyer))
        .send(body);
      expectValidationProblem(res);
      expect(await rowCounts()).toEqual(before);
    });

    it('PATCH with a null body is a 400', async () => {
      const res = await api.http
        .patch(`/api/events/${event.id}`)
        .set('authorization', bearer(organizer))
        .set('content-type', 'application/json')
        .send('null');
      expectValidationProblem(res);
    });

    it.each(['null', '"text"', '42', 'true', '[]'])(
      'a body of %s on sign-in is a 400',
      async (raw) => {
        const res = await api.http
          .post('/api/auth/login')
          .set('content-type', 'application/json')
          .send(raw);
        expectValidationProblem(res);
      },
    );
  });

  describe('date-times: RFC 3339 with an offset, nothing else', () => {
    const odd = [
      '2027-W22-1T18:00:00Z',
      '2027-152T18:00:00Z',
      '-9999-01-01T00:00:00Z',
      '+002027-06-01T18:00:00Z',
      '2027-06-01T18:00:00',
      '2027-06-01',
      '20270601T180000Z',
      '2027-02-30T18:00:00Z',
      '2027-06-01T24:00:00Z',
      '2027-06-01T18:00:60Z',
      '2027-06-01T18:00Z',
      '2027-06-01T18:00:00+2400',
      '0000-01-01T00:00:00Z',
      '2027-06-01T18:00:00.1234567891Z',
    ];

    it.each(odd)('listing from=%s is a 400', async (value) => {
      const res = await api.http.get('/api/events').query({ from: value });
      expectValidationProblem(res);
      expect(res.body.errors).toEqual([
        { field: 'from', message: expect.stringMatching(/RFC 3339/) },
      ]);
    });

    it.each(odd)('event startsAt/salesStartAt=%s is a 400, nothing written', async (value) => {
      const before = await rowCounts();
      const base = { title: 'T', venue: 'V', startsAt: inHours(48), endsAt: inHours(50) };
      for (const body of [
        { ...base, startsAt: value, ticketTypes: [{ name: 'A', priceCents: 100, capacity: 1 }] },
        { ...base, endsAt: value, ticketTypes: [{ name: 'A', priceCents: 100, capacity: 1 }] },
        {
          ...base,
          ticketTypes: [{ name: 'A', priceCents: 100, capacity: 1, salesStartAt: value }],
        },
        { ...base, ticketTypes: [{ name: 'A', priceCents: 100, capacity: 1, salesEndAt: value }] },
      ]) {
        const res = await api.http
          .post('/api/events')
          .set('authorization', bearer(organizer))
          .send(body);
        expectValidationProblem(res);
      }
      expect(await rowCounts()).toEqual(before);
    });

    it.each([
      '2027-06-01T18:00:00Z',
      '2027-06-01t18:00:00.5z',
      '2027-06-01T18:00:00+02:00',
      '2027-06-01T18:00:00.123456-05:30',
    ])('accepts %s', async (value) => {
      const res = await api.http.get('/api/events').query({ from: value });
      expect(res.status).toBe(200);
    });
  });

  describe('integers are decimal digits', () => {
    it.each([
      '0x10',
      '1e1',
      '+5',
      '5.0',
      ' 5',
      '5 ',
      '',
      '0b1',
      '٥',
      '00000000000000000000005',
      '9'.repeat(400),
    ])('limit=%j is a 400', async (value) => {
      const res = await api.http.get(`/api/events?limit=${encodeURIComponent(value)}`);
      expectValidationProblem(res);
      expect(res.body.errors).toEqual([{ field: 'limit', message: expect.any(String) }]);
    });

    it('limit=5 and page=2 still work', async () => {
      const res = await api.http.get('/api/events?limit=5&page=2');
      expect(res.status).toBe(200);
      expect(res.body.meta).toMatchObject({ page: 2, limit: 5 });
    });

    it.each([[1.5], ['1'], [1e300], [-0.0000001], [Number.MAX_SAFE_INTEGER + 2]])(
      'quantity %j in a body is a 400',
      async (quantity) => {
        const res = await api.http
          .post('/api/orders')
          .set('authorization', bearer(buyer))
          .send({ items: [{ ticketTypeId: event.ticketTypes[0].id, quantity }] });
        expectValidationProblem(res);
      },
    );
  });

  describe('query strings', () => {
    it('a duplicated parameter is one clear 400', async () => {
      const res = await api.http.get('/api/events?limit=5&limit=6');
      expectValidationProblem(res);
      expect(res.body.errors).toEqual([{ field: 'limit', message: expect.stringMatching(/once/) }]);
    });

    it('% and _ in q and venue are literal text, not wildcards', async () => {
      const literal = await createEvent(api, organizer, {
        title: '100% Jazz_Night',
        venue: 'Hall_5%',
      });
      const other = await createEvent(api, organizer, {
        title: '1000 Jazz Nights',
        venue: 'Hall 50',
      });
      const ids = async (query: Record<string, string>) =>
        (
          (await api.http.get('/api/events').query({ ...query, limit: '100' })).body.data as {
            id: string;
          }[]
        ).map((e) => e.id);
      expect(await ids({ q: '100%' })).toEqual([literal.id]);
      expect(await ids({ q: 'Jazz_' })).toEqual([literal.id]);
      expect(await ids({ q: '%' })).toEqual([literal.id]);
      expect(await ids({ venue: 'Hall_' })).toEqual([literal.id]);
      expect(await ids({ venue: 'l_5%' })).toEqual([literal.id]);
      expect(await ids({ q: '\\' })).toEqual([]);
      expect(await ids({ q: 'Jazz N' })).toEqual([other.id]);
    });
  });

  describe('error lists', () => {
    it('6,000 unknown keys answer a short list, not 330 KB', async () => {
      const body = Object.fromEntries(Array.from({ length: 6_000 }, (_, i) => [`k${i}`, 1]));
      const res = await api.http.post('/api/auth/register').send(body);
      expectValidationProblem(res);
      expect(JSON.stringify(res.body).length).toBeLessThan(8_000);
      expect((res.body.errors as unknown[]).length).toBeLessThanOrEqual(20);
      expect(res.body.detail).toMatch(/more/);
    });

    it('one message per field problem', async () => {
      const res = await api.http
        .post('/api/auth/register')
        .send({ email: 1, password: [], name: '' });
      expectValidationProblem(res);
      const fields = (res.body.errors as { field: string }[]).map((e) => e.field);
      expect(fields.sort()).toEqual(['email', 'name', 'password']);
    });
  });

  describe('bytes and encodings', () => {
    /** Bytes exactly as given: supertest would serialise a Buffer declared as JSON. */
    const rawPost = async (path: string, headers: Record<string, string>, body: Buffer) => {
      const server = api.app.getHttpServer();
      if (!server.listening)
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers, body });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    it('invalid UTF-8 in a JSON body is a 400', async () => {
      const body = Buffer.concat([
        Buffer.from('{"email":"a'),
        Buffer.from([0xc3, 0x28, 0xff]),
        Buffer.from(`@example.com","password":"${PASSWORD}"}`),
      ]);
      const res = await rawPost('/api/auth/login', { 'content-type': 'application/json' }, body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        code: 'malformed-json',
        detail: expect.stringMatching(/UTF-8/),
      });
    });

    it.each(['gzip', 'br', 'deflate', 'x-made-up'])(
      'Content-Encoding: %s is a 415',
      async (encoding) => {
        const body = gzipSync(
          Buffer.from(JSON.stringify({ email: 'a@example.com', password: PASSWORD })),
        );
        const res = await rawPost(
          '/api/auth/login',
          { 'content-type': 'application/json', 'content-encoding': encoding },
          body,
        );
        expect(res.status).toBe(415);
        expect(res.body).toMatchObject({ code: 'unsupported-content-encoding' });
      },
    );

    it('Content-Encoding: identity is read as plain', async () => {
      const body = Buffer.from(JSON.stringify({ email: 'nobody@example.com', password: PASSWORD }));
      const res = await rawPost(
        '/api/auth/login',
        { 'content-type': 'application/json', 'content-encoding': 'identity' },
        body,
      );
      expect(res.status).toBe(401);
    });
  });

  describe('tokens signed with the real key but odd claims', () => {
    const sign = (claims: Record<string, unknown>) =>
      new JwtService().signAsync(claims, {
        secret: signingKey(api.config.jwt.secret) as unknown as string,
        algorithm: JWT_ALGORITHM,
        issuer: JWT_ISSUER,
        audience: JWT_AUDIENCE,
        expiresIn: 60,
      });

    it.each([
      ['not a UUID', { sub: 'not-a-uuid', role: 'USER' }],
      ['a NUL byte', { sub: '00000000-0000-4000-8000-000000000000\u0000', role: 'USER' }],
      ['a number', { sub: 42, role: 'USER' }],
      ['an object', { sub: { id: 1 }, role: 'ADMIN' }],
      ['an unknown role', { sub: '00000000-0000-4000-8000-000000000000', role: 'ROOT' }],
    ])('a sub that is %s: 401 on every kind of route', async (_name, claims) => {
      const token = await sign(claims);
      for (const res of [
        await api.http.get('/api/auth/me').set('authorization', `Bearer ${token}`),
        await api.http.get('/api/orders').set('authorization', `Bearer ${token}`),
        await api.http.get(`/api/events/${event.id}/stats`).set('authorization', `Bearer ${token}`),
        await api.http
          .post('/api/orders')
          .set('authorization', `Bearer ${token}`)
          .send({ items: [{ ticketTypeId: event.ticketTypes[0].id, quantity: 1 }] }),
      ]) {
        expect(res.status).toBe(401);
        expect(res.body).toMatchObject({ status: 401 });
      }
    });
  });
});
