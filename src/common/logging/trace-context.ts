import { activeTrace, type TraceIds } from '../../infrastructure/tracing/active-trace.js';

type Headers = Record<string, string | string[] | undefined>;

/** version-traceId-parentId-flags; a later version may append fields, version 00 may not. */
const TRACEPARENT = /^([\da-f]{2})-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})(-.*)?$/;
const CLOUD_TRACE_CONTEXT = /^([\da-f]{32})\/(\d{1,20})(?:;o=([01]))?$/;
const INVALID_TRACE_ID = '0'.repeat(32);
const INVALID_SPAN_ID = '0'.repeat(16);
/** W3C Trace Context: a header of version ff, or with an all-zero id, is to be ignored. */
const INVALID_VERSION = 'ff';

/**
 * The trace a request belongs to: the server span's when tracing is on (it already continues the
 * caller's trace), else the caller's own, from W3C `traceparent` or Google's older
 * `X-Cloud-Trace-Context` (`TRACE_ID/SPAN_ID;o=1`, the span id in decimal), so Cloud Logging
 * groups a request's lines under the trace the load balancer started even without a tracer here.
 */
export function requestTrace(headers: Headers): TraceIds | undefined {
  return activeTrace() ?? traceFromHeaders(headers);
}

export function traceFromHeaders(headers: Headers): TraceIds | undefined {
  const traceparent = headers.traceparent;
  if (typeof traceparent === 'string') {
    const match = TRACEPARENT.exec(traceparent.trim().toLowerCase());
    if (match) {
      const [, version, traceId, spanId, flags, rest] = match;
      const valid =
        version !== INVALID_VERSION &&
        (version !== '00' || rest === undefined) &&
        traceId !== INVALID_TRACE_ID &&
        spanId !== INVALID_SPAN_ID;
      if (valid) return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 };
    }
  }
  const cloud = headers['x-cloud-trace-context'];
  if (typeof cloud === 'string') {
    const match = CLOUD_TRACE_CONTEXT.exec(cloud.trim().toLowerCase());
    if (match && match[1] !== INVALID_TRACE_ID) {
      const spanId = BigInt(match[2]);
      if (spanId > 0n && spanId < 1n << 64n) {
        return {
          traceId: match[1],
          spanId: spanId.toString(16).padStart(16, '0'),
          sampled: match[3] === '1',
        };
      }
    }
  }
  return undefined;
}
