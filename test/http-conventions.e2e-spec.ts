import { Writable } from 'node:stream';
import { createLogger } from '../src/common/logging/logger.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { capturingLogger } from './support/log-capture.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { bearer, createEvent } from './support/events.js';
import { createUser } from './support/users.js';

/** Cross-cutting behaviour every route shares: problem details, request ids, logs, docs, health. */
describe('HTTP conventions (e2e)', () => {
  let db: TestDatabase;
  let api: TestApp;
  const { lines: logLines, logger } = capturingLogger();

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApp(db, { logger });
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('answers an unknown route with a 404 problem', async () => {
    const res = await api.http.get('/api/nowhere?x=1');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body).toEqual({
      type: 'urn:eventflow:problem:not-found',
      title: 'Not Found',
      status: 404,
      detail: expect.any(String),
      instance: '/api/nowhere',
      code: 'not-found',
      requestId: expect.any(String),
    });
  });

  it('echoes a client X-Request-Id and makes one when none (or a bad one) is sent', async () => {
    const given = await api.http.get('/api/health').set('x-request-id', 'abc-123');
    expect(given.headers['x-request-id']).toBe('abc-123');
    const made = await api.http.get('/api/health');
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const forged = await api.http
      .get('/api/health')
      .set('x-request-id', 'evil id with spaces and {json}');
    expect(forged.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('writes one structured line per request with id, method, route, status and duration', async () => {
    await api.http.get('/api/health').set('x-request-id', 'log-line-check');
    const lines = logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((l) => l.requestId === 'log-line-check');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      method: 'GET',
      route: '/api/health',
      status: 200,
      durationMs: expect.any(Number),
      msg: 'request answered',
    });
  });

  it('never logs passwords or tokens', async () => {
    const password = 'a-very-secret-password';
    const reg = await api.http
      .post('/api/auth/register')
      .send({ email: 'logs@example.com', password, name: 'Logs' });
    expect(reg.status).toBe(201);
    await api.http.get('/api/auth/me').set('authorization', `Bearer ${reg.body.accessToken}`);
    await api.http.post('/api/auth/refresh').send({ refreshToken: reg.body.refreshToken });
    await api.http
      .post('/api/auth/login')
      .send({ email: 'logs@example.com', password: 'wrong-but-secret' });
    const all = logLines.join('\n');
    expect(all).toContain('/api/auth/register');
    for (const secret of [
      password,
      'wrong-but-secret',
      reg.body.accessToken,
      reg.body.refreshToken,
    ]) {
      expect(all).not.toContain(secret);
    }
  });

  it('serves Swagger UI at /docs and the OpenAPI document at /docs-json', async () => {
    const ui = await api.http.get('/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger');
    const doc = await api.http.get('/docs-json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/api/auth/register', '/api/health']),
    );
    expect(doc.body.components.securitySchemes.bearer).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
  });

  it('reports health with database and Redis up', async () => {
    const res = await api.http.get('/api/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: 'ok',
      info: { database: { status: 'up' }, redis: { status: 'up' } },
    });
  });

  it('answers 415 problem for a body that is not JSON', async () => {
    const res = await api.http
      .post('/api/auth/login')
      .set('content-type', 'text/plain')
      .send('hello');
    expect(res.status).toBe(415);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });

  it('answers 413 problem for an oversized body', async () => {
    const res = await api.http
      .post('/api/auth/login')
      .send({ email: 'x@example.com', password: 'x'.repeat(100_000) });
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });

  it('every 201 says in Location where what it made can be read', async () => {
    const organizer = await createUser(api, db, 'ADMIN');
    const buyer = await createUser(api, db, 'USER');
    const registered = await api.http
      .post('/api/auth/register')
      .send({ email: `located-${Date.now()}@example.com`, password: 'password123', name: 'L' });
    expect(registered.status).toBe(201);
    expect(registered.headers.location).toBe('/api/auth/me');

    const created = await api.http
      .post('/api/events')
      .set('authorization', bearer(organizer))
      .send({
        title: 'Located',
        venue: 'Hall',
        startsAt: new Date(Date.now() + 86_400_000).toISOString(),
        endsAt: new Date(Date.now() + 90_000_000).toISOString(),
        published: true,
        ticketTypes: [{ name: 'A', priceCents: 0, capacity: 5 }],
      });
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(`/api/events/${created.body.id}`);
    expect((await api.http.get(created.headers.location)).body.id).toBe(created.body.id);

    const type = await api.http
      .post(`/api/events/${created.body.id}/ticket-types`)
      .set('authorization', bearer(organizer))
      .send({ name: 'B', priceCents: 0, capacity: 5 });
    expect(type.status).toBe(201);
    expect(type.headers.location).toBe(`/api/events/${created.body.id}`);

    const order = await api.http
      .post('/api/orders')
      .set('authorization', bearer(buyer))
      .send({ items: [{ ticketTypeId: type.body.id, quantity: 1 }] });
    expect(order.status).toBe(201);
    expect(order.headers.location).toBe(`/api/orders/${order.body.id}`);
    const paid = await api.http
      .post(`/api/orders/${order.body.id}/pay`)
      .set('authorization', bearer(buyer))
      .send({ paymentToken: 'tok_visa' });
    const code = paid.body.tickets[0].code as string;

    const admitted = await api.http
      .post(`/api/events/${created.body.id}/check-ins`)
      .set('authorization', bearer(organizer))
      .send({ code });
    expect(admitted.status).toBe(201);
    expect(admitted.headers.location).toBe(`/api/tickets/${code}`);
    const ticket = await api.http
      .get(admitted.headers.location)
      .set('authorization', bearer(buyer));
    expect(ticket.body.code).toBe(code);
  });
});

describe('Health without Redis configured', () => {
  it('reports redis disabled and stays 200', async () => {
    const db = await createTestDatabase();
    const api = await startTestApp(db, { withoutRedis: true });
    try {
      const res = await api.http.get('/api/health');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        status: 'ok',
        info: { database: { status: 'up' }, redis: { status: 'disabled' } },
      });
    } finally {
      await api.close();
      await db.drop();
    }
  });
});

describe('Bodies declared as JSON', () => {
  it('an empty body with Content-Type: application/json is no body, not malformed JSON', async () => {
    const db = await createTestDatabase();
    const api = await startTestApp(db);
    try {
      const empty = await api.http
        .post('/api/auth/logout')
        .set('content-type', 'application/json')
        .send('');
      expect(empty.status).toBe(401);
      const missing = await api.http
        .post('/api/auth/login')
        .set('content-type', 'application/json')
        .send('');
      expect(missing.status).toBe(400);
      expect(missing.headers['content-type']).toContain('application/problem+json');
      const poisoned = await api.http
        .post('/api/auth/login')
        .set('content-type', 'application/json')
        .send('{"__proto__": {"admin": true}, "email": "a@b.co", "password": "x"}');
      expect(poisoned.status).toBe(400);
    } finally {
      await api.close();
      await db.drop();
    }
  });
});

describe('Log lines written by services during a request', () => {
  it('carry the request id too', async () => {
    const db = await createTestDatabase();
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    const api = await startTestApp(db, { logger: createLogger({ logLevel: 'info' }, sink) });
    try {
      const organizer = await createUser(api, db, 'ADMIN');
      const event = await createEvent(api, organizer);
      const res = await api.http
        .post(`/api/events/${event.id}/cancel`)
        .set('authorization', bearer(organizer))
        .set('x-request-id', 'cancel-trace-1');
      expect(res.status).toBe(200);
      const serviceLine = lines
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((line) => line.context === 'EventCancellationService');
      expect(serviceLine).toMatchObject({
        requestId: 'cancel-trace-1',
        msg: expect.stringContaining('cancelled'),
      });
    } finally {
      await api.close();
      await db.drop();
    }
  });
});

describe('Security headers and CORS', () => {
  it('sends helmet’s headers and no X-Powered-By, on answers and errors alike', async () => {
    const db = await createTestDatabase();
    const api = await startTestApp(db);
    try {
      for (const res of [await api.http.get('/api/health'), await api.http.get('/api/nowhere')]) {
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
        expect(res.headers['strict-transport-security']).toContain('max-age=');
        expect(res.headers['content-security-policy']).toContain("default-src 'self'");
        expect(res.headers['x-powered-by']).toBeUndefined();
      }
      // No CORS_ORIGINS: no cross-origin access at all.
      const preflight = await api.http
        .options('/api/events')
        .set('origin', 'https://evil.example')
        .set('access-control-request-method', 'GET');
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await api.close();
      await db.drop();
    }
  });

  it('allows exactly the configured origins', async () => {
    const db = await createTestDatabase();
    const api = await startTestApp(db, {
      env: { CORS_ORIGINS: 'https://app.example, https://admin.example' },
    });
    try {
      const allowed = await api.http
        .options('/api/orders')
        .set('origin', 'https://app.example')
        .set('access-control-request-method', 'POST')
        .set('access-control-request-headers', 'authorization,content-type,idempotency-key');
      expect(allowed.status).toBe(204);
      expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example');
      expect(allowed.headers['access-control-allow-headers']).toContain('idempotency-key');
      const other = await api.http.get('/api/health').set('origin', 'https://evil.example');
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await api.close();
      await db.drop();
    }
  });
});
