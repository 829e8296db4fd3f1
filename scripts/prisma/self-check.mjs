// A by-hand check of the offline migration tooling against a real PostgreSQL, Jest-free:
//   node scripts/prisma/self-check.mjs        (ADMIN_DATABASE_URL defaults to the local server)
// It works on a copy of prisma/schema.prisma in a temporary folder and on scratch databases named
// mig_scratch_*, which it drops again; the project's own prisma/migrations is never touched.
import { execFile } from 'node:child_process';
import { appendFile, cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { applyMigrations, checksum, readMigrationsDir } from './migrator.mjs';
import { LOCAL_DATABASE_URL, SCHEMA_PATH } from './paths.mjs';
import { openSchemaEngine } from './schema-engine.mjs';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const adminUrl = process.env.ADMIN_DATABASE_URL || LOCAL_DATABASE_URL;
const admin = new pg.Client({ connectionString: adminUrl });
const tmp = await mkdtemp(path.join(os.tmpdir(), 'mig-check-'));
const schemaCopy = path.join(tmp, 'schema.prisma');
const migrationsDir = path.join(tmp, 'migrations');
const scratch = [];
let passed = 0;
let failed = 0;

function check(ok, label, detail = '') {
  ok ? passed++ : failed++;
  console.log(`${ok ? 'ok' : 'not ok'} - ${label}${ok || !detail ? '' : `\n    ${detail}`}`);
}

async function createDb(tag) {
  const name = `mig_scratch_${tag}_${process.pid}`;
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  scratch.push(name);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function query(url, sql, params) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

const script = (name) => path.join(here, name);
const create = (...args) =>
  run(process.execPath, [
    script('migrate-create.mjs'),
    ...args,
    '--schema',
    schemaCopy,
    '--migrations',
    migrationsDir,
  ]);
const deploy = (url) =>
  run(process.execPath, [script('migrate-deploy.mjs'), '--migrations', migrationsDir], {
    env: { ...process.env, DATABASE_URL: url },
  });
const migrationDirs = async () =>
  (await readdir(migrationsDir, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
const rejection = (promise) =>
  promise.then(
    () => null,
    (error) => error,
  );

// SQL that a schema cannot express, with semicolons inside a function body on purpose.
const HAND_WRITTEN = `
-- Hand-written
ALTER TABLE "ticket_types" ADD CONSTRAINT "ticket_types_available_range" CHECK ("available" >= 0 AND "available" <= "capacity");
CREATE INDEX "orders_pending_expiry_idx" ON "orders" ("expires_at") WHERE "status" = 'PENDING';
CREATE FUNCTION eventflow_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;
`;

const NO_FILTERS = { externalTables: [], externalEnums: [] };

/** The migrations folder as the Prisma CLI hands it to its engine. */
async function migrationsList() {
  const migrations = await readMigrationsDir(migrationsDir);
  return {
    baseDir: migrationsDir,
    lockfile: {
      path: 'migration_lock.toml',
      content: await readFile(path.join(migrationsDir, 'migration_lock.toml'), 'utf8'),
    },
    shadowDbInitScript: '',
    migrationDirectories: migrations.map((m) => ({
      path: m.name,
      migrationFile: { path: 'migration.sql', content: { tag: 'ok', value: m.script } },
    })),
  };
}

/** What Prisma's own engine (the logic behind `migrate deploy` and `migrate status`) makes of a database. */
async function withPrismaEngine(url, use) {
  const { engine, close } = await openSchemaEngine(url);
  try {
    return await use(engine, await migrationsList());
  } finally {
    await close();
  }
}
const diagnose = (url) =>
  withPrismaEngine(url, (engine, list) =>
    engine.diagnoseMigrationHistory({
      migrationsList: list,
      optInToShadowDatabase: false,
      filters: NO_FILTERS,
    }),
  );

try {
  await admin.connect();
  await cp(SCHEMA_PATH, schemaCopy);

  await create('init');
  const [init] = await migrationDirs();
  check(/^\d{14}_init$/.test(init ?? ''), `first migration from an empty schema: ${init}`);
  const initSql = await readFile(path.join(migrationsDir, init, 'migration.sql'), 'utf8');
  check(
    initSql.startsWith('-- CreateEnum') && !initSql.includes('CREATE SCHEMA'),
    'init starts with the enums, no CREATE SCHEMA',
  );
  await appendFile(path.join(migrationsDir, init, 'migration.sql'), HAND_WRITTEN);

  const a = await createDb('a');
  const first = await deploy(a);
  check(
    first.stdout.includes(`Applied 1 migration(s): ${init}`),
    'deploy applies init',
    first.stdout,
  );
  const [row] = await query(a, 'SELECT * FROM _prisma_migrations');
  const file = await readFile(path.join(migrationsDir, init, 'migration.sql'), 'utf8');
  check(
    row.checksum === checksum(file) &&
      row.checksum.length === 64 &&
      row.applied_steps_count === 1 &&
      row.finished_at &&
      row.logs === null &&
      row.rolled_back_at === null &&
      row.id.length === 36,
    '_prisma_migrations row as Prisma writes it',
    JSON.stringify(row),
  );
  const again = await deploy(a);
  check(again.stdout.trim() === 'No pending migrations.', 're-deploy is a no-op', again.stdout);

  const d = await diagnose(a);
  check(
    d.history === null &&
      d.failedMigrationNames.length === 0 &&
      d.editedMigrationNames.length === 0,
    "Prisma's engine sees the history as in sync",
    JSON.stringify(d),
  );

  const noChange = await create('nothing');
  check(
    noChange.stdout.startsWith('No schema changes') && (await migrationDirs()).length === 1,
    'no schema change: nothing written',
    noChange.stdout,
  );

  const schema = await readFile(schemaCopy, 'utf8');
  await writeFile(
    schemaCopy,
    schema.replace(
      '  name         String   @db.VarChar(100)\n',
      '  name         String   @db.VarChar(100)\n  nickname     String?  @db.VarChar(50)\n',
    ),
  );
  await create('add_nickname');
  const second = (await migrationDirs())[1];
  const alter = await readFile(path.join(migrationsDir, second, 'migration.sql'), 'utf8');
  check(
    alter === '-- AlterTable\nALTER TABLE "users" ADD COLUMN     "nickname" VARCHAR(50);\n',
    'added column: the diff is just that ALTER',
    JSON.stringify(alter),
  );
  const upToDate = await rejection(create('--check'));
  check(upToDate === null, '--check passes once the migration exists');

  await deploy(a);
  const kept = await query(
    a,
    `SELECT (SELECT count(*) FROM pg_constraint WHERE conname = 'ticket_types_available_range')::int AS checks,
            (SELECT count(*) FROM pg_indexes WHERE indexname = 'orders_pending_expiry_idx')::int AS partial,
            (SELECT count(*) FROM pg_proc WHERE proname = 'eventflow_touch')::int AS functions,
            (SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'nickname')::int AS nickname`,
  );
  check(
    JSON.stringify(kept[0]) === '{"checks":1,"partial":1,"functions":1,"nickname":1}',
    'hand-written SQL survives the next migration',
    JSON.stringify(kept[0]),
  );

  const b = await createDb('b');
  const racers = await Promise.all(
    [1, 2, 3, 4].map(() => applyMigrations({ databaseUrl: b, migrationsDir })),
  );
  const rows = await query(b, 'SELECT migration_name FROM _prisma_migrations');
  check(
    racers.flat().length === 2 && rows.length === 2,
    'four instances at once apply each migration once',
    JSON.stringify(racers),
  );

  const lockHolder = new pg.Client({ connectionString: b });
  await lockHolder.connect();
  await lockHolder.query('SELECT pg_advisory_lock(72707369)');
  const timedOut = await rejection(
    applyMigrations({ databaseUrl: b, migrationsDir, lockTimeoutMs: 300 }),
  );
  await lockHolder.end();
  check(
    timedOut?.name === 'MigrationError' && /Timed out/.test(timedOut.message),
    'waits for the lock, then gives up clearly',
    timedOut?.message,
  );

  const initFile = path.join(migrationsDir, init, 'migration.sql');
  await writeFile(initFile, `${file}-- edited\n`);
  const edited = await rejection(deploy(a));
  check(
    /modified after they were applied/.test(edited?.stderr ?? ''),
    'an edited applied migration stops the deploy',
    edited?.stderr,
  );
  await writeFile(initFile, file.replace(/\n/g, '\r\n'));
  check(
    (await deploy(a)).stdout.includes('No pending'),
    'CRLF line endings alone are not an edit (as in Prisma)',
  );
  await writeFile(initFile, file);

  const broken = '29991231235959_broken';
  await cp(path.join(migrationsDir, second), path.join(migrationsDir, broken), { recursive: true });
  await writeFile(
    path.join(migrationsDir, broken, 'migration.sql'),
    'CREATE TABLE half_done (id int);\nSELECT 1/0;\n',
  );
  const failure = await rejection(deploy(a));
  const [failedRow] = await query(a, 'SELECT * FROM _prisma_migrations WHERE migration_name = $1', [
    broken,
  ]);
  const [{ half }] = await query(a, "SELECT to_regclass('half_done') IS NOT NULL AS half");
  check(
    failure &&
      failedRow?.finished_at === null &&
      failedRow.applied_steps_count === 0 &&
      /division by zero/.test(failedRow.logs) &&
      !half,
    'a failing migration rolls back whole and is recorded as failed',
    failure?.stderr,
  );
  const blocked = await rejection(deploy(a));
  check(
    /failed earlier/.test(blocked?.stderr ?? ''),
    'a recorded failure blocks later deploys (P3009)',
    blocked?.stderr,
  );
  check(
    (await diagnose(a)).failedMigrationNames.includes(broken),
    "Prisma's engine sees the same failed migration",
  );
  await rm(path.join(migrationsDir, broken), { recursive: true });

  const c = await createDb('c');
  await query(c, 'CREATE TABLE legacy (id int)');
  const notEmpty = await rejection(applyMigrations({ databaseUrl: c, migrationsDir }));
  check(
    /not empty/.test(notEmpty?.message ?? ''),
    'refuses a non-empty schema with no history (P3005)',
    notEmpty?.message,
  );

  // The other direction: history written by Prisma's own engine is accepted here. Its apply path
  // splits scripts on ";", so give it the generated SQL without the plpgsql.
  await writeFile(initFile, initSql);
  const e = await createDb('e');
  const byPrisma = await withPrismaEngine(e, (engine, list) =>
    engine.applyMigrations({ migrationsList: list, filters: NO_FILTERS }),
  );
  const afterPrisma = await applyMigrations({ databaseUrl: e, migrationsDir });
  check(
    byPrisma.appliedMigrationNames.length === 2 && afterPrisma.length === 0,
    "history written by Prisma's engine is accepted as is",
    JSON.stringify({ byPrisma, afterPrisma }),
  );
  const shape = (url) =>
    query(
      url,
      `SELECT column_name, data_type, character_maximum_length, is_nullable, column_default,
                       (SELECT count(*) FROM _prisma_migrations WHERE logs IS NULL AND applied_steps_count = 1)::int AS clean_rows
                FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
  const [ours, theirs] = [JSON.stringify(await shape(b)), JSON.stringify(await shape(e))];
  check(
    ours === theirs,
    "_prisma_migrations: same columns and row values as Prisma's engine writes",
    `${ours}\n    ${theirs}`,
  );
} catch (error) {
  failed++;
  console.error(error);
} finally {
  for (const name of scratch)
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
  await admin.end().catch(() => {});
  await rm(tmp, { recursive: true, force: true });
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
