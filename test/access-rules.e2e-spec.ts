import { randomBytes, randomUUID } from 'node:crypto';
import { declaredRoutes, type DeclaredRoute } from './support/routes.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createUser, signAccessToken, type TestUser } from './support/users.js';

/** Deny by default: every route says who may call it, and the answers prove it. */
describe('Access rules of every route', () => {
  let db: TestDatabase;
  let api: TestApp;
  let routes: DeclaredRoute[];
  let buyer: TestUser;

  beforeAll(async () => {
    db = await createTestDatabase();
    // With METRICS_TOKEN, as production must have it (or METRICS_PORT): /metrics is not public.
    api = await startTestApp(db, { env: { METRICS_TOKEN: randomBytes(32).toString('hex') } });
    routes = declaredRoutes(api.app);
    buyer = await createUser(api, db, 'USER');
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  const concrete = (path: string) => path.replace(/:[A-Za-z]+/g, randomUUID());
  const call = (route: DeclaredRoute, token?: string) => {
    const method = route.method.toLowerCase() as 'get' | 'post' | 'patch' | 'delete' | 'put';
    const request = api.http[method](concrete(route.path));
    if (token) void request.set('authorization', `Bearer ${token}`);
    return method === 'get' || method === 'delete' ? request : request.send({});
  };

  it('finds the routes (the walk itself works)', () => {
    expect(routes.length).toBeGreaterThanOrEqual(6);
    expect(routes).toContainEqual(
      expect.objectContaining({ method: 'POST', path: '/api/auth/login', access: 'public' }),
    );
    expect(routes).toContainEqual(
      expect.objectContaining({ method: 'GET', path: '/api/auth/me', access: 'signed-in' }),
    );
  });

  it('every route declares an access rule', () => {
    const undeclared = routes
      .filter((r) => r.access === undefined)
      .map((r) => `${r.method} ${r.path} (${r.controller}.${r.handler})`);
    expect(undeclared).toEqual([]);
  });

  it('every route that is not public answers 401 without a token', async () => {
    for (const route of routes.filter((r) => r.access !== 'public')) {
      const res = await call(route);
      expect({ route: `${route.method} ${route.path}`, status: res.status }).toEqual({
        route: `${route.method} ${route.path}`,
        status: 401,
      });
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
  });

  it('every metrics-token route refuses a sign-in token with 401: only METRICS_TOKEN opens it', async () => {
    const tokenRoutes = routes.filter((r) => r.access === 'metrics-token');
    expect(tokenRoutes).toContainEqual(
      expect.objectContaining({ method: 'GET', path: '/metrics' }),
    );
    for (const route of tokenRoutes) {
      const res = await call(route, buyer.accessToken);
      expect({ route: `${route.method} ${route.path}`, status: res.status }).toEqual({
        route: `${route.method} ${route.path}`,
        status: 401,
      });
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
  });

  it('every admin route answers 403 to a USER', async () => {
    for (const route of routes.filter((r) => r.access === 'admin')) {
      const res = await call(route, buyer.accessToken);
      expect({ route: `${route.method} ${route.path}`, status: res.status }).toEqual({
        route: `${route.method} ${route.path}`,
        status: 403,
      });
    }
  });

  it('every admin route takes the role from the database: a USER with a token saying ADMIN gets 403', async () => {
    const stale = await signAccessToken(api, buyer.id, 'ADMIN');
    const adminRoutes = routes.filter((r) => r.access === 'admin');
    expect(adminRoutes).toContainEqual(
      expect.objectContaining({ method: 'PUT', path: '/api/users/:id/role' }),
    );
    for (const route of adminRoutes) {
      const res = await call(route, stale);
      expect({ route: `${route.method} ${route.path}`, status: res.status }).toEqual({
        route: `${route.method} ${route.path}`,
        status: 403,
      });
    }
  });

  it('every served route is in the OpenAPI document', async () => {
    const document = (await api.http.get('/docs-json')).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = new Set(
      Object.entries(document.paths).flatMap(([path, operations]) =>
        Object.keys(operations).map(
          (method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`,
        ),
      ),
    );
    const missing = routes
      .map((r) => `${r.method} ${r.path}`)
      .filter((route) => !documented.has(route));
    expect(missing).toEqual([]);
  });
});
