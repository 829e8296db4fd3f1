import type { Span } from '@opentelemetry/api';

/** The ids a log line needs to point at its trace in Cloud Trace (or any OTel backend). */
export interface TraceIds {
  traceId: string;
  spanId: string;
  sampled: boolean;
}

/** What the rest of the app may ask of the tracer, installed by start-tracing.ts when it runs. */
export interface TracingHooks {
  activeSpan(): Span | undefined;
  /** Sends the spans still waiting for their batch; called once, at shutdown. */
  flush(): Promise<void>;
}

/**
 * The app's only way to the tracer. It imports nothing of OpenTelemetry at run time (the type
 * above is erased), so with tracing off the SDK is never loaded and each question costs one check.
 */
let hooks: TracingHooks | undefined;

export function installTracingHooks(installed: TracingHooks): void {
  hooks = installed;
}

export function tracingEnabled(): boolean {
  return hooks !== undefined;
}

export function activeTrace(): TraceIds | undefined {
  const span = hooks?.activeSpan();
  if (span === undefined) return undefined;
  const { traceId, spanId, traceFlags } = span.spanContext();
  return { traceId, spanId, sampled: (traceFlags & 1) === 1 };
}

/**
 * Names the HTTP server span after its route template (`GET /api/events/:id`), as the HTTP
 * semantic conventions ask; the http instrumentation alone only knows the method.
 */
export function nameServerSpan(method: string, route: string | undefined): void {
  if (route === undefined) return;
  const span = hooks?.activeSpan();
  if (span === undefined) return;
  span.updateName(`${method} ${route}`);
  span.setAttribute('http.route', route);
}

export async function flushTracing(): Promise<void> {
  await hooks?.flush();
}
