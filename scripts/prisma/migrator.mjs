// Applies prisma/migrations the way `prisma migrate deploy` does, with plain `pg`: the native
// schema engine that deploy needs cannot be downloaded here, and start-up should not load Wasm.
// It writes Prisma's own `_prisma_migrations` rows, so the real CLI accepts the same history.
// Shared by the app (through src/infrastructure/database/migrator.ts) and `npm run prisma:deploy`;
// types are in migrator.d.mts. No `import.meta` here: Jest runs this file as CommonJS.
import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Logger as QueueLogger, runMigrations as installJobQueue } from 'graphile-worker';
import pg from 'pg';

/** The advisory lock key Prisma Migrate takes, so this and the real CLI exclude each other too. */
export const PRISMA_MIGRATE_LOCK_KEY = 72707369;

// Prisma's DDL, verbatim (schema-engine, sql-schema-connector, postgres flavour).
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);`;

// Prisma ignores PostGIS's own tables when it decides whether a database is empty.
const IGNORED_TABLES = /^(spatial_ref_sys|geometry_columns)$/i;

export class MigrationError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

export async function applyMigrations({
  databaseUrl,
  migrationsDir,
  log = () => {},
  lockTimeoutMs = 300_000,
  afterMigrations,
}) {
  const migrations = await readMigrationsDir(migrationsDir);
  return withMigrationLock({ databaseUrl, log, lockTimeoutMs }, async (client) => {
    const applied = await migrateUnderLock(client, migrations, databaseUrl, log);
    // Still under the lock: simultaneous first starts seed one after the other, the later ones
    // finding the data already there.
    if (afterMigrations) await afterMigrations();
    return applied;
  });
}

/**
 * Runs `work` while holding Prisma's migration lock on a session of its own, which every start
 * (migrating or seeding) and `prisma migrate` take: the one lock that orders them.
 */
export async function withMigrationLock(
  { databaseUrl, log = () => {}, lockTimeoutMs = 300_000 },
  work,
) {
  const client = new pg.Client({
    connectionString: databaseUrl,
    application_name: 'eventflow-migrator',
    connectionTimeoutMillis: 10_000,
  });
  // Without a listener, a connection dropped between queries would crash the whole process.
  client.on('error', (error) => log(`migration connection error: ${error.message}`));
  await client.connect();
  try {
    await acquireLock(client, lockTimeoutMs);
    return await work(client);
  } finally {
    await client.end().catch(() => {}); // ending the session releases the advisory lock
  }
}

async function migrateUnderLock(client, migrations, databaseUrl, log) {
  // Everything below runs under the lock: a second instance waits here, then finds nothing to do.
  await ensureMigrationsTable(client);
  const { rows } = await client.query(
    'SELECT migration_name, checksum, finished_at, rolled_back_at, logs, started_at FROM _prisma_migrations ORDER BY started_at',
  );
  checkHistory(rows, migrations, log);
  const done = new Set(rows.filter((r) => r.rolled_back_at === null).map((r) => r.migration_name));
  const applied = [];
  for (const migration of migrations.filter((m) => !done.has(m.name))) {
    log(`Applying migration ${migration.name}`);
    await applyOne(client, migration);
    applied.push(migration.name);
  }
  // The job queue's own schema (graphile_worker), versioned by the library and installed or
  // upgraded here, under the same lock: the outbox triggers call graphile_worker.add_job.
  await installJobQueue({
    connectionString: databaseUrl,
    logger: new QueueLogger(() => (level, message) => {
      if (level === 'error') log(`job queue schema: ${message}`);
    }),
  });
  return applied;
}

/** The migration folders in the order Prisma applies them (directories only, sorted by name). */
export async function readMigrationsDir(migrationsDir) {
  const entries = await readdir(migrationsDir, { withFileTypes: true }).catch((error) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  const lockfile = await readFile(path.join(migrationsDir, 'migration_lock.toml'), 'utf8').catch(
    () => null,
  );
  const provider = lockfile?.split('\n').find((line) => line.startsWith('provider'));
  if (provider !== undefined && !/^provider\s*=\s*"postgresql"/.test(provider)) {
    throw new MigrationError(
      `${migrationsDir}/migration_lock.toml is for another provider: ${provider}`,
    );
  }
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort((a, b) => a.localeCompare(b));
  return Promise.all(
    names.map(async (name) => {
      const file = path.join(migrationsDir, name, 'migration.sql');
      const script = await readFile(file, 'utf8').catch((error) => {
        throw new MigrationError(`Cannot read ${file}: ${error.message}`, { cause: error });
      });
      return { name, script };
    }),
  );
}

export function checksum(script) {
  return createHash('sha256').update(script, 'utf8').digest('hex');
}

/**
 * Prisma's own comparison: git may have changed line endings, and very old Prisma versions
 * wrote checksums without zero-padding each byte.
 */
export function scriptMatchesChecksum(script, expected) {
  const variants = [script, script.replaceAll('\r\n', '\n'), script.replaceAll('\n', '\r\n')];
  return variants.some((variant) => {
    const digest = createHash('sha256').update(variant, 'utf8').digest();
    const rendered =
      expected.length === 64 || expected.length === 0
        ? digest.toString('hex')
        : [...digest].map((byte) => byte.toString(16)).join('');
    return rendered === expected;
  });
}

async function acquireLock(client, lockTimeoutMs) {
  // lock_timeout bounds the wait for the advisory lock too; reset so migrations run unbounded.
  await client.query(`SET lock_timeout = ${Math.max(1, Math.floor(lockTimeoutMs))}`);
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK_KEY]);
  } catch (error) {
    if (error.code === '55P03') {
      throw new MigrationError(
        `Timed out after ${lockTimeoutMs} ms waiting for the migration lock (pg_advisory_lock(${PRISMA_MIGRATE_LOCK_KEY})): another instance or prisma migrate is still running.`,
        { cause: error },
      );
    }
    throw error;
  }
  await client.query('RESET lock_timeout');
}

async function ensureMigrationsTable(client) {
  const { rows } = await client.query(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'r' AND n.nspname = current_schema()`,
  );
  const tables = rows.map((r) => r.relname);
  if (tables.includes('_prisma_migrations')) return;
  const foreign = tables.filter((t) => !IGNORED_TABLES.test(t));
  if (foreign.length > 0) {
    // Prisma's P3005: migrating a schema built some other way (db push, by hand) would collide.
    throw new MigrationError(
      `The database schema is not empty and has no migration history (tables: ${foreign.join(', ')}). ` +
        'Baseline it first, or migrate an empty database.',
    );
  }
  await client.query(CREATE_MIGRATIONS_TABLE);
}

function checkHistory(rows, migrations, log) {
  const failed = rows.filter((r) => r.finished_at === null && r.rolled_back_at === null);
  if (failed.length > 0) {
    const details = failed
      .map(
        (r) =>
          `- ${r.migration_name} (started ${r.started_at.toISOString()})${r.logs ? `:\n${r.logs.trim()}` : ''}`,
      )
      .join('\n');
    throw new MigrationError(
      `Migrations failed earlier; none will be applied until this is resolved (Prisma P3009):\n${details}\n` +
        'Fix the database by hand, then mark each one rolled back: ' +
        "UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name = '<name>' AND finished_at IS NULL",
    );
  }
  const scripts = new Map(migrations.map((m) => [m.name, m.script]));
  const applied = rows.filter((r) => r.rolled_back_at === null);
  const edited = applied.filter(
    (r) =>
      scripts.has(r.migration_name) &&
      !scriptMatchesChecksum(scripts.get(r.migration_name), r.checksum),
  );
  if (edited.length > 0) {
    throw new MigrationError(
      `Applied migrations were modified after they were applied: ${edited.map((r) => r.migration_name).join(', ')}. ` +
        'Restore their migration.sql and put further changes in a new migration.',
    );
  }
  for (const row of applied.filter((r) => !scripts.has(r.migration_name))) {
    log(
      `Migration ${row.migration_name} is applied in the database but missing from the migrations directory`,
    );
  }
}

// One transaction per migration: its script and its history row commit together, so a crash
// cannot leave a half-applied migration that looks finished. A failure is then recorded the way
// Prisma records it (finished_at NULL, logs set), which blocks later runs until someone looks.
async function applyOne(client, { name, script }) {
  const id = randomUUID();
  const sum = checksum(script);
  await client.query('BEGIN');
  try {
    await client.query(
      'INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, clock_timestamp())',
      [id, sum, name],
    );
    await client.query(script); // no parameters: pg sends it as one multi-statement simple query
    await client.query(
      'UPDATE _prisma_migrations SET applied_steps_count = applied_steps_count + 1, finished_at = clock_timestamp() WHERE id = $1',
      [id],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    const logs = failureLogs(name, error);
    await client
      .query(
        'INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, logs) VALUES ($1, $2, $3, clock_timestamp(), $4)',
        [id, sum, name, logs],
      )
      .catch(() => {});
    throw new MigrationError(logs, { cause: error });
  }
}

function failureLogs(name, error) {
  const where = error.position ? ` (at character ${error.position} of migration.sql)` : '';
  return [
    'A migration failed to apply. New migrations cannot be applied before the error is recovered from.',
    `Migration name: ${name}`,
    `Database error code: ${error.code ?? 'unknown'}`,
    `Database error:\n${error.message}${where}`,
  ].join('\n\n');
}
