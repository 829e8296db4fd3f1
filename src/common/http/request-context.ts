import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '../../config/app-config.js';
import type { MetricsService } from '../../infrastructure/metrics/metrics.service.js';
import { nameServerSpan } from '../../infrastructure/tracing/active-trace.js';
import { logContext } from '../logging/log-context.js';
import { requestTrace } from '../logging/trace-context.js';

export const REQUEST_ID_HEADER = 'x-request-id';

/** A client's request id is kept only if it is short and plain, so logs cannot be forged through it. */
export function requestIdFrom(request: {
  headers: Record<string, string | string[] | undefined>;
}): string {
  const given = request.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
}

/**
 * Echoes the request id; when a request is answered, writes its one structured log line and
 * counts it in the metrics (by route template: an unknown URL is "unmatched", not a new series).
 */
export function registerRequestLogging(
  fastify: FastifyInstance,
  metrics: MetricsService,
  logFormat: AppConfig['logFormat'] = 'json',
): void {
  const cloudLogging = logFormat === 'gcp';
  // Everything after this hook in the request's life runs inside its log context.
  fastify.addHook('onRequest', (request, _reply, done) => {
    // The route is known here already; the span may have ended by onResponse.
    nameServerSpan(request.method, request.routeOptions.url);
    logContext.run({ requestId: request.id, trace: requestTrace(request.headers) }, done);
  });
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
  });
  fastify.addHook('onResponse', async (request: FastifyRequest, reply) => {
    const status = reply.statusCode;
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.observeRequest(request.method, route, status, reply.elapsedTime / 1000);
    const url = request.url.split('?')[0];
    const line = {
      method: request.method,
      route,
      url,
      status,
      durationMs: Math.round(reply.elapsedTime * 100) / 100,
      userId: request.user?.id,
      ...(cloudLogging && { httpRequest: cloudHttpRequest(request, reply, url) }),
    };
    if (status >= 500) request.log.error(line, 'request answered');
    else request.log.info(line, 'request answered');
  });
}

/**
 * Cloud Logging's HttpRequest, which its console shows as the request line (method, status,
 * latency, size). The URL without its query, like the line's own `url`: a query may carry a token.
 */
export function cloudHttpRequest(
  request: FastifyRequest,
  reply: FastifyReply,
  url: string | undefined,
): Record<string, unknown> {
  const size = reply.getHeader('content-length');
  return {
    requestMethod: request.method,
    requestUrl: url,
    status: reply.statusCode,
    latency: `${(reply.elapsedTime / 1000).toFixed(3)}s`,
    userAgent: request.headers['user-agent'],
    remoteIp: request.ip,
    ...(size !== undefined && { responseSize: String(size) }),
  };
}
