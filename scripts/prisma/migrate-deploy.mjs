// `prisma migrate deploy` without the native engine: the same code the app runs at start.
import { parseArgs } from 'node:util';
import { applyMigrations } from './migrator.mjs';
import { MIGRATIONS_DIR } from './paths.mjs';

const { values } = parseArgs({
  options: { migrations: { type: 'string', default: MIGRATIONS_DIR } },
});
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  // No fallback on purpose: migrating a database nobody named is worse than stopping.
  console.error('DATABASE_URL is not set; it names the database to migrate.');
  process.exit(1);
}

try {
  const applied = await applyMigrations({
    databaseUrl,
    migrationsDir: values.migrations,
    log: (line) => console.log(line),
  });
  console.log(
    applied.length === 0
      ? 'No pending migrations.'
      : `Applied ${applied.length} migration(s): ${applied.join(', ')}`,
  );
} catch (error) {
  console.error(error.message);
  process.exit(1);
}
