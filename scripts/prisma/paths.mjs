// The same paths as prisma.config.ts, which these scripts cannot load (it is TypeScript).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SCHEMA_PATH = path.join(ROOT, 'prisma', 'schema.prisma');
export const MIGRATIONS_DIR = path.join(ROOT, 'prisma', 'migrations');

/** The schema as of the newest migration, kept beside the migrations (Prisma ignores plain files there). */
export const SNAPSHOT_FILE = 'schema.snapshot.prisma';

/** Only used for the engine's start-up version query when DATABASE_URL is not set. */
export const LOCAL_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';
