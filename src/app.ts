import { RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { LogController, type RawServerDefault } from 'fastify';
import type { Logger } from 'pino';
import { AppModule } from './app.module.js';
import { jsonTextOf } from './common/http/json-body.js';
import { refuseNonJsonBodies } from './common/http/json-only.js';
import { keepRawBody } from './common/http/raw-body.js';
import { serveOpenApi } from './common/http/openapi-document.js';
import { registerRequestLogging, requestIdFrom } from './common/http/request-context.js';
import {
  answerWrongMethods,
  refuseWhileDraining,
  serverEdgeOptions,
} from './common/http/server-edges.js';
import { createLogger, NestPinoLogger } from './common/logging/logger.js';
import type { AppConfig } from './config/app-config.js';
import { MetricsService } from './infrastructure/metrics/metrics.service.js';

/** Largest JSON body accepted; anything bigger is a 413 before it is parsed. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/**
 * Builds a ready application: the same code path for `npm start`, every e2e test and the
 * benchmark. The config must already carry a database URL (the embedded one when none was given).
 */
export async function createApp(
  config: AppConfig,
  logger: Logger = createLogger(config),
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    // Fastify's two lines per request are replaced by our one (registerRequestLogging).
    logController: new LogController({
      disableRequestLogging: true,
      requestIdLogLabel: 'requestId',
    }),
    genReqId: requestIdFrom,
    bodyLimit: BODY_LIMIT_BYTES,
    // Long path parameters reach validation and get a 400 naming the field (Fastify's default
    // cut-off of 100 characters would answer 414 before any rule could say what is wrong).
    routerOptions: { maxParamLength: 1_000 },
    // The client address: the socket's, or the one TRUST_PROXY_HOPS proxies back in
    // X-Forwarded-For. Never whatever a client writes there itself.
    trustProxy: (_address: string, hop: number) => hop < config.trustProxyHops,
    ...serverEdgeOptions(config, logger),
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forConfig(config),
    adapter,
    {
      logger: new NestPinoLogger(logger),
      abortOnError: false,
    },
  );
  app.setGlobalPrefix('api', { exclude: [{ path: 'metrics', method: RequestMethod.GET }] });
  // Nest's built-in equivalent of helmet 8: the same headers and defaults, on errors and 404s too.
  app.useSecurityHeaders();
  if (config.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.corsOrigins.includes('*') ? true : config.corsOrigins,
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-request-id'],
      exposedHeaders: ['x-request-id', 'retry-after'],
      maxAge: 600,
    });
  }
  const fastify = app.getHttpAdapter().getInstance();
  // Fastify's own JSON parser (prototype-poisoning safe), after the checks of jsonTextOf, except
  // that an empty body declared as JSON, which many HTTP clients send on a POST with nothing to
  // say, is simply no body.
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  app.useBodyParser<RawServerDefault>(
    'application/json',
    { bodyLimit: BODY_LIMIT_BYTES },
    (request, body, done) => {
      keepRawBody(request, body);
      if (body.length === 0) return done(null, undefined);
      let text: string;
      try {
        text = jsonTextOf(body);
      } catch (refusal) {
        return done(refusal as Error, undefined);
      }
      void parseJson(request, text, done);
    },
  );
  registerRequestLogging(fastify, app.get(MetricsService), config.logFormat);
  refuseWhileDraining(fastify);
  answerWrongMethods(fastify);
  refuseNonJsonBodies(fastify);
  if (config.docsEnabled) serveOpenApi(app);
  await app.init();
  await fastify.ready();
  return app;
}
