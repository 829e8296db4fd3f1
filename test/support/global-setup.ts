// Jest loads its globalSetup without moduleNameMapper, so these imports name the .ts files.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { applyMigrations } from '../../src/infrastructure/database/migrator.ts';
import { databaseUrl, TEST_POSTGRES_URL } from './environment.ts';

const MIGRATIONS_DIR = join(__dirname, '..', '..', 'prisma', 'migrations');

const TEMPLATE_STAMP = 'eventflow test template, last used at ';

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

/**
 * Databases left behind: test databases of an interrupted run (test files drop their own when they
 * finish), and templates of other migration sets no run has used for a day. A template in use by a
 * run of another checkout (recently stamped) is never touched.
 */
async function dropStaleTestDatabases(admin: pg.Client, currentTemplate: string): Promise<void> {
  await admin.query(`COMMENT ON DATABASE ${currentTemplate} IS '${TEMPLATE_STAMP}${Date.now()}'`);
  const templates = await admin.query<{ datname: string; stamp: string | null }>(
    `SELECT datname, shobj_description(oid, 'pg_database') AS stamp FROM pg_database
      WHERE datname LIKE 'eventflow\\_template\\_%' AND datname <> $1`,
    [currentTemplate],
  );
  const aDayAgo = Date.now() - 86_400_000;
  for (const { datname, stamp } of templates.rows) {
    const lastUsed = Number(stamp?.replace(TEMPLATE_STAMP, '') ?? 0);
    if (lastUsed > aDayAgo) continue;
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
