import { resolve } from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import type { Logger } from 'pino';
import type { AppConfig } from '../../config/app-config.js';
import { PrismaClient } from '../../generated/prisma/client.js';
import { demoAdminPasswordIsLive, loadDemoData } from './demo-data.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { applyMigrations, withMigrationLock } from './migrator.js';

export interface PreparedDatabase {
  url: string;
  /** Whether the demo admin still has its published password (main.ts chooses HOST with it). */
  demoAdminPasswordLive(): Promise<boolean>;
  /** Stops the embedded PostgreSQL, if one was started; nothing otherwise. */
  stop(): Promise<void>;
}

export const MIGRATIONS_DIR = resolve(process.cwd(), 'prisma', 'migrations');

/**
 * Everything between "configuration read" and "app can start": the embedded PostgreSQL when no
 * DATABASE_URL was given, pending migrations, and the demo data on a database with no users yet.
 */
export async function prepareDatabase(
  config: AppConfig,
  logger: Logger,
): Promise<PreparedDatabase> {
  const embedded = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres(config.dataDir, logger);
  const url = config.databaseUrl ?? embedded!.url;
  try {
    // The demo data is loaded under the migration lock, after the migrations: instances started
    // together on an empty database would otherwise all see no users and all insert them.
    const seed = config.seedDemoData ? () => seedIfEmpty(url, logger) : undefined;
    const log = (line: string) => logger.info(line);
    if (config.migrateOnStart) {
      await applyMigrations({
        databaseUrl: url,
        migrationsDir: MIGRATIONS_DIR,
        log,
        afterMigrations: seed,
      });
    } else if (seed) {
      await withMigrationLock({ databaseUrl: url, log }, seed);
    }
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
  return {
    url,
    demoAdminPasswordLive: () => withPrisma(url, demoAdminPasswordIsLive),
    stop: async () => embedded?.stop(),
  };
}

async function withPrisma<T>(url: string, use: (prisma: PrismaClient) => Promise<T>): Promise<T> {
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: 1 }) });
  try {
    return await use(prisma);
  } finally {
    await prisma.$disconnect();
  }
}

async function seedIfEmpty(url: string, logger: Logger): Promise<void> {
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: 2 }) });
  try {
    if ((await prisma.user.count()) === 0) await loadDemoData(prisma, logger);
  } finally {
    await prisma.$disconnect();
  }
}
