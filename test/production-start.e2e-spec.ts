import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { EXAMPLE_PLACEHOLDER_SECRET } from '../src/config/jwt-secret-rules.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

const ROOT = join(__dirname, '..');

/**
 * The production entry point (src/main.ts, what dist/main.js is built from) as a real process: a
 * start that would expose the demo accounts or sign with a guessable secret stops before it
 * touches the database.
 */
describe('A production start refuses what would be unsafe (e2e, real process)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  function startMain(env: Record<string, string>) {
    const child = spawn(
      process.execPath,
      ['-r', './scripts/ts-register.cjs', '-e', "require('./src/main.ts')"],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          NODE_ENV: 'production',
          PAYMENT_PROVIDER: 'test',
          DATABASE_URL: db.url,
          JWT_SECRET: randomBytes(48).toString('base64'),
          ORDER_SWEEP_INTERVAL_MS: '0',
          SMTP_URL: 'smtp://127.0.0.1:1',
          PASSWORD_RESET_URL: 'https://tickets.example.com/reset-password',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<{ code: number | null; stderr: string }>((resolve) =>
      child.once('exit', (code) => resolve({ code, stderr })),
    );
    return { child, exited };
  }

  const userCount = async () =>
    Number((await db.sql.query('SELECT count(*) AS n FROM users')).rows[0].n);

  it.each([
    [
      'the demo data',
      { SEED_DEMO_DATA: 'true' },
      'SEED_DEMO_DATA=true is refused when NODE_ENV=production',
    ],
    [
      '.env.example’s secret',
      { JWT_SECRET: EXAMPLE_PLACEHOLDER_SECRET },
      'JWT_SECRET is the placeholder of .env.example',
    ],
    [
      'a low-variety secret',
      { JWT_SECRET: 'a'.repeat(48) },
      'JWT_SECRET has only 1 different characters',
    ],
  ])('stops with a message naming the problem: %s', async (_, env, message) => {
    const { code, stderr } = await startMain(env).exited;
    expect(code).toBe(1);
    expect(stderr).toContain('Invalid configuration');
    expect(stderr).toContain(message);
    expect(stderr).not.toContain('    at '); // a message for an operator, not a stack trace
    expect(await userCount()).toBe(0);
  });

  it('loads the demo data when forced, warns about it, and serves', async () => {
    const own = await createTestDatabase();
    const port = 40_000 + Math.floor(Math.random() * 20_000);
    const { child, exited } = startMain({
      DATABASE_URL: own.url,
      SEED_DEMO_DATA: 'true',
      SEED_DEMO_DATA_IN_PRODUCTION: 'true',
      PORT: String(port),
      LOG_LEVEL: 'info',
    });
    const messages: { level: string; msg: string }[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the server did not start')), 30_000);
      createInterface({ input: child.stdout }).on('line', (line) => {
        if (!line.startsWith('{')) return;
        messages.push(JSON.parse(line) as { level: string; msg: string });
        if (messages.at(-1)!.msg === 'EventFlow is serving') {
          clearTimeout(timer);
          resolve();
        }
      });
      void exited.then(({ stderr }) => reject(new Error(`the server exited: ${stderr}`)));
    });
    try {
      expect(messages).toContainEqual(
        expect.objectContaining({
          level: 'warn',
          msg: expect.stringContaining('SEED_DEMO_DATA_IN_PRODUCTION=true'),
        }),
      );
      // The demo data's published passwords stay on this machine: loopback, as the log line says.
      expect(messages.at(-1)).toMatchObject({
        address: `http://127.0.0.1:${port}`,
        docs: `http://127.0.0.1:${port}/docs`,
        metrics: expect.stringMatching(/^closed/),
      });
      expect(messages).toContainEqual(
        expect.objectContaining({
          level: 'warn',
          msg: expect.stringMatching(/^\/metrics is closed/),
        }),
      );
      const admins = await own.sql.query("SELECT email FROM users WHERE role = 'ADMIN'");
      expect(admins.rows).toEqual([{ email: 'admin@ticketmaster.test' }]);
      expect((await fetch(`http://127.0.0.1:${port}/api/health`)).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
      await exited;
      await own.drop();
    }
    expect((await exited).code).toBe(0);
  });
});
