import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import type { MetricsService } from '../../infrastructure/metrics/metrics.service.js';
import { registerRequestLogging } from '../http/request-context.js';
import { logContext } from './log-context.js';
import { createLogger, NestPinoLogger } from './logger.js';
import { traceFromHeaders } from './trace-context.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';

function sink(): { lines: () => Record<string, unknown>[]; stream: Writable; raw: string[] } {
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return {
    raw,
    stream,
    lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('LOG_FORMAT=gcp', () => {
  it("maps pino's levels to Cloud Logging severities and writes `message`, not `msg`", () => {
    const out = sink();
    const logger = createLogger({ logLevel: 'trace', logFormat: 'gcp' }, out.stream);
    logger.trace('t');
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    logger.fatal('f');
    expect(out.lines().map((line) => [line.severity, line.message])).toEqual([
      ['DEBUG', 't'],
      ['DEBUG', 'd'],
      ['INFO', 'i'],
      ['WARNING', 'w'],
      ['ERROR', 'e'],
      ['CRITICAL', 'f'],
    ]);
    for (const line of out.lines()) {
      expect(line).not.toHaveProperty('msg');
      expect(line).not.toHaveProperty('level');
      expect(line.time).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/));
    }
  });

  it("names the request's trace as a Cloud Trace resource when the project is known", () => {
    const out = sink();
    const logger = createLogger(
      { logLevel: 'info', logFormat: 'gcp', googleCloudProject: 'my-project' },
      out.stream,
    );
    const trace = traceFromHeaders({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` });
    logContext.run({ requestId: 'r1', trace }, () => logger.info('inside'));
    logger.info('outside');
    const [inside, outside] = out.lines();
    expect(inside).toMatchObject({
      'logging.googleapis.com/trace': `projects/my-project/traces/${TRACE_ID}`,
      'logging.googleapis.com/spanId': SPAN_ID,
      'logging.googleapis.com/trace_sampled': true,
    });
    expect(Object.keys(outside).filter((key) => key.startsWith('logging.'))).toEqual([]);
  });

  it('writes traceId and spanId instead of the trace field without GOOGLE_CLOUD_PROJECT', () => {
    const out = sink();
    const logger = createLogger({ logLevel: 'info', logFormat: 'gcp' }, out.stream);
    const trace = traceFromHeaders({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-00` });
    logContext.run({ requestId: 'r1', trace }, () => logger.info('inside'));
    const [line] = out.lines();
    expect(line).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_ID });
    expect(line).not.toHaveProperty(['logging.googleapis.com/trace']);
  });

  it('still redacts secrets', () => {
    const out = sink();
    createLogger({ logLevel: 'info', logFormat: 'gcp' }, out.stream).info(
      { body: { password: 'hunter2' } },
      'x',
    );
    expect(out.raw[0]).not.toContain('hunter2');
  });
});

describe('trace headers', () => {
  it('reads W3C traceparent, with its sampled flag', () => {
    expect(traceFromHeaders({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` })).toEqual({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      sampled: true,
    });
    expect(traceFromHeaders({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-00` })?.sampled).toBe(false);
  });

  it('reads X-Cloud-Trace-Context, its decimal span id as 16 hex digits', () => {
    expect(traceFromHeaders({ 'x-cloud-trace-context': `${TRACE_ID}/1234567890123;o=1` })).toEqual({
      traceId: TRACE_ID,
      spanId: '0000011f71fb04cb',
      sampled: true,
    });
    // Beyond 2^53: read exactly, not through a float.
    expect(
      traceFromHeaders({ 'x-cloud-trace-context': `${TRACE_ID}/18446744073709551615;o=1` })?.spanId,
    ).toBe('ffffffffffffffff');
    expect(traceFromHeaders({ 'x-cloud-trace-context': `${TRACE_ID}/42` })).toEqual({
      traceId: TRACE_ID,
      spanId: '000000000000002a',
      sampled: false,
    });
  });

  it('prefers traceparent and ignores what is malformed', () => {
    expect(
      traceFromHeaders({
        traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`,
        'x-cloud-trace-context': `${'a'.repeat(32)}/1;o=1`,
      })?.traceId,
    ).toBe(TRACE_ID);
    expect(traceFromHeaders({ traceparent: `00-${'0'.repeat(32)}-${SPAN_ID}-01` })).toBeUndefined();
    expect(traceFromHeaders({ traceparent: 'garbage' })).toBeUndefined();
    expect(
      traceFromHeaders({ 'x-cloud-trace-context': `${TRACE_ID}/18446744073709551616` }),
    ).toBeUndefined();
    expect(traceFromHeaders({ 'x-cloud-trace-context': 'abc/1;o=1' })).toBeUndefined();
    expect(traceFromHeaders({})).toBeUndefined();
  });

  it('takes no trace from a header W3C or Google calls invalid', () => {
    for (const traceparent of [
      `ff-${TRACE_ID}-${SPAN_ID}-01`,
      `00-${TRACE_ID}-${'0'.repeat(16)}-01`,
      `00-${'0'.repeat(32)}-${'0'.repeat(16)}-01`,
      `00-${TRACE_ID}-${SPAN_ID}-01-extra`,
      `00-${TRACE_ID}-${SPAN_ID}-1`,
    ]) {
      expect({ traceparent, trace: traceFromHeaders({ traceparent }) }).toEqual({
        traceparent,
        trace: undefined,
      });
    }
    for (const cloud of [
      `${TRACE_ID}/0;o=1`,
      `${TRACE_ID}/0`,
      `${'0'.repeat(32)}/12345;o=1`,
      `${TRACE_ID}/-1;o=1`,
    ]) {
      expect({ cloud, trace: traceFromHeaders({ 'x-cloud-trace-context': cloud }) }).toEqual({
        cloud,
        trace: undefined,
      });
    }
  });

  it('reads a later traceparent version by its first four fields, as W3C asks', () => {
    expect(traceFromHeaders({ traceparent: `01-${TRACE_ID}-${SPAN_ID}-01-future` })).toEqual({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      sampled: true,
    });
  });

  it('falls back to X-Cloud-Trace-Context when traceparent is invalid', () => {
    expect(
      traceFromHeaders({
        traceparent: `00-${TRACE_ID}-${'0'.repeat(16)}-01`,
        'x-cloud-trace-context': `${'a'.repeat(32)}/7;o=1`,
      }),
    ).toEqual({ traceId: 'a'.repeat(32), spanId: '0000000000000007', sampled: true });
  });
});

describe('the request completion line', () => {
  const metrics = { observeRequest: () => undefined } as unknown as MetricsService;

  async function answered(logFormat: 'gcp' | 'json', headers: Record<string, string>) {
    const out = sink();
    // Typed as the app's Fastify instance: pino's Logger type is stricter than Fastify's base one.
    const fastify = Fastify({
      loggerInstance: createLogger(
        { logLevel: 'info', logFormat, googleCloudProject: 'my-project' },
        out.stream,
      ),
      disableRequestLogging: true,
    }) as unknown as FastifyInstance;
    registerRequestLogging(fastify, metrics, logFormat);
    fastify.get('/api/things/:id', async () => ({ ok: true }));
    // A real listener: Jest cannot load inject()'s ESM-only cookie parser.
    const address = await fastify.listen({ port: 0, host: '127.0.0.1' });
    await (await fetch(`${address}/api/things/7?token=secret`, { headers })).text();
    await fastify.close();
    return out.lines().find((line) => (line.message ?? line.msg) === 'request answered')!;
  }

  it("carries Cloud Logging's httpRequest and the caller's trace in gcp format", async () => {
    const line = await answered('gcp', {
      'user-agent': 'probe/1',
      'x-cloud-trace-context': `${TRACE_ID}/5;o=1`,
    });
    expect(line).toMatchObject({
      severity: 'INFO',
      route: '/api/things/:id',
      httpRequest: {
        requestMethod: 'GET',
        requestUrl: '/api/things/7',
        status: 200,
        latency: expect.stringMatching(/^\d+\.\d{3}s$/),
        userAgent: 'probe/1',
        remoteIp: '127.0.0.1',
        responseSize: '11',
      },
      'logging.googleapis.com/trace': `projects/my-project/traces/${TRACE_ID}`,
      'logging.googleapis.com/spanId': '0000000000000005',
    });
    expect(JSON.stringify(line)).not.toContain('secret');
  });

  it('stays as it was in json format: no httpRequest, no trace without a tracer', async () => {
    const line = await answered('json', { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` });
    expect(line).toMatchObject({ level: 'info', msg: 'request answered', status: 200 });
    expect(line).not.toHaveProperty('httpRequest');
    expect(line).not.toHaveProperty('traceId');
  });
});

describe("Nest's start-up detail", () => {
  it('goes at debug level: route mappings and module loading are not info', () => {
    const out = sink();
    const nest = new NestPinoLogger(createLogger({ logLevel: 'debug' }, out.stream));
    nest.log('Mapped {/api/events, GET} route', 'RouterExplorer');
    nest.log('EventsController {/api/events}:', 'RoutesResolver');
    nest.log('AppModule dependencies initialized', 'InstanceLoader');
    nest.log('Nest application successfully started', 'NestApplication');
    expect(out.lines().map((line) => [line.level, line.context])).toEqual([
      ['debug', 'RouterExplorer'],
      ['debug', 'RoutesResolver'],
      ['debug', 'InstanceLoader'],
      ['info', 'NestApplication'],
    ]);
  });
});

describe('LOG_FORMAT=pretty', () => {
  it('writes one readable line per entry, not JSON', () => {
    const out = sink();
    createLogger({ logLevel: 'info', logFormat: 'pretty' }, out.stream).info(
      { route: '/api/events' },
      'request answered',
    );
    expect(out.raw).toHaveLength(1);
    expect(out.raw[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: request answered /);
    expect(out.raw[0]).not.toMatch(/pid|hostname|"service"/);
    expect(() => JSON.parse(out.raw[0])).toThrow();
  });
});
