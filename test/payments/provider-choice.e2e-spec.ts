import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/common/logging/logger.js';
import { bearer } from '../support/events.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestApp } from '../support/test-app.js';
import { createUser } from '../support/users.js';

const ROOT = join(__dirname, '..', '..');
/** A production start refuses the tests' own secret, which anyone can read. */
const PRODUCTION_SECRET = randomBytes(48).toString('base64');

/** Where the money goes is a deployment's explicit choice; production never guesses it. */
describe('Choosing the payment provider (e2e)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('the production start refuses without PAYMENT_PROVIDER, and says so naming it', async () => {
    const child = spawn(
      process.execPath,
      ['-r', './scripts/ts-register.cjs', '-e', "require('./src/main.ts')"],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          NODE_ENV: 'production',
          JWT_SECRET: PRODUCTION_SECRET,
          DATABASE_URL: db.url,
          PORT: '0',
          SMTP_URL: 'smtp://127.0.0.1:1',
          PASSWORD_RESET_URL: 'https://tickets.example.com/reset-password',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain('PAYMENT_PROVIDER is required when NODE_ENV=production');
  });

  it('PAYMENT_PROVIDER=test in production starts, warning loudly that no money is taken', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    const api = await startTestApp(db, {
      env: {
        NODE_ENV: 'production',
        JWT_SECRET: PRODUCTION_SECRET,
        PAYMENT_PROVIDER: 'test',
        ORDER_SWEEP_INTERVAL_MS: '0',
        SMTP_URL: 'smtp://127.0.0.1:1',
        PASSWORD_RESET_URL: 'https://tickets.example.com/reset-password',
      },
      logger: createLogger({ logLevel: 'info' }, sink),
    });
    try {
      const warnings = lines
        .map((line) => JSON.parse(line) as { level: string; msg: string })
        .filter(
          (entry) =>
            entry.level === 'warn' && entry.msg.includes('PAYMENT_PROVIDER=test IN PRODUCTION'),
        );
      expect(warnings).toHaveLength(1);
      expect(warnings[0].msg).toContain('NO MONEY IS TAKEN');
      expect((await api.http.get('/api/health')).status).toBe(200);
    } finally {
      await api.close();
    }
  });

  it('without Stripe, its webhook endpoint is not there (404 problem), nor browser checkout (409)', async () => {
    const api = await startTestApp(db, { env: { ORDER_SWEEP_INTERVAL_MS: '0' } });
    try {
      const res = await api.http
        .post('/api/payments/stripe/webhook')
        .set('stripe-signature', 't=1,v1=00')
        .send({ type: 'payment_intent.succeeded' });
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toContain('application/problem+json');
      // Nor has the test provider a browser flow.
      const buyer = await createUser(api, db, 'USER');
      const checkout = await api.http
        .post('/api/orders/00000000-0000-4000-8000-000000000000/checkout')
        .set('authorization', bearer(buyer));
      expect(checkout.status).toBe(409);
      expect(checkout.body.code).toBe('checkout-unavailable');
    } finally {
      await api.close();
    }
  });
});
