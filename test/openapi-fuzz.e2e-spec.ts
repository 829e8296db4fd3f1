import fc from 'fast-check';
import { createEvent } from './support/events.js';
import { payOrder, placeOrder } from './support/orders.js';
import { OpenApiContract } from './support/openapi-contract.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createUser, type TestUser } from './support/users.js';

type JsonSchema = Record<string, unknown>;
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  schema: JsonSchema;
}
interface Operation {
  'x-access': 'public' | 'signed-in' | 'admin';
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonSchema> };
}

/** A body sent as these exact characters, not serialised: for text no serialiser would write. */
class RawText {
  constructor(readonly text: string) {}
}

const NUL = '\u0000';
/** ISO 8601 forms that are not RFC 3339 date-times, and impossible ones that look like them. */
const ODD_DATE_TIMES = [
  '2027-W22-1T18:00:00Z',
  '2027-152T18:00:00Z',
  '-9999-01-01T00:00:00Z',
  '+002027-06-01T18:00:00Z',
  '2027-06-01T18:00:00',
  '2027-02-30T18:00:00Z',
  '2027-06-01T24:00:00Z',
];
/** Integers spelled as `Number()` would read them, but not as decimal digits. */
const ODD_INTEGERS = ['0x10', '1e1', '+5', '5.0', ' 5', '٥', '9'.repeat(400)];

/**
 * Every documented operation, sent valid and invalid bodies, path parameters and queries, by the
 * right caller, the wrong one and no one, and the hostile classes of docs/API.md (NUL bytes, deep
 * nesting, arrays where objects belong, odd date-times and integers, repeated parameters): never
 * a 5xx, and every answer as openapi.json documents it (the contract check of every e2e test).
 */
describe('OpenAPI-driven fuzzing (e2e)', () => {
  let db: TestDatabase;
  let api: TestApp;
  let document: Document;
  let contract: OpenApiContract;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApp(db, { env: { ORDER_SWEEP_INTERVAL_MS: '0' } });
    document = (await api.http.get('/docs-json')).body;
    contract = await OpenApiContract.load();
  });

  /** Follows a `$ref` to the component it names. */
  const resolve = (schema: JsonSchema): JsonSchema =>
    typeof schema.$ref === 'string'
      ? document.components.schemas[schema.$ref.replace('#/components/schemas/', '')]
      : schema;
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
    const s = resolve(schema);
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

  /**
   * The hostile classes, field by field: a NUL in each text and in a key, an array where each
   * object belongs, odd date-times in each date-time field, odd numbers in each integer; and
   * nesting far past the limit, as raw text.
   */
  function hostileBodies(valid: unknown, schema: JsonSchema): unknown[] {
    const bodies: unknown[] = [
      new RawText('['.repeat(1_300) + ']'.repeat(1_300)),
      new RawText('{"a":'.repeat(2_400) + '1' + '}'.repeat(2_400)),
      [[]],
      null,
      { [`key${NUL}`]: 1 },
    ];
    if (!valid || typeof valid !== 'object' || Array.isArray(valid)) return bodies;
    const properties = (resolve(schema).properties ?? {}) as Record<string, JsonSchema>;
    for (const [key, value] of Object.entries(valid as Record<string, unknown>)) {
      const property = resolve(properties[key] ?? {});
      if (typeof value === 'string') bodies.push({ ...valid, [key]: `a${NUL}b` });
      if (property.format === 'date-time') {
        for (const odd of ODD_DATE_TIMES) bodies.push({ ...valid, [key]: odd });
      }
      if (property.type === 'integer') {
        for (const odd of [2 ** 53 + 2, -0.5, 1e308, '5']) bodies.push({ ...valid, [key]: odd });
      }
      if (Array.isArray(value)) {
        bodies.push({ ...valid, [key]: [[]] }, { ...valid, [key]: [value[0], 'text'] });
        const [first] = value as unknown[];
        if (first && typeof first === 'object') {
          for (const [inner, innerValue] of Object.entries(first)) {
            if (typeof innerValue === 'string') {
              bodies.push({ ...valid, [key]: [{ ...first, [inner]: `x${NUL}` }] });
            }
          }
        }
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
  ) {
    const request = (
      api.http as unknown as Record<string, (u: string) => import('supertest').Test>
    )[method](url);
    if (token) void request.set('authorization', `Bearer ${token}`);
    // Bodies go out as JSON text, whatever they are (a bare number or string too).
    const res =
      body === undefined
        ? await request
        : await request
            .set('content-type', 'application/json')
            .send(body instanceof RawText ? body.text : JSON.stringify(body));
    sent += 1;
    const where = `${method.toUpperCase()} ${url.slice(0, 120)} [${label}] → ${res.status}`;
    if (res.status >= 500) failures.push(`${where}: a server error ${JSON.stringify(res.body)}`);
    for (const problem of contract.check({
      method: method.toUpperCase(),
      url,
      status: res.status,
      headers: res.headers,
      body: res.body as unknown,
    })) {
      failures.push(`${where}: ${problem}`);
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
        await send(method, url(), token, body, `body ${index}`);
      if (bodySchema) {
        for (const [index, body] of hostileBodies(valid, bodySchema).entries())
          await send(method, url(), token, body, `hostile body ${index}`);
        for (const body of fc.sample(fc.jsonValue(), { numRuns: 8, seed: 42 }))
          await send(method, url(), token, body ?? {}, 'random body');
      }
      for (const param of params) {
        for (const value of [
          'not-an-id',
          '00000000-0000-4000-8000-000000000000',
          'x'.repeat(300),
          'x'.repeat(2_000),
          "' OR 1=1 --",
          '..%2F..',
          `a${NUL}b`,
        ]) {
          await send(
            method,
            url({ [param.name]: value }),
            token,
            valid,
            `${param.name}=${value.slice(0, 20)}`,
          );
        }
      }
      for (const query of (operation.parameters ?? []).filter((p) => p.in === 'query')) {
        const odd =
          query.schema.type === 'integer'
            ? ODD_INTEGERS
            : query.schema.format === 'date-time'
              ? ODD_DATE_TIMES
              : [];
        for (const value of [
          '-1',
          '0',
          'abc',
          '1.5',
          '100000',
          'x'.repeat(600),
          '2030-13-45',
          `a${NUL}`,
          '%_%',
          ...odd,
        ]) {
          await send(
            method,
            `${url()}?${query.name}=${encodeURIComponent(value)}`,
            token,
            valid,
            `?${query.name}=${value.slice(0, 12)}`,
          );
        }
        await send(method, `${url()}?${query.name}=1&${query.name}=2`, token, valid, 'repeated');
      }
      await send(
        method,
        `${url()}${method === 'get' ? '?unexpected=1' : ''}`,
        token,
        valid,
        'unknown query',
      );
      if (operation['x-access'] !== 'public') {
        await send(method, url(), undefined, valid, 'anonymous');
        await send(method, url(), other.accessToken, valid, 'other role');
      }
      await send(method, url(), token, valid, 'valid');
    }
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(400);
  }, 180_000);
});
