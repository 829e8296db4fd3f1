// The production entry point's start-up and shutdown, run from the sources in a child process by
// tests that send it real signals (see ts-register.cjs). Configuration comes from the environment.
import 'reflect-metadata';
import { createApp } from '../../src/app.js';
import { createLogger } from '../../src/common/logging/logger.js';
import { loadConfig } from '../../src/config/load-config.js';
import { installGracefulShutdown } from '../../src/shutdown.js';

async function serve(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger(config);
  const app = await createApp(config, logger);
  installGracefulShutdown(app, { logger });
  await app.listen({ port: config.port, host: '127.0.0.1' });
  process.stdout.write(`listening ${config.port}\n`);
}

void serve();
