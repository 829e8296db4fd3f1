import type { INestApplication } from '@nestjs/common';
import { resolveSecurityHeaders } from '@nestjs/core/security/security-headers.js';
import Fastify, { LogController } from 'fastify';
import type { Logger } from 'pino';
import { requireMetricsToken } from '../../common/auth/metrics-token.js';
import { DomainError } from '../../common/errors/domain-error.js';
import { sendProblem } from '../../common/errors/problem-details.filter.js';
import { REQUEST_ID_HEADER, requestIdFrom } from '../../common/http/request-context.js';
import type { AppConfig } from '../../config/app-config.js';
import { MetricsService } from '../../infrastructure/metrics/metrics.service.js';

const SECURITY_HEADERS = resolveSecurityHeaders().headers;

export interface MetricsListener {
  /** Where it listens, such as http://127.0.0.1:9464. */
  url: string;
  close(): Promise<void>;
}

/**
 * METRICS_PORT: a second, deliberately small listener that serves GET /metrics and nothing else,
 * for a scraper inside the network (a sidecar, Prometheus in the cluster) while the API's port
 * faces the internet. It reads the same in-process registry as the API port would, answers every
 * other path with a 404 problem, and still asks for METRICS_TOKEN when one is set. Plain Fastify,
 * not a second Nest application: there is one route and no guard, pipe or module to share.
 */
export async function listenForMetrics(
  app: INestApplication,
  config: AppConfig,
  logger: Logger,
): Promise<MetricsListener | undefined> {
  if (config.metrics.exposure !== 'own-port') return undefined;
  const metrics = app.get(MetricsService);
  const server = Fastify({
    loggerInstance: logger.child({ listener: 'metrics' }),
    // Scrapes come every few seconds: a log line each would drown the API's.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestIdFrom,
    requestTimeout: config.http.requestTimeoutMs,
    keepAliveTimeout: config.http.keepAliveTimeoutMs,
  });
  server.addHook('onRequest', (request, reply, done) => {
    for (const [name, value] of SECURITY_HEADERS) void reply.header(name, value);
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  server.get('/metrics', async (request, reply) => {
    requireMetricsToken(request.headers.authorization, config.metrics.token);
    void reply.header('content-type', metrics.contentType);
    return metrics.render();
  });
  server.setNotFoundHandler((request, reply) => {
    sendProblem(
      new DomainError(404, 'not-found', 'Not Found', 'This port serves GET /metrics only.'),
      request,
      reply,
    );
  });
  server.setErrorHandler((error, request, reply) => sendProblem(error, request, reply));
  await server.listen({ host: config.host, port: config.metrics.port ?? 0 });
  const address = server.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { url: urlOf(config.host, port), close: () => server.close() };
}

/** An address to show in a log line or to call: IPv6 in brackets. */
export function urlOf(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
