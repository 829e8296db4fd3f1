import fc from 'fast-check';
import { createEvent } from './support/events.js';
import { payOrder, placeOrder } from './support/orders.js';
import {
  SchemaValidator,
  type JsonSchema,
  type OpenApiDocument,
  type OpenApiOperation,
} from './support/openapi-schemas.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createUser, type TestUser } from './support/users.js';

/**
 * Every documented operation, sent valid and invalid bodies, path parameters and queries, by the
 * right caller, the wrong one and no one: never a 5xx, never an undocumented status, and every
 * answer matches the schema the document gives for that status.
 */
describe('OpenAPI-driven fuzzing (e2e)', () => {
  let db: TestDatabase;
  let api: TestApp;
  let document: OpenApiDocument;
  let schemas: SchemaValidator;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApp(db, { env: { ORDER_SWEEP_INTERVAL_MS: '0' } });
    document = (await api.http.get('/docs-json')).body;
    schemas = new SchemaValidator(document);
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  interface Fixtures {
    organizer: TestUser;
    buyer: TestUser;
    eventId: string;
    ticketTypeId: string;
    orderId: string;
    ticketCode: string;
    refreshToken: string;
  }

  /** A fresh world per operation: destructive operations (delete, cancel, pay) spoil nothing else. */
  async function fixtures(): Promise<Fixtures> {
    const organizer = await createUser(api, db, 'ADMIN');
    const buyer = await createUser(api, db, 'USER');
    const event = await createEvent(api, organizer, {
      ticketTypes: [{ name: 'A', priceCents: 1500, capacity: 100 }],
    });
    const ticketTypeId = event.ticketTypes[0].id;
    const paid = await placeOrder(api, buyer, [{ ticketTypeId, quantity: 1 }]);
    const ticketCode = (await payOrder(api, buyer, paid.body.id)).body.tickets[0].code as string;
    const pending = await placeOrder(api, buyer, [{ ticketTypeId, quantity: 1 }]);
    const signIn = await api.http.post('/api/auth/register').send({
      email: `fuzz-${Date.now()}-${Math.random()}@example.com`,
      password: 'password123',
      name: 'Fuzz',
    });
    return {
      organizer,
      buyer,
      eventId: event.id,
      ticketTypeId,
      orderId: pending.body.id,
      ticketCode,
      refreshToken: signIn.body.refreshToken,
    };
  }

  function pathValue(name: string, path: string, f: Fixtures): string {
    if (name === 'code') return f.ticketCode;
    if (name === 'ticketTypeId') return f.ticketTypeId;
    return path.startsWith('/api/orders') ? f.orderId : f.eventId;
  }

  /** A valid instance of a schema, with the fixtures' ids where a field names one. */
  function sample(schema: JsonSchema, f: Fixtures, name = ''): unknown {
    const s = schemas.resolve(schema);
    if (s.type === 'object' || s.properties) {
      const body: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(
        (s.properties ?? {}) as Record<string, JsonSchema>,
      )) {
        if (
          (s.required as string[] | undefined)?.includes(key) ||
          ['startsAt', 'endsAt', 'published'].includes(key)
        ) {
          body[key] = sample(child, f, key);
        }
      }
      return body;
    }
    if (s.type === 'array') return [sample(s.items as JsonSchema, f, name)];
    if (s.type === 'integer' || s.type === 'number') return s.example ?? s.minimum ?? 1;
    if (s.type === 'boolean') return true;
    const named: Record<string, string> = {
      email: `fuzz-${Date.now()}-${Math.random()}@example.com`,
      password: 'password123',
      paymentToken: 'tok_visa',
      code: f.ticketCode,
      refreshToken: f.refreshToken,
      ticketTypeId: f.ticketTypeId,
      currency: 'USD',
      startsAt: new Date(Date.now() + 2 * 86_400_000).toISOString(),
      endsAt: new Date(Date.now() + 3 * 86_400_000).toISOString(),
    };
    return (
      named[name] ??
      (s.format === 'date-time' ? new Date(Date.now() + 86_400_000).toISOString() : 'fuzz text')
    );
  }

  /** Ways a body can be wrong: missing, of the wrong shape, each field of the wrong type or size. */
  function invalidBodies(valid: unknown): unknown[] {
    const bodies: unknown[] = [
      {},
      [],
      'text',
      42,
      { ...(valid as object), role: 'ADMIN', organizerId: 'x', available: 9 },
    ];
    if (valid && typeof valid === 'object' && !Array.isArray(valid)) {
      for (const [key, value] of Object.entries(valid)) {
        const wrong =
          typeof value === 'string'
            ? [123, '', 'x'.repeat(10_000), null]
            : typeof value === 'number'
              ? ['12', -1, 1.5, 1e12, null]
              : typeof value === 'boolean'
                ? ['yes', 1]
                : [{}, 'list', [null]];
        for (const replacement of wrong) bodies.push({ ...valid, [key]: replacement });
      }
    }
    return bodies;
  }

  const failures: string[] = [];
  let sent = 0;

  async function send(
    method: string,
    url: string,
    token: string | undefined,
    body: unknown,
    label: string,
    operation: OpenApiOperation,
  ) {
    const request = (
      api.http as unknown as Record<string, (u: string) => import('supertest').Test>
    )[method](url);
    if (token) void request.set('authorization', `Bearer ${token}`);
    // Bodies go out as JSON text, whatever they are (a bare number or string too).
    const res =
      body === undefined
        ? await request
        : await request.set('content-type', 'application/json').send(JSON.stringify(body));
    sent += 1;
    const where = `${method.toUpperCase()} ${url} [${label}] → ${res.status}`;
    if (res.status >= 500) failures.push(`${where}: a server error ${JSON.stringify(res.body)}`);
    const documented = operation.responses[String(res.status)];
    if (!documented) {
      failures.push(`${where}: status not in the document`);
      return;
    }
    const media = documented.content ? Object.entries(documented.content)[0] : undefined;
    if (!media) return;
    const [type, { schema }] = media;
    if (!String(res.headers['content-type']).startsWith(type))
      failures.push(`${where}: content type ${res.headers['content-type']}, documented ${type}`);
    if (schema && type.includes('json')) {
      const problem = schemas.check(schema, res.body);
      if (problem) failures.push(`${where}: body does not match the schema: ${problem}`);
    }
  }

  it('never answers 5xx or off the document, for any route, input or caller', async () => {
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
    );
    expect(operations.length).toBeGreaterThan(20);
    for (const { path, method, operation } of operations) {
      const f = await fixtures();
      const owner = operation['x-access'] === 'admin' ? f.organizer : f.buyer;
      const other = operation['x-access'] === 'admin' ? f.buyer : f.organizer;
      const token = operation['x-access'] === 'public' ? undefined : owner.accessToken;
      const params = (operation.parameters ?? []).filter((p) => p.in === 'path');
      const url = (values: Record<string, string> = {}) =>
        params.reduce(
          (u, p) =>
            u.replace(
              `{${p.name}}`,
              encodeURIComponent(values[p.name] ?? pathValue(p.name, path, f)),
            ),
          path,
        );
      const bodySchema = operation.requestBody?.content['application/json']?.schema;
      const valid = bodySchema ? sample(bodySchema, f) : undefined;

      // Invalid bodies first (they change nothing), then params and queries, then the valid call.
      for (const [index, body] of (bodySchema ? invalidBodies(valid) : []).entries())
        await send(method, url(), token, body, `body ${index}`, operation);
      if (bodySchema) {
        for (const body of fc.sample(fc.jsonValue(), { numRuns: 8, seed: 42 }))
          await send(method, url(), token, body ?? {}, 'random body', operation);
      }
      for (const param of params) {
        for (const value of [
          'not-an-id',
          '00000000-0000-4000-8000-000000000000',
          'x'.repeat(300),
          "' OR 1=1 --",
          '..%2F..',
        ]) {
          await send(
            method,
            url({ [param.name]: value }),
            token,
            valid,
            `${param.name}=${value.slice(0, 20)}`,
            operation,
          );
        }
      }
      for (const query of (operation.parameters ?? []).filter((p) => p.in === 'query')) {
        for (const value of ['-1', '0', 'abc', '1.5', '100000', 'x'.repeat(600), '2030-13-45']) {
          await send(
            method,
            `${url()}?${query.name}=${encodeURIComponent(value)}`,
            token,
            valid,
            `?${query.name}=${value.slice(0, 12)}`,
            operation,
          );
        }
      }
      await send(
        method,
        `${url()}${method === 'get' ? '?unexpected=1' : ''}`,
        token,
        valid,
        'unknown query',
        operation,
      );
      if (operation['x-access'] !== 'public') {
        await send(method, url(), undefined, valid, 'anonymous', operation);
        await send(method, url(), other.accessToken, valid, 'other role', operation);
      }
      await send(method, url(), token, valid, 'valid', operation);
    }
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(400);
  }, 180_000);
});
