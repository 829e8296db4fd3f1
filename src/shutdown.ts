import type { INestApplication } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { startDraining } from './common/http/server-edges.js';
import { flushTracing } from './infrastructure/tracing/active-trace.js';

export interface ShutdownOptions {
  logger: Logger;
  /** After the app is closed: the embedded PostgreSQL, when one was started. */
  afterClose?: () => Promise<void>;
  exit?: (code: number) => void;
  signals?: NodeJS.Signals[];
}

/**
 * On SIGTERM (or SIGINT): stop taking connections, let requests in flight finish, stop the
 * sweeper, then close PostgreSQL and Redis (Nest's hooks run in that order: see OrderSweeper and
 * PrismaService), send the spans still waiting, then exit. A second signal while stopping is
 * ignored: the first one finishes. Returns a function that removes the handlers.
 */
export function installGracefulShutdown(
  app: INestApplication,
  options: ShutdownOptions,
): () => void {
  const {
    logger,
    afterClose,
    exit = (code) => process.exit(code),
    signals = ['SIGTERM', 'SIGINT'],
  } = options;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'Shutting down: finishing in-flight requests');
    startDraining(app.getHttpAdapter().getInstance() as FastifyInstance);
    // A keep-alive connection whose request was in flight when closing began would otherwise hold
    // the server open until its keep-alive timeout: close each connection as soon as it is idle.
    const server = app.getHttpServer() as { closeIdleConnections?: () => void };
    const closeIdle = setInterval(() => server.closeIdleConnections?.(), 50);
    app
      .close()
      .finally(() => clearInterval(closeIdle))
      .then(() => afterClose?.())
      // The last batch of spans (this request's, the shutdown's) is sent before the process ends.
      .then(() =>
        flushTracing().catch((error: unknown) =>
          logger.warn({ err: error }, 'The last spans could not be sent'),
        ),
      )
      .then(
        () => {
          logger.info('Stopped');
          exit(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'Shutdown failed');
          exit(1);
        },
      );
  };
  for (const signal of signals) process.on(signal, onSignal);
  return () => {
    for (const signal of signals) process.off(signal, onSignal);
  };
}
