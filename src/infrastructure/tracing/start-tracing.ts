import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import {
  ATTR_SERVICE_NAME,
  ATTR_URL_FULL,
  ATTR_URL_QUERY,
} from '@opentelemetry/semantic-conventions';
import { PrismaInstrumentation } from '@prisma/instrumentation';
import type { TracingConfig } from '../../config/app-config.js';
import { installTracingHooks } from './active-trace.js';
import { traceRedisCommands } from './redis-spans.js';
import { outgoingUrlWithoutQuery, pathWithoutQuery } from './span-urls.js';

/** Probes and scrapes come every few seconds and say nothing about a user's request. */
const UNTRACED_PATHS = new Set(['/api/health', '/api/health/ready', '/metrics']);

/**
 * Installs OpenTelemetry: spans over OTLP/HTTP (JSON) in batches, the caller's W3C `traceparent`
 * continued (a caller's sampling decision is followed; new traces are sampled at the ratio), and
 * spans for incoming and outgoing HTTP, Prisma's queries and Redis commands.
 *
 * Must run before Fastify is loaded: the http instrumentation patches `node:http` as Fastify,
 * a CommonJS package, require()s it. Prisma's client asks a global the instrumentation sets, and
 * Redis spans come from a diagnostics channel, so neither needs an ESM loader hook.
 */
export function startTracing(config: TracingConfig): void {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.serviceName }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.samplerRatio) }),
    spanProcessors: [
      // A collector that does not answer costs a shutdown at most 5 s (Cloud Run allows 10 s
      // after SIGTERM), not the SDK's default 30 s.
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url: config.tracesUrl, timeoutMillis: 5_000 }),
        scheduledDelayMillis: config.exportDelayMs,
        exportTimeoutMillis: 5_000,
      }),
    ],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) =>
          UNTRACED_PATHS.has(pathWithoutQuery(request.url ?? '')),
        // No query string leaves the process in a span: a password-reset link's `?token=` is a
        // live credential, and the instrumentation redacts only a fixed list of parameter names.
        // Its hook attributes are applied last, and an undefined value is dropped, so the server
        // span keeps `url.path` and loses `url.query`; the client span's `url.full` is rebuilt.
        startIncomingSpanHook: () => ({ [ATTR_URL_QUERY]: undefined }),
        startOutgoingSpanHook: (options) => ({ [ATTR_URL_FULL]: outgoingUrlWithoutQuery(options) }),
        // The OTLP exporter's own requests would otherwise be traced, and exported, forever.
        requireParentforOutgoingSpans: true,
      }),
      new PrismaInstrumentation(),
    ],
  });
  traceRedisCommands(provider.getTracer('eventflow-redis'));
  installTracingHooks({
    activeSpan: () => trace.getActiveSpan(),
    flush: () => provider.shutdown(),
  });
}
