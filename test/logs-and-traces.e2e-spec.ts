import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { ChildInstance } from './support/child-instance.js';
import { OtlpReceiver, type ReceivedSpan } from './support/otlp-receiver.js';
import { waitUntil } from './support/redis-server.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

const PROJECT = 'eventflow-test-project';
const SPAN_KIND_SERVER = 2;
const SPAN_KIND_CLIENT = 3;

/** A caller's W3C trace context, sampled, with ids of its own. */
function callerTrace(): { traceId: string; parentId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  const parentId = randomBytes(8).toString('hex');
  return { traceId, parentId, traceparent: `00-${traceId}-${parentId}-01` };
}

function jsonLines(lines: string[]): Record<string, unknown>[] {
  return lines.flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

describe('Logs and traces (a real instance, a real OTLP/HTTP receiver)', () => {
  let db: TestDatabase;
  let receiver: OtlpReceiver;
  let instance: ChildInstance | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    receiver = await OtlpReceiver.start();
  });

  afterEach(async () => {
    await instance?.kill();
    instance = undefined;
  });

  afterAll(async () => {
    await receiver.close();
    await db.drop();
  });

  describe('with OTEL_EXPORTER_OTLP_ENDPOINT and LOG_FORMAT=gcp', () => {
    const tracedEnv = () => ({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: 'eventflow-e2e',
      OTEL_BSP_SCHEDULE_DELAY: '50',
      LOG_FORMAT: 'gcp',
      LOG_LEVEL: 'info',
      GOOGLE_CLOUD_PROJECT: PROJECT,
    });

    it("continues the caller's trace through HTTP, Prisma and Redis, and the log line names it", async () => {
      instance = await ChildInstance.start(db.url, tracedEnv(), {
        preload: './test/support/tracing-preload.ts',
      });
      const caller = callerTrace();

      const answer = await request(instance.url)
        .get('/api/events')
        .set('traceparent', caller.traceparent)
        .set('user-agent', 'logs-and-traces-test');
      expect(answer.status).toBe(200);

      const serverSpan = (): ReceivedSpan | undefined =>
        receiver.inTrace(caller.traceId).find((span) => span.kind === SPAN_KIND_SERVER);
      const prismaSpans = () =>
        receiver.inTrace(caller.traceId).filter((span) => span.name.startsWith('prisma:'));
      const redisSpans = () =>
        receiver
          .inTrace(caller.traceId)
          .filter(
            (span) =>
              span.kind === SPAN_KIND_CLIENT && span.attributes['db.system.name'] === 'redis',
          );
      await waitUntil(
        async () =>
          serverSpan() !== undefined && prismaSpans().length > 0 && redisSpans().length > 0,
        10_000,
      );

      const server = serverSpan()!;
      expect(server).toMatchObject({
        name: 'GET /api/events',
        parentSpanId: caller.parentId,
        serviceName: 'eventflow-e2e',
        attributes: expect.objectContaining({
          'http.route': '/api/events',
          'http.request.method': 'GET',
          'http.response.status_code': 200,
        }),
      });
      expect(redisSpans()[0].attributes).toMatchObject({
        'db.operation.name': expect.any(String),
        'server.port': 6379,
      });

      const line = jsonLines(instance.lines).find(
        (entry) =>
          entry.message === 'request answered' &&
          (entry.httpRequest as { userAgent?: string } | undefined)?.userAgent ===
            'logs-and-traces-test',
      );
      expect(line).toMatchObject({
        severity: 'INFO',
        'logging.googleapis.com/trace': `projects/${PROJECT}/traces/${caller.traceId}`,
        'logging.googleapis.com/spanId': server.spanId,
        'logging.googleapis.com/trace_sampled': true,
        httpRequest: {
          requestMethod: 'GET',
          requestUrl: '/api/events',
          status: 200,
          latency: expect.stringMatching(/^\d+\.\d{3}s$/),
          remoteIp: '127.0.0.1',
        },
      });
      expect(line).not.toHaveProperty('msg');
      expect(line).not.toHaveProperty('level');
    });

    it('exports no query string and no Redis argument: not a reset token, an email or an IP', async () => {
      instance = await ChildInstance.start(
        db.url,
        // One proxy hop trusted, so the client address comes from X-Forwarded-For and differs
        // from the 127.0.0.1 of Redis's own server.address.
        { ...tracedEnv(), TRUST_PROXY_HOPS: '1' },
        { preload: './test/support/tracing-preload.ts' },
      );
      const token = `SECRET${randomBytes(16).toString('hex')}`;
      const reset = callerTrace();
      const checked = await request(instance.url)
        .get(`/api/auth/password-reset/confirm?token=${token}&other=${token}`)
        .set('traceparent', reset.traceparent);
      expect(checked.status).toBe(400);

      const email = `traced-${randomBytes(6).toString('hex')}@example.com`;
      const clientIp = '203.0.113.77';
      const signIn = callerTrace();
      const refused = await request(instance.url)
        .post('/api/auth/login')
        .set('traceparent', signIn.traceparent)
        .set('x-forwarded-for', clientIp)
        .send({ email, password: 'not the password at all' });
      expect(refused.status).toBe(401);

      const serverSpanOf = (traceId: string) =>
        receiver.inTrace(traceId).find((span) => span.kind === SPAN_KIND_SERVER);
      const redisSpans = () =>
        receiver.spans.filter((span) => span.attributes['db.system.name'] === 'redis');
      await waitUntil(
        async () =>
          serverSpanOf(reset.traceId) !== undefined &&
          serverSpanOf(signIn.traceId) !== undefined &&
          redisSpans().some((span) => span.traceId === signIn.traceId),
        10_000,
      );

      const resetServer = serverSpanOf(reset.traceId)!;
      expect(resetServer.attributes).toMatchObject({
        'url.path': '/api/auth/password-reset/confirm',
        'http.route': '/api/auth/password-reset/confirm',
      });
      expect(resetServer.attributes).not.toHaveProperty(['url.query']);
      const exported = JSON.stringify(receiver.spans);
      expect(exported).not.toContain(token);

      expect(serverSpanOf(signIn.traceId)!.attributes).toMatchObject({
        'client.address': clientIp,
      });
      const redis = JSON.stringify(redisSpans());
      expect(redis).not.toContain(email);
      expect(redis).not.toContain(clientIp);
      for (const span of redisSpans()) {
        expect(span.attributes['db.query.text']).toMatch(/^[a-z]+( \?)*$/i);
      }
    });

    it('sends the spans still waiting for their batch when it shuts down gracefully', async () => {
      instance = await ChildInstance.start(
        db.url,
        // A minute's batching: only the shutdown's flush can deliver this request's spans in time.
        { ...tracedEnv(), OTEL_BSP_SCHEDULE_DELAY: '60000' },
        { preload: './test/support/tracing-preload.ts' },
      );
      const caller = callerTrace();
      expect(
        (await request(instance.url).get('/api/events').set('traceparent', caller.traceparent))
          .status,
      ).toBe(200);
      expect(receiver.inTrace(caller.traceId)).toEqual([]);

      expect(await instance.stop()).toBe(0);

      expect(receiver.inTrace(caller.traceId)).toContainEqual(
        expect.objectContaining({ name: 'GET /api/events', kind: SPAN_KIND_SERVER }),
      );
    });
  });

  it('LOG_FORMAT=gcp without tracing takes the trace from X-Cloud-Trace-Context', async () => {
    instance = await ChildInstance.start(db.url, {
      LOG_FORMAT: 'gcp',
      LOG_LEVEL: 'info',
      GOOGLE_CLOUD_PROJECT: PROJECT,
    });
    const traceId = randomBytes(16).toString('hex');
    await request(instance.url)
      .get('/api/events')
      .set('x-cloud-trace-context', `${traceId}/12345;o=1`)
      .expect(200);

    await waitUntil(
      async () => jsonLines(instance!.lines).some((entry) => entry.message === 'request answered'),
      5_000,
    );
    expect(
      jsonLines(instance.lines).find((entry) => entry.message === 'request answered'),
    ).toMatchObject({
      severity: 'INFO',
      'logging.googleapis.com/trace': `projects/${PROJECT}/traces/${traceId}`,
      'logging.googleapis.com/spanId': (12345).toString(16).padStart(16, '0'),
      'logging.googleapis.com/trace_sampled': true,
    });
  });

  it('LOG_FORMAT=pretty writes readable lines, without the route-mapping ones at info', async () => {
    instance = await ChildInstance.start(db.url, { LOG_FORMAT: 'pretty', LOG_LEVEL: 'info' });
    await request(instance.url).get('/api/events').expect(200);
    await waitUntil(
      async () => instance!.lines.some((line) => line.includes('request answered')),
      5_000,
    );

    const logLines = instance.lines.filter((line) => !line.startsWith('listening '));
    expect(logLines.length).toBeGreaterThan(0);
    expect(jsonLines(logLines)).toEqual([]);
    expect(logLines.find((line) => line.includes('request answered'))).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: request answered.*"route":\s*"\/api\/events"/,
    );
    expect(logLines.filter((line) => /Mapped \{|RouterExplorer|RoutesResolver/.test(line))).toEqual(
      [],
    );
    expect(logLines.length).toBeLessThan(15);
  });
});
