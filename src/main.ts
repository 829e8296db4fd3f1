import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { createApp } from './app.js';
import { createLogger } from './common/logging/logger.js';
import { ConfigError, loadConfig } from './config/load-config.js';
import { prepareDatabase } from './infrastructure/database/prepare-database.js';
import { installGracefulShutdown } from './shutdown.js';

/** The only place that reads the process environment (and `.env`, when there is one). */
function readEnvironment(): Record<string, string | undefined> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  return process.env;
}

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
  const app = await createApp({ ...config, databaseUrl: database.url }, logger);

  installGracefulShutdown(app, { logger, afterClose: () => database.stop() });

  await app.listen({ port: config.port, host: '0.0.0.0' });
  logger.info(
    { port: config.port, docs: `http://localhost:${config.port}/docs` },
    'EventFlow is serving',
  );
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(
      `EventFlow failed to start: ${(error as Error)?.stack ?? String(error)}\n`,
    );
  }
  process.exit(1);
});
