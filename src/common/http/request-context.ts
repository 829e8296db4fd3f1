import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { MetricsService } from '../../infrastructure/metrics/metrics.service.js';
import { logContext } from '../logging/log-context.js';

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
export function registerRequestLogging(fastify: FastifyInstance, metrics: MetricsService): void {
  // Everything after this hook in the request's life runs inside its log context.
  fastify.addHook('onRequest', (request, _reply, done) => {
    logContext.run({ requestId: request.id }, done);
  });
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
  });
  fastify.addHook('onResponse', async (request: FastifyRequest, reply) => {
    const status = reply.statusCode;
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.observeRequest(request.method, route, status, reply.elapsedTime / 1000);
    const line = {
      method: request.method,
      route,
      url: request.url.split('?')[0],
      status,
      durationMs: Math.round(reply.elapsedTime * 100) / 100,
      userId: request.user?.id,
    };
    if (status >= 500) request.log.error(line, 'request answered');
    else request.log.info(line, 'request answered');
  });
}
