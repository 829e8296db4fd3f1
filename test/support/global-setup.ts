// Jest loads its globalSetup without moduleNameMapper, so these imports name the .ts files.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { applyMigrations } from '../../src/infrastructure/database/migrator.ts';
import { databaseUrl, TEST_POSTGRES_URL } from './environment.ts';

const MIGRATIONS_DIR = join(__dirname, '..', '..', 'prisma', 'migrations');

/** Named after the migrations it holds, so a changed migration builds a new template. */
export function templateDatabaseName(): string {
  const hash = createHash('sha256');
  for (const entry of readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .sort((a, b) => a.name.localeCompare(b.name))) {
    hash.update(entry.name).update(readFileSync(join(MIGRATIONS_DIR, entry.name, 'migration.sql')));
  }
  return `eventflow_template_${hash.digest('hex').slice(0, 12)}`;
}

/**
 * Builds, once per migration set, a template database that every test file copies into a fresh
 * database of its own (CREATE DATABASE ... TEMPLATE takes a few tens of milliseconds).
 */
export default async function globalSetup(): Promise<void> {
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `The e2e tests need PostgreSQL at ${TEST_POSTGRES_URL} (set TEST_DATABASE_URL): ${(error as Error).message}`,
      { cause: error },
    );
  }
  try {
    const template = templateDatabaseName();
    // Serialise template building across concurrent `npm test` runs on one server.
    await admin.query('SELECT pg_advisory_lock(4711)');
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
    if (exists.rowCount === 0) {
      const building = `eventflow_test_${Date.now()}_template_${process.pid}`;
      await admin.query(`CREATE DATABASE ${building}`);
      await applyMigrations({
        databaseUrl: databaseUrl(building),
        migrationsDir: MIGRATIONS_DIR,
        log: () => undefined,
      });
      await admin.query(`ALTER DATABASE ${building} RENAME TO ${template}`);
    }
    await admin.query('SELECT pg_advisory_unlock(4711)');
    await dropStaleTestDatabases(admin, template);
  } finally {
    await admin.end();
  }
}

/** Databases left by an interrupted run (test files drop their own when they finish). */
async function dropStaleTestDatabases(admin: pg.Client, currentTemplate: string): Promise<void> {
  const templates = await admin.query<{ datname: string }>(
    "SELECT datname FROM pg_database WHERE datname LIKE 'eventflow\\_template\\_%' AND datname <> $1",
    [currentTemplate],
  );
  for (const { datname } of templates.rows) {
    // Without FORCE: a template another checkout is copying right now stays.
    await admin.query(`DROP DATABASE IF EXISTS ${datname}`).catch((error: Error) => {
      console.warn(`Kept old template ${datname}: ${error.message}`);
    });
  }
  const names = await admin.query<{ datname: string }>(
    "SELECT datname FROM pg_database WHERE datname LIKE 'eventflow\\_test\\_%'",
  );
  const anHourAgo = Date.now() - 3_600_000;
  for (const { datname } of names.rows) {
    const createdAt = Number(/^eventflow_test_(\d+)_/.exec(datname)?.[1]);
    if (createdAt < anHourAgo) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  }
}
