import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { LogController } from 'fastify';
import type { Logger } from 'pino';
import { AppModule } from './app.module.js';
import { serveOpenApi } from './common/http/openapi-document.js';
import { refuseNonJsonBodies } from './common/http/json-only.js';
import { registerRequestLogging, requestIdFrom } from './common/http/request-context.js';
import { createLogger, NestPinoLogger } from './common/logging/logger.js';
import type { AppConfig } from './config/app-config.js';

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
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forConfig(config),
    adapter,
    {
      logger: new NestPinoLogger(logger),
      abortOnError: false,
    },
  );
  app.setGlobalPrefix('api');
  const fastify = app.getHttpAdapter().getInstance();
  registerRequestLogging(fastify);
  refuseNonJsonBodies(fastify);
  serveOpenApi(app);
  await app.init();
  await fastify.ready();
  return app;
}
