import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderOpenApi } from '../src/cli/openapi.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';

interface Operation {
  summary?: string;
  security?: unknown[];
  'x-access'?: string;
  parameters?: { in: string }[];
  requestBody?: unknown;
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

describe('The OpenAPI document', () => {
  let db: TestDatabase;
  let api: TestApp;
  let document: { paths: Record<string, Record<string, Operation>> };

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
});
