import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { inspect } from 'node:util';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import { createLogger } from './common/logging/logger.js';
import { decideListenHost, listenHostNeedsDemoCheck } from './config/listen-host.js';
import { ConfigError, loadConfig } from './config/load-config.js';
import { EmbeddedPostgresError } from './infrastructure/database/embedded-postgres.js';
import { prepareDatabase } from './infrastructure/database/prepare-database.js';
import { listenForMetrics, urlOf } from './modules/metrics/metrics-listener.js';
import { installGracefulShutdown } from './shutdown.js';

/** The only place that reads the process environment (and `.env`, when there is one). */
function readEnvironment(): Record<string, string | undefined> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  return process.env;
}

let stopDatabase: (() => Promise<void>) | undefined;

async function main(): Promise<void> {
  const config = loadConfig(readEnvironment());
  const logger = createLogger(config);
  if (config.jwt.secretGenerated) {
    logger.warn(
      'JWT_SECRET is not set: using a random secret for this process; sign-ins end when it stops',
    );
  }
  for (const warning of config.warnings) logger.warn(warning);
  const database = await prepareDatabase(config, logger);
  stopDatabase = () => database.stop();
  // Known only now: a database seeded by an earlier start keeps the demo admin's published password.
  const listen = decideListenHost(
    config,
    listenHostNeedsDemoCheck(config) && (await database.demoAdminPasswordLive()),
  );
  if (listen.warning) logger.warn(listen.warning);
  const served = { ...config, host: listen.host, databaseUrl: database.url };
  const app = await createApp(served, logger);

  const metricsListener = await listenForMetrics(app, served, logger);
  installGracefulShutdown(app, {
    logger,
    afterClose: async () => {
      await metricsListener?.close();
      await database.stop();
    },
  });

  await app.listen({ port: config.port, host: served.host });
  const bound = app.getHttpServer().address() as AddressInfo;
  const address = urlOf(bound.address, bound.port);
  // 0.0.0.0 and :: are where it listens, not an address a browser can open.
  const browsable = ['0.0.0.0', '::'].includes(bound.address)
    ? urlOf('localhost', bound.port)
    : address;
  logger.info(
    {
      address,
      docs: config.docsEnabled ? `${browsable}/docs` : 'off (DOCS_ENABLED=false)',
      metrics:
        config.metrics.exposure === 'closed'
          ? 'closed (set METRICS_TOKEN or METRICS_PORT)'
          : `${metricsListener?.url ?? address}/metrics${config.metrics.token ? ' (token)' : ''}`,
    },
    'EventFlow is serving',
  );
}

main().catch(async (error: unknown) => {
  // A start that fails after the embedded PostgreSQL came up must not leave it running alone.
  process.stderr.write(`${startFailure(error)}\n`);
  await stopDatabase?.().catch((stopError: unknown) =>
    process.stderr.write(`Stopping the embedded PostgreSQL failed too: ${inspect(stopError)}\n`),
  );
  process.exit(1);
});

/** The real cause, always: a rejection without an Error (`undefined`, a string) included. */
function startFailure(error: unknown): string {
  if (error instanceof ConfigError || error instanceof EmbeddedPostgresError) return error.message;
  if (error instanceof Error) return `EventFlow failed to start: ${inspect(error)}`;
  return `EventFlow failed to start: a step failed without an error object (rejected with ${inspect(error)})`;
}
