import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderOpenApi } from '../src/cli/openapi.js';
import { PROBLEMS } from '../src/common/errors/problem-catalog.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';

interface Operation {
  operationId: string;
  summary?: string;
  security?: unknown[];
  'x-access'?: string;
  parameters?: { in: string }[];
  requestBody?: unknown;
  responses: Record<
    string,
    {
      headers?: Record<string, unknown>;
      content?: Record<string, { schema?: Schema; examples?: Record<string, { $ref: string }> }>;
    }
  >;
  'x-rate-limited'?: boolean;
}
type Schema = Record<string, unknown> & {
  $ref?: string;
  oneOf?: Schema[];
  allOf?: Schema[];
  properties?: Record<string, Schema>;
};

describe('The OpenAPI document', () => {
  let db: TestDatabase;
  let api: TestApp;
  let document: {
    paths: Record<string, Record<string, Operation>>;
    components: {
      schemas: Record<string, Schema>;
      examples: Record<string, { value: Record<string, unknown> }>;
    };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApp(db);
    document = (await api.http.get('/docs-json')).body;
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('openapi.json in the repository is the document the code serves (run `npm run openapi` after a change)', () => {
    const committed: unknown = JSON.parse(
      readFileSync(join(__dirname, '..', 'openapi.json'), 'utf8'),
    );
    expect(committed).toEqual(JSON.parse(renderOpenApi(api.app)));
    expect(committed).toEqual(document);
  });

  const operations = () =>
    Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        name: `${method.toUpperCase()} ${path}`,
        operation,
      })),
    );

  it('every operation has a summary, a success answer with its schema, and says who may call it', () => {
    const problems: string[] = [];
    for (const { name, operation } of operations()) {
      if (!operation.summary) problems.push(`${name}: no summary`);
      if (!operation['x-access']) problems.push(`${name}: no x-access`);
      const success = Object.entries(operation.responses).filter(([status]) =>
        status.startsWith('2'),
      );
      if (success.length === 0) problems.push(`${name}: no 2xx answer`);
      for (const [status, response] of success) {
        if (
          status !== '204' &&
          !Object.values(response.content ?? {}).some((media) => media.schema)
        ) {
          problems.push(`${name}: ${status} has no schema`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('every operation documents its error answers as problem details', () => {
    const problems: string[] = [];
    for (const { name, operation } of operations()) {
      const statuses = Object.keys(operation.responses);
      if (operation['x-access'] !== 'public' && !statuses.includes('401'))
        problems.push(`${name}: no 401`);
      if (operation['x-access'] === 'admin' && !statuses.includes('403'))
        problems.push(`${name}: no 403`);
      if (
        (operation.requestBody || operation.parameters?.some((p) => p.in !== 'header')) &&
        !statuses.includes('400')
      ) {
        problems.push(`${name}: takes input but documents no 400`);
      }
      for (const [status, response] of Object.entries(operation.responses)) {
        if (/^[45]/.test(status) && !response.content?.['application/problem+json']?.schema) {
          problems.push(`${name}: ${status} has no problem schema`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  const problemCodesOf = (schema: Schema | undefined): string[] => {
    const refs = schema?.oneOf ?? (schema ? [schema] : []);
    return refs.map((ref) => {
      const component = document.components.schemas[ref.$ref!.split('/').pop()!];
      const own = component.allOf![1].properties!.code as { enum: string[] };
      return own.enum[0];
    });
  };

  it('names each problem code once, as an enum, with a schema and an example per status it is answered with', () => {
    const generic = document.components.schemas.Problem.properties!.code as { enum: string[] };
    expect(generic.enum).toEqual(Object.keys(PROBLEMS));
    const problems: string[] = [];
    for (const { name, operation } of operations()) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (!/^[45]/.test(status)) continue;
        const media = response.content!['application/problem+json'];
        for (const code of problemCodesOf(media.schema)) {
          const spec = PROBLEMS[code as keyof typeof PROBLEMS];
          if (!(spec.statuses as readonly number[]).includes(Number(status)))
            problems.push(`${name}: ${code} is not a ${status}`);
          const example = media.examples?.[code];
          const value = example && document.components.examples[example.$ref.split('/').pop()!];
          if (value?.value.status !== Number(status) || value.value.code !== code)
            problems.push(`${name}: ${status} has no example of ${code}`);
        }
      }
    }
    expect(problems).toEqual([]);
    // The members a code carries are in its schema, so a typed client can read them.
    const soldOut = document.components.schemas.SoldOutProblem.allOf![1];
    expect(soldOut.required).toEqual(['code', 'ticketTypeId', 'available']);
  });

  it('documents 413 and 415 on every body route, 429 on every limited one and 503 on all', () => {
    const problems: string[] = [];
    for (const { name, operation } of operations()) {
      const statuses = Object.keys(operation.responses);
      const method = name.split(' ')[0];
      if (['POST', 'PATCH', 'PUT'].includes(method)) {
        for (const status of ['413', '415'])
          if (!statuses.includes(status)) problems.push(`${name}: no ${status}`);
      }
      if (operation['x-rate-limited'] !== false && !statuses.includes('429'))
        problems.push(`${name}: no 429`);
      if (!statuses.includes('503')) problems.push(`${name}: no 503`);
    }
    expect(problems).toEqual([]);
  });

  it('documents X-Request-Id on every answer, Retry-After on 429 and 503, Location on 201, the replay marker where a key is taken', () => {
    const problems: string[] = [];
    for (const { name, operation } of operations()) {
      const idempotent = operation.parameters?.some(
        (parameter) => (parameter as { name?: string }).name === 'Idempotency-Key',
      );
      for (const [status, response] of Object.entries(operation.responses)) {
        const headers = Object.keys(response.headers ?? {});
        const want = [
          'X-Request-Id',
          ...(status === '429' || status === '503' ? ['Retry-After'] : []),
          ...(status === '201' ? ['Location'] : []),
          ...(idempotent && status.startsWith('2') ? ['Idempotent-Replayed'] : []),
        ];
        for (const header of want)
          if (!headers.includes(header)) problems.push(`${name} ${status}: no ${header}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('gives operations readable ids, sales windows string date-times, bodies no defaults (PATCH a one-field example), and closes input schemas', () => {
    const ids = operations().map(({ operation }) => operation.operationId);
    expect(ids.filter((id) => !/^[a-z][A-Za-z]+$/.test(id) || /Controller/.test(id))).toEqual([]);
    expect(ids).toEqual(expect.arrayContaining(['createOrder', 'payOrder', 'cancelEvent']));
    const schemas = document.components.schemas;
    for (const field of ['salesStartAt', 'salesEndAt']) {
      expect(schemas.CreateTicketTypeInput.properties![field]).toMatchObject({
        type: 'string',
        format: 'date-time',
      });
    }
    for (const name of [
      'UpdateEventInput',
      'UpdateTicketTypeInput',
      'CreateEventInput',
      'CreateTicketTypeInput',
    ]) {
      const withDefaults = Object.entries(schemas[name].properties!).filter(
        ([, property]) => 'default' in property,
      );
      expect({ name, withDefaults }).toEqual({ name, withDefaults: [] });
    }
    const patchExample = (
      document.paths['/api/events/{id}'].patch.requestBody as {
        content: Record<string, { example: object }>;
      }
    ).content['application/json'].example;
    expect(Object.keys(patchExample)).toHaveLength(1);
    for (const name of [
      'CreateEventInput',
      'CreateTicketTypeInput',
      'CreateOrderInput',
      'OrderItemInput',
      'UpdateEventInput',
      'LoginInput',
    ]) {
      expect({ name, closed: schemas[name].additionalProperties }).toEqual({ name, closed: false });
    }
    const key = document.paths['/api/orders'].post.parameters!.find(
      (parameter) => (parameter as { name?: string }).name === 'Idempotency-Key',
    ) as unknown as { schema: Schema };
    expect(key.schema).toMatchObject({ type: 'string', minLength: 1, maxLength: 255 });
  });

  it('declares the health check’s 503 with the content type it is served with', async () => {
    const health = document.paths['/api/health'].get.responses['503'];
    expect(Object.keys(health.content!)).toEqual(
      expect.arrayContaining(['application/json', 'application/problem+json']),
    );
  });
});
