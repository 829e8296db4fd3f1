// Types for migrator.mjs, which stays plain JavaScript so that `npm run prisma:deploy` needs no build.

export interface ApplyMigrationsOptions {
  /** A postgres:// URL. Tables go to the connection's current schema, as the app's queries see it. */
  databaseUrl: string;
  /** The folder holding `<timestamp>_<name>/migration.sql` and `migration_lock.toml`. */
  migrationsDir: string;
  /** Receives one line per migration applied and any warning about the history. */
  log?: (message: string) => void;
  /** How long to wait for another instance's migration lock before giving up. Default 5 minutes. */
  lockTimeoutMs?: number;
  /** Runs after the migrations, still under the lock (the demo data, so that it is loaded once). */
  afterMigrations?: () => Promise<void>;
}

/** Why no migration was (or could be) applied: a broken history, a lock timeout, a failed script. */
export declare class MigrationError extends Error {
  constructor(message: string, options?: { cause?: unknown });
}

export declare const PRISMA_MIGRATE_LOCK_KEY: 72707369;

/**
 * Applies the pending migrations, each in its own transaction, under Prisma's advisory lock, and
 * returns the names of those it applied (empty when the database was up to date). Throws a
 * MigrationError, applying nothing, if an applied migration's file changed or an earlier one failed.
 * A migration.sql must not contain its own BEGIN/COMMIT.
 */
export declare function applyMigrations(options: ApplyMigrationsOptions): Promise<string[]>;

/**
 * Runs `work` while holding Prisma's migration lock (on a session of its own, passed to `work`),
 * which every start takes before it migrates or seeds.
 */
export declare function withMigrationLock<T>(
  options: Pick<ApplyMigrationsOptions, 'databaseUrl' | 'log' | 'lockTimeoutMs'>,
  work: (client: import('pg').Client) => Promise<T>,
): Promise<T>;

export interface MigrationFile {
  name: string;
  script: string;
}

export declare function readMigrationsDir(migrationsDir: string): Promise<MigrationFile[]>;

/** The checksum Prisma stores: sha256 of migration.sql as UTF-8, in lower-case hex. */
export declare function checksum(script: string): string;

export declare function scriptMatchesChecksum(script: string, expected: string): boolean;
