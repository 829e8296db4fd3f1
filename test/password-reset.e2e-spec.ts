import { createHash } from 'node:crypto';
import { waitForEmailsSettled } from './support/emails.js';
import { waitUntil } from './support/redis-server.js';
import { SmtpSink, type ReceivedEmail } from './support/smtp-sink.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { capturingLogger } from './support/log-capture.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const SUBJECT = 'Reset your EventFlow password';
const REQUESTED = {
  message:
    'If an account uses this email, a link to reset its password is on its way. It works once, for 30 minutes.',
};
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The reset link of an email's text part, and the API path (with its query) it points at. */
function linkOf(email: ReceivedEmail): { link: string; path: string; token: string } {
  const link = /^(https?:\/\/\S+[?&]token=\S+)$/m.exec(email.text)?.[1];
  if (!link) throw new Error(`No reset link in: ${email.text}`);
  const url = new URL(link);
  return { link, path: `${url.pathname}${url.search}`, token: url.searchParams.get('token')! };
}

describe('Password reset (e2e, real SMTP server)', () => {
  let smtp: SmtpSink;
  let db: TestDatabase;
  let api: TestApp;

  beforeAll(async () => {
    smtp = await SmtpSink.start();
    db = await createTestDatabase();
    api = await startTestApp(db, { env: { SMTP_URL: smtp.url } });
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
    await smtp?.close();
  });

  async function register(email: string, password: string) {
    const res = await api.http.post('/api/auth/register').send({ email, password, name: 'Ada' });
    expect(res.status).toBe(201);
    return res.body as { user: { id: string }; refreshToken: string };
  }
  const login = (email: string, password: string) =>
    api.http.post('/api/auth/login').send({ email, password });
  const requestReset = (email: string) => api.http.post('/api/auth/password-reset').send({ email });
  const confirm = (token: string, password: string) =>
    api.http.post('/api/auth/password-reset/confirm').send({ token, password });
  const tokenRows = async (userId: string) =>
    (
      await db.sql.query<{ token_hash: string; valid_for: number; used: boolean }>(
        `SELECT token_hash, extract(epoch FROM expires_at - created_at)::int AS valid_for,
                used_at IS NOT NULL AS used
           FROM password_reset_tokens WHERE user_id = $1 ORDER BY created_at`,
        [userId],
      )
    ).rows;

  it('request → email → link valid → new password: old one refused, every sign-in ended, the link spent', async () => {
    const email = 'reset-me@example.com';
    const account = await register(email, 'old password 1');
    const secondSignIn = await login(email, 'old password 1');
    expect(secondSignIn.status).toBe(200);

    // Asked twice (the address as typed differently): two emails, two links.
    const first = await requestReset(' Reset-Me@Example.com ');
    expect(first.status).toBe(202);
    expect(first.body).toEqual(REQUESTED);
    expect((await requestReset(email)).status).toBe(202);
    const emails = await smtp.waitFor(email, (e) => e.subject === SUBJECT, 2);
    await waitForEmailsSettled(db);
    expect(smtp.to(email)).toHaveLength(2);
    const [older, newer] = emails.map(linkOf);
    expect(older.token).not.toBe(newer.token);

    const [message] = emails;
    expect(message.recipients).toEqual([email]);
    expect(message.text).toContain(`EventFlow account ${email}`);
    expect(message.html).toContain(`href="${older.link.replace(/&/g, '&amp;')}"`);
    expect(older.link.startsWith(`${api.config.mail.passwordResetUrl}?token=`)).toBe(true);
    expect(older.token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // Only hashes are stored, good for 30 minutes; no job row keeps a token once sent.
    const rows = await tokenRows(account.user.id);
    expect(rows.map((row) => row.token_hash).sort()).toEqual(
      [sha256(older.token), sha256(newer.token)].sort(),
    );
    expect(rows.map((row) => row.valid_for)).toEqual([1800, 1800]);
    const jobs = await db.sql.query(
      `SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE task_identifier = 'email:password-reset'`,
    );
    expect(jobs.rows[0].n).toBe(0);

    // Following the link: the API says the token works, and until when.
    const check = await api.http.get(newer.path);
    expect(check.status).toBe(200);
    expect(check.body).toEqual({ valid: true, expiresAt: expect.any(String) });
    const minutesLeft = (Date.parse(check.body.expiresAt as string) - Date.now()) / 60_000;
    expect(minutesLeft).toBeGreaterThan(25);
    expect(minutesLeft).toBeLessThanOrEqual(30.1);

    // Registration's password rules; a refused password spends nothing.
    const weak = await confirm(newer.token, 'short');
    expect(weak.status).toBe(400);
    expect(weak.body.code).toBe('validation-failed');
    expect((await api.http.get(newer.path)).status).toBe(200);

    const done = await confirm(newer.token, 'brand new password');
    expect(done.status).toBe(204);

    expect((await login(email, 'old password 1')).status).toBe(401);
    expect((await login(email, 'brand new password')).status).toBe(200);
    for (const refreshToken of [account.refreshToken, secondSignIn.body.refreshToken as string]) {
      const refreshed = await api.http.post('/api/auth/refresh').send({ refreshToken });
      expect(refreshed.status).toBe(401);
    }

    // Single use, and the other link of the account is spent with it.
    for (const used of [newer, older]) {
      const again = await confirm(used.token, 'another new password');
      expect(again.status).toBe(400);
      expect(again.body).toMatchObject({ code: 'reset-token-invalid', status: 400 });
      const followed = await api.http.get(used.path);
      expect(followed.status).toBe(400);
      expect(followed.body.code).toBe('reset-token-invalid');
    }
    expect((await tokenRows(account.user.id)).every((row) => row.used)).toBe(true);
    expect((await login(email, 'brand new password')).status).toBe(200);
  });

  it('an expired link answers the same problem and changes nothing', async () => {
    const email = 'expired-link@example.com';
    const account = await register(email, 'old password 2');
    expect((await requestReset(email)).status).toBe(202);
    const [message] = await smtp.waitFor(email, (e) => e.subject === SUBJECT);
    const { token, path } = linkOf(message);
    await db.sql.query(
      `UPDATE password_reset_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = $1`,
      [sha256(token)],
    );

    const followed = await api.http.get(path);
    expect(followed.status).toBe(400);
    expect(followed.body.code).toBe('reset-token-invalid');
    const confirmed = await confirm(token, 'brand new password');
    expect(confirmed.status).toBe(400);
    expect(confirmed.body.code).toBe('reset-token-invalid');
    expect((await login(email, 'old password 2')).status).toBe(200);
    const refreshed = await api.http
      .post('/api/auth/refresh')
      .send({ refreshToken: account.refreshToken });
    expect(refreshed.status).toBe(200);
  });

  it('an unknown email gets the very same 202 and nothing is stored or sent', async () => {
    const known = 'known-account@example.com';
    await register(known, 'old password 3');
    const before = await db.sql.query('SELECT count(*)::int AS n FROM password_reset_tokens');
    const sentBefore = smtp.received.length;

    const unknown = await requestReset('nobody-here@example.com');
    const forKnown = await requestReset(known);
    expect(unknown.status).toBe(202);
    expect(unknown.body).toEqual(forKnown.body);
    expect(unknown.headers['content-type']).toBe(forKnown.headers['content-type']);

    await smtp.waitFor(known, (e) => e.subject === SUBJECT);
    await waitForEmailsSettled(db);
    expect(smtp.to('nobody-here@example.com')).toEqual([]);
    expect(smtp.received.length).toBe(sentBefore + 1);
    const after = await db.sql.query('SELECT count(*)::int AS n FROM password_reset_tokens');
    expect(after.rows[0].n).toBe(before.rows[0].n + 1);
  });

  it('an unknown or malformed token is the same problem; a bad email is a 400 like registration', async () => {
    const unknown = await api.http.get('/api/auth/password-reset/confirm?token=nope');
    expect(unknown.status).toBe(400);
    expect(unknown.body.code).toBe('reset-token-invalid');
    const missing = await api.http.get('/api/auth/password-reset/confirm');
    expect(missing.status).toBe(400);
    expect(missing.body.code).toBe('validation-failed');
    const badEmail = await requestReset('not-an-email');
    expect(badEmail.status).toBe(400);
    expect(badEmail.body.errors).toContainEqual({
      field: 'email',
      message: 'must be a valid email address',
    });
    const extra = await api.http
      .post('/api/auth/password-reset/confirm')
      .send({ token: 'x', password: 'long enough password', userId: 'someone' });
    expect(extra.status).toBe(400);
    expect(extra.body.errors).toContainEqual({
      field: 'userId',
      message: 'is not an accepted field',
    });
  });

  it('at most 3 reset emails per account in 30 minutes, whatever the number of requests', async () => {
    const email = 'flooded@example.com';
    const account = await register(email, 'old password 4');
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await requestReset(email));
    expect(answers.map((res) => res.status)).toEqual([202, 202, 202, 202]);
    expect(new Set(answers.map((res) => JSON.stringify(res.body))).size).toBe(1);
    await smtp.waitFor(email, (e) => e.subject === SUBJECT, 3);
    await waitForEmailsSettled(db);
    expect(await tokenRows(account.user.id)).toHaveLength(3);
    expect(smtp.to(email)).toHaveLength(3);
  });
});

describe('Password reset, rate-limited like sign-in', () => {
  let db: TestDatabase;
  let api: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApp(db, {
      env: { LOGIN_THROTTLE_LIMIT: '2', JOB_WORKER_ENABLED: 'false' },
    });
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('answers 429 with Retry-After past the sign-in limit for one email and client', async () => {
    const send = () => api.http.post('/api/auth/password-reset').send({ email: 'x@example.com' });
    expect((await send()).status).toBe(202);
    expect((await send()).status).toBe(202);
    const limited = await send();
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('rate-limited');
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
  });
});

describe('Password reset without SMTP_URL (development)', () => {
  let db: TestDatabase;
  let api: TestApp;
  const { lines: logLines, logger } = capturingLogger();

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApp(db, { logger });
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('writes the email to the log instead, so the link can still be followed', async () => {
    expect(api.config.mail.smtpUrl).toBeUndefined();
    const email = 'dev-reset@example.com';
    expect(
      (
        await api.http
          .post('/api/auth/register')
          .send({ email, password: 'old password 5', name: 'Dev' })
      ).status,
    ).toBe(201);
    expect((await api.http.post('/api/auth/password-reset').send({ email })).status).toBe(202);
    const logged = () =>
      logLines
        .map((line) => JSON.parse(line) as { level: string; msg: string })
        .find((entry) => entry.msg.includes(`not sent, no SMTP_URL: to ${email}`));
    await waitUntil(async () => logged() !== undefined, 20_000);
    const entry = logged()!;
    expect(entry.level).toBe('info');
    expect(entry.msg).toContain(`subject "${SUBJECT}"`);
    const token = /[?&]token=([A-Za-z0-9_-]+)/.exec(entry.msg)?.[1];
    expect(token).toBeDefined();
    const followed = await api.http.get(`/api/auth/password-reset/confirm?token=${token}`);
    expect(followed.status).toBe(200);
  });
});
