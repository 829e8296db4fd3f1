import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { bearer, createEvent } from './support/events.js';
import { TEST_REDIS_URL } from './support/environment.js';
import { placeOrder } from './support/orders.js';
import { waitUntil } from './support/redis-server.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { startTestApp, TEST_JWT_SECRET, type TestApp } from './support/test-app.js';
import { createUser } from './support/users.js';

const ROOT = join(__dirname, '..');

/**
 * A real process gets a real SIGTERM: the service runs from the sources in a child process
 * (test/support/serve.ts, the start-up and shutdown of src/main.ts without the embedded database).
 */
describe('Graceful shutdown on SIGTERM (e2e, real process)', () => {
  let db: TestDatabase;
  let api: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApp(db);
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('finishes the request in flight, refuses new ones, closes PostgreSQL and Redis, then exits 0', async () => {
    const organizer = await createUser(api, db, 'ADMIN');
    const buyer = await createUser(api, db, 'USER');
    const event = await createEvent(api, organizer);
    const held = await placeOrder(api, buyer, [
      { ticketTypeId: event.ticketTypes[0].id, quantity: 1 },
    ]);

    const port = 40_000 + Math.floor(Math.random() * 20_000);
    const child = spawn(
      process.execPath,
      ['-r', './scripts/ts-register.cjs', '-e', "require('./test/support/serve.ts')"],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          NODE_ENV: 'test',
          PORT: String(port),
          DATABASE_URL: db.url,
          REDIS_URL: TEST_REDIS_URL,
          REDIS_KEY_PREFIX: `eventflow-test:shutdown-${port}:`,
          JWT_SECRET: TEST_JWT_SECRET,
          LOG_LEVEL: 'info',
          ORDER_SWEEP_INTERVAL_MS: '0',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const lines: string[] = [];
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the server did not start:\n${lines.join('\n')}`)),
        30_000,
      );
      createInterface({ input: child.stdout }).on('line', (line) => {
        lines.push(line);
        if (line === `listening ${port}`) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.stderr.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
    });
    const base = `http://127.0.0.1:${port}`;

    // A slow request: the test payment provider takes 1.5 s to approve this token.
    const slow = fetch(`${base}/api/orders/${held.body.id}/pay`, {
      method: 'POST',
      headers: { authorization: bearer(buyer), 'content-type': 'application/json' },
      body: JSON.stringify({ paymentToken: 'tok_delay_1500' }),
    });
    // In flight: its payment attempt is recorded, and the provider is taking its time.
    await waitUntil(async () => {
      const attempt = await db.sql.query('SELECT 1 FROM payments WHERE order_id = $1', [
        held.body.id,
      ]);
      return attempt.rowCount === 1;
    }, 10_000);
    child.kill('SIGTERM');
    // New connections are refused while the slow request is still being answered.
    await waitUntil(
      () =>
        fetch(`${base}/api/health`).then(
          () => false,
          () => true,
        ),
      1_000,
    );

    const answer = await slow;
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { status: string }).status).toBe('PAID');
    expect(await exited).toBe(0);

    const messages = lines
      .filter((line) => line.startsWith('{'))
      .map((line) => (JSON.parse(line) as { msg: string }).msg);
    const order = [
      'Shutting down: finishing in-flight requests',
      'request answered',
      'Database connections closed',
      'Redis connection closed',
      'Stopped',
    ];
    const positions = order.map((msg) => messages.lastIndexOf(msg));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect(positions.indexOf(Math.min(...positions))).toBe(0);
    expect(positions[positions.length - 1]).toBe(Math.max(...positions));
    const paid = await db.sql.query('SELECT status FROM orders WHERE id = $1', [held.body.id]);
    expect(paid.rows[0].status).toBe('PAID');
  }, 60_000);
});
