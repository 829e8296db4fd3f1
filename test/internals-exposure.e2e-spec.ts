import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import supertest from 'supertest';
import { createLogger } from '../src/common/logging/logger.js';
import { listenForMetrics, type MetricsListener } from '../src/modules/metrics/metrics-listener.js';
import { bearer } from './support/events.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createUser } from './support/users.js';

/** What production demands of a start (load-config.ts), so NODE_ENV=production can be tested. */
const PRODUCTION = {
  NODE_ENV: 'production',
  PAYMENT_PROVIDER: 'test',
  JWT_SECRET: randomBytes(48).toString('base64'),
  SMTP_URL: 'smtp://127.0.0.1:1',
  PASSWORD_RESET_URL: 'https://tickets.example.com/reset-password',
  JOB_WORKER_ENABLED: 'false',
  LOG_LEVEL: 'silent',
};
const METRICS_TOKEN = randomBytes(32).toString('hex');

/**
 * The internals (/metrics: sales counts; /docs: the whole API surface) are closed or opened by
 * configuration alone: METRICS_TOKEN, METRICS_PORT, NODE_ENV and DOCS_ENABLED.
 */
describe('Who reaches /metrics and /docs (e2e)', () => {
  let db: TestDatabase;
  const started: TestApp[] = [];
  const listeners: MetricsListener[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    for (const listener of listeners) await listener.close();
    for (const api of started) await api.close();
    await db?.drop();
  });

  async function start(env: Record<string, string>): Promise<TestApp> {
    const api = await startTestApp(db, { env });
    started.push(api);
    return api;
  }

  const expectProblem = (
    res: supertest.Response,
    status: number,
    code: string,
  ): supertest.Response => {
    expect([res.status, res.headers['content-type'], res.body.code]).toEqual([
      status,
      expect.stringContaining('application/problem+json'),
      code,
    ]);
    return res;
  };

  describe('with METRICS_TOKEN', () => {
    let api: TestApp;
    beforeAll(async () => {
      api = await start({ ...PRODUCTION, METRICS_TOKEN });
    });

    it('serves the scrape that sends the token', async () => {
      const res = await api.http.get('/metrics').set('authorization', `Bearer ${METRICS_TOKEN}`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toContain('text/plain');
      expect(res.text).toContain('eventflow_http_requests_total');
    });

    it('answers 401 with WWW-Authenticate: Bearer to a missing, wrong or other credential', async () => {
      const organizer = await createUser(api, db, 'ADMIN');
      for (const authorization of [
        undefined,
        `Bearer ${METRICS_TOKEN.slice(0, -1)}`,
        `Bearer ${METRICS_TOKEN}0`,
        `Basic ${Buffer.from(`x:${METRICS_TOKEN}`).toString('base64')}`,
        bearer(organizer),
      ]) {
        const request = api.http.get('/metrics');
        if (authorization) void request.set('authorization', authorization);
        const res = expectProblem(await request, 401, 'unauthorized');
        expect(res.headers['www-authenticate']).toBe('Bearer');
        expect(res.text).not.toContain('eventflow_');
      }
    });
  });

  it('closes /metrics (404) in production when neither METRICS_TOKEN nor METRICS_PORT is set', async () => {
    const api = await start(PRODUCTION);
    expect(api.config.warnings).toEqual([expect.stringMatching(/^\/metrics is closed/)]);
    expectProblem(await api.http.get('/metrics'), 404, 'not-found');
    expectProblem(
      await api.http.get('/metrics').set('authorization', `Bearer ${METRICS_TOKEN}`),
      404,
      'not-found',
    );
    // The rest of the API is unaffected.
    expect((await api.http.get('/api/health')).status).toBe(200);
  });

  it('keeps /metrics open outside production with neither set, as before', async () => {
    const api = await start({});
    expect((await api.http.get('/metrics')).status).toBe(200);
  });

  describe('with METRICS_PORT', () => {
    it('serves /metrics only on its own port, the API port answering 404', async () => {
      const api = await start({ ...PRODUCTION, METRICS_PORT: '0', HOST: '127.0.0.1' });
      const listener = (await listenForMetrics(api.app, api.config, createLogger(api.config)))!;
      listeners.push(listener);
      expect(listener.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const scrape = await fetch(`${listener.url}/metrics`);
      expect(scrape.status).toBe(200);
      expect(await scrape.text()).toContain('eventflow_http_requests_total');
      expect(scrape.headers.get('content-security-policy')).toContain('upgrade-insecure-requests');
      expect(scrape.headers.get('x-request-id')).toBeTruthy();

      expectProblem(await api.http.get('/metrics'), 404, 'not-found');
      // Nothing of the API on the metrics port.
      for (const path of ['/api/health', '/docs', '/']) {
        const other = await fetch(`${listener.url}${path}`);
        expect([path, other.status, ((await other.json()) as { code: string }).code]).toEqual([
          path,
          404,
          'not-found',
        ]);
      }
    });

    it('still asks for METRICS_TOKEN there when both are set', async () => {
      const api = await start({
        ...PRODUCTION,
        METRICS_PORT: '0',
        METRICS_TOKEN,
        HOST: '127.0.0.1',
      });
      const listener = (await listenForMetrics(api.app, api.config, createLogger(api.config)))!;
      listeners.push(listener);
      const anonymous = await fetch(`${listener.url}/metrics`);
      expect([anonymous.status, anonymous.headers.get('www-authenticate')]).toEqual([
        401,
        'Bearer',
      ]);
      expect(((await anonymous.json()) as { code: string }).code).toBe('unauthorized');
      const wrong = await fetch(`${listener.url}/metrics`, {
        headers: { authorization: `Bearer ${'0'.repeat(64)}` },
      });
      expect(wrong.status).toBe(401);
      const scrape = await fetch(`${listener.url}/metrics`, {
        headers: { authorization: `Bearer ${METRICS_TOKEN}` },
      });
      expect(scrape.status).toBe(200);
      expectProblem(
        await api.http.get('/metrics').set('authorization', `Bearer ${METRICS_TOKEN}`),
        404,
        'not-found',
      );
    });
  });

  it('answers 404 on /docs, its assets and the document with DOCS_ENABLED=false', async () => {
    const open = await start({});
    const closed = await start({ DOCS_ENABLED: 'false' });
    const paths = [
      '/docs',
      '/docs/',
      '/docs/swagger-ui-init.js',
      '/docs/swagger-ui.css',
      '/docs-json',
      '/docs-yaml',
    ];
    for (const path of paths) {
      expect([path, (await open.http.get(path)).status]).toEqual([path, 200]);
      const res = await closed.http.get(path);
      expect([path, res.status, res.body.code]).toEqual([path, 404, 'not-found']);
    }
    expect((await closed.http.get('/api/health')).status).toBe(200);
  });
});
