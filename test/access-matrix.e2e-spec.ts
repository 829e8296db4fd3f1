import { randomBytes, randomUUID } from 'node:crypto';
import type { ApiKeyScope } from '../src/common/auth/api-key-scopes.js';
import { bearer, createEvent } from './support/events.js';
import { placeOrder } from './support/orders.js';
import { declaredRoutes, type DeclaredRoute } from './support/routes.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createUser, type TestUser } from './support/users.js';

type TeamRole = 'MANAGER' | 'SCANNER';

/**
 * Who may call each route, written here independently of the code: the team roles an event-scoped
 * route admits beside its organizer, the one API key scope a route takes (null: no key), and the
 * routes only the deployment's METRICS_TOKEN opens (every account and key gets 401 there).
 * A route the application serves that is missing here fails the test.
 */
const RULES: Record<
  string,
  { team?: TeamRole[]; scope: ApiKeyScope | null; metricsTokenOnly?: true }
> = {
  'GET /metrics': { scope: null, metricsTokenOnly: true },
  'PUT /api/users/:id/role': { scope: null },
  'POST /api/auth/logout': { scope: null },
  'GET /api/auth/me': { scope: null },
  'POST /api/events': { scope: 'events:write' },
  'GET /api/events/mine': { scope: 'events:read' },
  'PATCH /api/events/:id': { team: ['MANAGER'], scope: 'events:write' },
  'DELETE /api/events/:id': { team: [], scope: 'events:write' },
  'POST /api/events/:id/ticket-types': { team: ['MANAGER'], scope: 'events:write' },
  'PATCH /api/events/:id/ticket-types/:ticketTypeId': { team: ['MANAGER'], scope: 'events:write' },
  'DELETE /api/events/:id/ticket-types/:ticketTypeId': { team: ['MANAGER'], scope: 'events:write' },
  'POST /api/events/:id/cancel': { team: [], scope: 'events:write' },
  'GET /api/events/:id/stats': { team: ['MANAGER'], scope: 'events:read' },
  'GET /api/events/:id/orders': { team: ['MANAGER'], scope: 'orders:read' },
  'GET /api/events/:id/attendees': { team: ['MANAGER', 'SCANNER'], scope: 'orders:read' },
  'GET /api/events/:id/attendees.csv': { team: ['MANAGER', 'SCANNER'], scope: 'orders:read' },
  'POST /api/events/:id/check-ins': { team: ['MANAGER', 'SCANNER'], scope: 'checkins:write' },
  'GET /api/events/:id/check-ins': { team: ['MANAGER', 'SCANNER'], scope: 'checkins:read' },
  'GET /api/events/:id/team': { team: ['MANAGER'], scope: null },
  'POST /api/events/:id/team': { team: [], scope: null },
  'PATCH /api/events/:id/team/:userId': { team: [], scope: null },
  'DELETE /api/events/:id/team/:userId': { team: [], scope: null },
  'POST /api/events/:id/device-keys': { team: ['MANAGER'], scope: null },
  'GET /api/events/:id/device-keys': { team: ['MANAGER'], scope: null },
  'DELETE /api/events/:id/device-keys/:keyId': { team: ['MANAGER'], scope: null },
  'POST /api/orders': { scope: 'orders:write' },
  'GET /api/orders': { scope: 'orders:read' },
  'POST /api/orders/:id/pay': { scope: 'orders:write' },
  'POST /api/orders/:id/checkout': { scope: 'orders:write' },
  'POST /api/orders/:id/cancel': { scope: 'orders:write' },
  'GET /api/orders/:id': { scope: 'orders:read' },
  'PUT /api/orders/:id/attendees': { scope: 'orders:write' },
  'GET /api/tickets': { scope: 'orders:read' },
  'GET /api/tickets/:code': { scope: 'orders:read' },
  'PATCH /api/tickets/:code/attendee': { scope: 'orders:write' },
  'GET /api/tickets/:code/qr': { scope: 'orders:read' },
  'POST /api/api-keys': { scope: null },
  'GET /api/api-keys': { scope: null },
  'DELETE /api/api-keys/:keyId': { scope: null },
  'POST /api/webhooks': { scope: null },
  'GET /api/webhooks': { scope: null },
  'GET /api/webhooks/:id': { scope: null },
  'PATCH /api/webhooks/:id': { scope: null },
  'DELETE /api/webhooks/:id': { scope: null },
  'POST /api/webhooks/:id/rotate-secret': { scope: null },
  'GET /api/webhooks/:id/deliveries': { scope: null },
  'POST /api/webhooks/:id/replay': { scope: null },
  'POST /api/webhooks/:id/messages/:messageId/replay': { scope: null },
  'POST /api/webhooks/:id/test': { scope: null },
};

/** The instance's METRICS_TOKEN: set, so /metrics is closed to everyone else, as in production. */
const METRICS_TOKEN = randomBytes(32).toString('hex');

const SCOPES: ApiKeyScope[] = [
  'events:read',
  'events:write',
  'orders:read',
  'orders:write',
  'checkins:read',
  'checkins:write',
];

/**
 * Valid bodies where an event's service decides access after the input is validated: with an
 * empty body everyone would get the same 400 first.
 */
const BODIES: Record<string, object> = {
  'POST /api/events/:id/ticket-types': { name: 'Extra', priceCents: 100, capacity: 1 },
  'POST /api/events/:id/check-ins': { code: 'abcdefghijklmnopqrstuv' },
  'POST /api/events/:id/team': { email: 'nobody-matrix@example.com', role: 'SCANNER' },
  'PATCH /api/events/:id/team/:userId': { role: 'MANAGER' },
  'POST /api/events/:id/device-keys': { name: 'Another door' },
};

/** Routes an allowed caller would change for good: each such call gets an event of its own. */
const DESTRUCTIVE = new Set(['DELETE /api/events/:id', 'POST /api/events/:id/cancel']);

describe('Access matrix: every route × anonymous, USER, other organizer, team roles, device key, each key scope', () => {
  let db: TestDatabase;
  let api: TestApp;
  let routes: DeclaredRoute[];
  let organizer: TestUser;
  let otherOrganizer: TestUser;
  let user: TestUser;
  let manager: TestUser;
  let scanner: TestUser;
  const scopedKeys = new Map<ApiKeyScope, string>();

  interface Stage {
    eventId: string;
    deviceKey: string;
  }

  /** A published event of `organizer`, held from (so it cannot be deleted), with its team and a device key. */
  async function stage(): Promise<Stage> {
    const event = await createEvent(api, organizer);
    await placeOrder(api, user, [{ ticketTypeId: event.ticketTypes[0].id, quantity: 1 }]);
    for (const [member, role] of [
      [manager, 'MANAGER'],
      [scanner, 'SCANNER'],
    ] as const) {
      const added = await api.http
        .post(`/api/events/${event.id}/team`)
        .set('authorization', bearer(organizer))
        .send({ email: member.email, role });
      expect(added.status).toBe(201);
    }
    const device = await api.http
      .post(`/api/events/${event.id}/device-keys`)
      .set('authorization', bearer(organizer))
      .send({ name: 'Door' });
    return { eventId: event.id, deviceKey: device.body.key as string };
  }

  let shared: Stage;
  let elsewhere: Stage;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApp(db, { env: { ORDER_SWEEP_INTERVAL_MS: '0', METRICS_TOKEN } });
    routes = declaredRoutes(api.app).filter((route) => route.access !== 'public');
    [organizer, otherOrganizer, user, manager, scanner] = await Promise.all([
      createUser(api, db, 'ADMIN'),
      createUser(api, db, 'ADMIN'),
      createUser(api, db, 'USER'),
      createUser(api, db, 'USER'),
      createUser(api, db, 'USER'),
    ]);
    for (const scope of SCOPES) {
      const res = await api.http
        .post('/api/api-keys')
        .set('authorization', bearer(organizer))
        .send({ name: scope, scopes: [scope] });
      scopedKeys.set(scope, res.body.key as string);
    }
    shared = await stage();
    elsewhere = await stage();
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  async function call(route: DeclaredRoute, authorization: string | undefined, at: Stage) {
    const name = `${route.method} ${route.path}`;
    const target = DESTRUCTIVE.has(name) ? await stage() : at;
    const path = route.path
      .replace(':id', route.path.startsWith('/api/events/') ? target.eventId : randomUUID())
      .replace(/:(ticketTypeId|userId|keyId)/, randomUUID())
      .replace(':code', 'abcdefghijklmnopqrstuv');
    const method = route.method.toLowerCase() as 'get' | 'post' | 'patch' | 'delete' | 'put';
    const request = api.http[method](path);
    if (authorization) void request.set('authorization', authorization);
    return method === 'get' || method === 'delete' ? request : request.send(BODIES[name] ?? {});
  }

  const verdict = (status: number) => (status === 401 || status === 403 ? status : 'allowed');
  /** No account or key opens a metrics-token route: they are all a 401, like no credential. */
  const tokenOnly = (route: DeclaredRoute) =>
    RULES[`${route.method} ${route.path}`]?.metricsTokenOnly === true;

  it('names every route the application serves (and only those)', () => {
    const served = routes.map((route) => `${route.method} ${route.path}`).sort();
    expect(served).toEqual(Object.keys(RULES).sort());
  });

  it('anonymous: 401 everywhere', async () => {
    for (const route of routes) {
      const res = await call(route, undefined, shared);
      expect([`${route.method} ${route.path}`, res.status]).toEqual([
        `${route.method} ${route.path}`,
        401,
      ]);
    }
  });

  it('a USER off the team: 403 on admin and event-team routes, through on the rest', async () => {
    for (const route of routes) {
      const res = await call(route, bearer(user), shared);
      const expected = tokenOnly(route)
        ? 401
        : route.access === 'admin' || route.access === 'event-team'
          ? 403
          : 'allowed';
      expect([`${route.method} ${route.path}`, verdict(res.status)]).toEqual([
        `${route.method} ${route.path}`,
        expected,
      ]);
    }
  });

  it('another organizer: 403 on the event’s routes, through on the rest', async () => {
    for (const route of routes) {
      const res = await call(route, bearer(otherOrganizer), shared);
      const expected = tokenOnly(route) ? 401 : route.access === 'event-team' ? 403 : 'allowed';
      expect([`${route.method} ${route.path}`, verdict(res.status)]).toEqual([
        `${route.method} ${route.path}`,
        expected,
      ]);
    }
  });

  it.each<TeamRole>(['MANAGER', 'SCANNER'])(
    'a %s: the event routes its role allows, 403 on the others',
    async (role) => {
      const member = role === 'MANAGER' ? manager : scanner;
      for (const route of routes.filter((r) => r.access === 'event-team')) {
        const name = `${route.method} ${route.path}`;
        const res = await call(route, bearer(member), shared);
        const expected = RULES[name].team!.includes(role) ? 'allowed' : 403;
        expect([name, verdict(res.status)]).toEqual([name, expected]);
      }
    },
  );

  it('a device key: check-in at its event only (404 at another), 403 on every other route', async () => {
    for (const route of routes) {
      const name = `${route.method} ${route.path}`;
      const checkIn = RULES[name].scope?.startsWith('checkins:') ?? false;
      const own = await call(route, `Bearer ${shared.deviceKey}`, shared);
      const expected = tokenOnly(route) ? 401 : checkIn ? 'allowed' : 403;
      expect([name, verdict(own.status)]).toEqual([name, expected]);
      if (checkIn) {
        // The event itself is not found (not the unknown ticket code an admitted scan would miss).
        const other = await call(route, `Bearer ${shared.deviceKey}`, elsewhere);
        expect([name, other.status, other.body.detail]).toEqual([
          name,
          404,
          expect.stringMatching(/^The event /),
        ]);
      }
    }
  });

  it.each(SCOPES)(
    'an organizer’s %s key: the routes of that scope, 403 everywhere else',
    async (scope) => {
      for (const route of routes) {
        const name = `${route.method} ${route.path}`;
        const res = await call(route, `Bearer ${scopedKeys.get(scope)}`, shared);
        const expected = tokenOnly(route) ? 401 : RULES[name].scope === scope ? 'allowed' : 403;
        expect([name, verdict(res.status)]).toEqual([name, expected]);
        if (expected === 401) expect([name, res.body.code]).toEqual([name, 'unauthorized']);
        if (expected === 403) {
          expect([name, res.body.code]).toEqual([
            name,
            RULES[name].scope === null ? 'api-key-not-allowed' : 'api-key-scope-missing',
          ]);
        }
      }
    },
  );

  it('the metrics token: through on its routes only, 401 everywhere else (it signs no one in)', async () => {
    for (const route of routes) {
      const name = `${route.method} ${route.path}`;
      const res = await call(route, `Bearer ${METRICS_TOKEN}`, shared);
      expect([name, verdict(res.status)]).toEqual([name, tokenOnly(route) ? 'allowed' : 401]);
    }
  });
});
