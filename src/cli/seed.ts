import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { PrismaPg } from '@prisma/adapter-pg';
import { createLogger } from '../common/logging/logger.js';
import { ConfigError, loadConfig } from '../config/load-config.js';
import { PrismaClient } from '../generated/prisma/client.js';
import { loadDemoData } from '../infrastructure/database/demo-data.js';
import { prepareDatabase } from '../infrastructure/database/prepare-database.js';

/**
 * `npm run prisma:seed`: the demo accounts and events of API.md, on DATABASE_URL or on the
 * embedded database. Running it again adds nothing.
 */
async function seed(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  // Read as a start that seeds, so production refuses it as it refuses SEED_DEMO_DATA=true.
  const config = loadConfig({ ...process.env, SEED_DEMO_DATA: 'true' });
  const logger = createLogger({
    logLevel: config.logLevel === 'silent' ? 'info' : config.logLevel,
  });
  const database = await prepareDatabase({ ...config, seedDemoData: false }, logger);
  const prisma = new PrismaClient({
    adapter: new PrismaPg({ connectionString: database.url, max: 2 }),
  });
  try {
    await loadDemoData(prisma, logger);
  } finally {
    await prisma.$disconnect();
    await database.stop();
  }
}

seed().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof ConfigError ? error.message : ((error as Error)?.stack ?? String(error))}\n`,
  );
  process.exit(1);
});
