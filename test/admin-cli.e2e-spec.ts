import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const ROOT = join(__dirname, '..');

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `npm run admin:create` and `admin:demote` as an operator runs them: a real process (the sources
 * of dist/cli/admin.js) against the database, then the API to prove what it did.
 */
describe('Admin accounts from the command line (e2e, real process)', () => {
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

  /** `stdin` is what is piped in (then closed); without it, standard input is empty. */
  function admin(args: string[], stdin = ''): Promise<CliRun> {
    const child = spawn(
      process.execPath,
      ['-r', './scripts/ts-register.cjs', '-e', "require('./src/cli/admin.ts')", ...args],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH, NODE_ENV: 'test', DATABASE_URL: db.url },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end(stdin);
    return new Promise((resolve) =>
      child.once('close', (code) => resolve({ code, stdout, stderr })),
    );
  }

  const newEmail = () => `organizer-${randomUUID()}@example.com`;
  const roleOf = async (email: string): Promise<string | undefined> =>
    (await db.sql.query('SELECT role FROM users WHERE email = $1', [email])).rows[0]?.role;

  async function register(email: string) {
    const res = await api.http
      .post('/api/auth/register')
      .send({ email, password: 'password123', name: 'Someone' });
    expect(res.status).toBe(201);
    return res.body as { user: { id: string }; accessToken: string };
  }

  /** An admin route: setting the caller's own role to what it is changes nothing. */
  const adminRoute = (token: string, userId: string) =>
    api.http
      .put(`/api/users/${userId}/role`)
      .set('authorization', `Bearer ${token}`)
      .send({ role: 'ADMIN' });

  it('creates an ADMIN with the password from standard input, who signs in and organizes', async () => {
    const email = newEmail();
    const run = await admin(
      ['create', '--email', email.toUpperCase(), '--name', 'Ann Organizer'],
      'correct horse battery staple\n',
    );
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(new RegExp(`^Created ${email} \\(Ann Organizer\\), an ADMIN, id `));

    const row = await db.sql.query('SELECT role, name, password_hash FROM users WHERE email = $1', [
      email,
    ]);
    expect(row.rows[0]).toMatchObject({ role: 'ADMIN', name: 'Ann Organizer' });
    expect(row.rows[0].password_hash).toMatch(/^\$argon2id\$/);

    const login = await api.http
      .post('/api/auth/login')
      .send({ email, password: 'correct horse battery staple' });
    expect(login.status).toBe(200);
    expect(login.body.user).toMatchObject({ email, role: 'ADMIN', name: 'Ann Organizer' });
    expect((await adminRoute(login.body.accessToken, login.body.user.id)).status).toBe(200);
  });

  it('promotes an existing USER without a password; its old token works on admin routes at once', async () => {
    const email = newEmail();
    const buyer = await register(email);
    expect((await adminRoute(buyer.accessToken, buyer.user.id)).status).toBe(403);

    const run = await admin(['create', '--email', email]);
    expect(run).toMatchObject({ code: 0, stdout: `${email} is an ADMIN now.\n`, stderr: '' });
    expect(await roleOf(email)).toBe('ADMIN');
    // The token was signed with role USER; admin routes read the role from the database.
    expect((await adminRoute(buyer.accessToken, buyer.user.id)).status).toBe(200);
    const me = await api.http
      .get('/api/auth/me')
      .set('authorization', `Bearer ${buyer.accessToken}`);
    expect(me.body.role).toBe('ADMIN');

    const again = await admin(['create', '--email', email, '--name', 'Ignored']);
    expect(again).toMatchObject({ code: 0, stdout: `${email} was already an ADMIN.\n` });
    const name = await db.sql.query('SELECT name FROM users WHERE email = $1', [email]);
    expect(name.rows[0].name).toBe('Someone');
  });

  it('demotes an ADMIN: its next request to an admin route is a 403', async () => {
    const email = newEmail();
    const account = await register(email);
    expect((await admin(['create', '--email', email])).code).toBe(0);
    const login = await api.http.post('/api/auth/login').send({ email, password: 'password123' });
    expect((await adminRoute(login.body.accessToken, account.user.id)).status).toBe(200);

    const run = await admin(['demote', '--email', email]);
    expect(run).toMatchObject({ code: 0, stdout: `${email} is a USER now.\n`, stderr: '' });
    expect(await roleOf(email)).toBe('USER');
    const refused = await adminRoute(login.body.accessToken, account.user.id);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('forbidden');
  });

  it('refuses to demote the last ADMIN', async () => {
    const email = newEmail();
    await register(email);
    await db.sql.query("UPDATE users SET role = 'USER' WHERE role = 'ADMIN'");
    expect((await admin(['create', '--email', email])).code).toBe(0);

    const run = await admin(['demote', '--email', email]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'This is the last organizer (ADMIN); make another account ADMIN first.\n',
    );
    expect(await roleOf(email)).toBe('ADMIN');
  });

  it.each([
    [['create', '--email', 'x@example.com', '--name', 'X', '--password', 'hunter2hunter2']],
    [['create', '--email', 'x@example.com', '--name', 'X', '--password=hunter2hunter2']],
    [['create', '--email', 'x@example.com', '--name', 'X', '-p', 'hunter2hunter2']],
  ])('refuses a password given as an argument, saying why: %j', async (args) => {
    const run = await admin(args, 'hunter2hunter2\n');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('A password is never an argument');
    expect(run.stderr).not.toContain('hunter2');
    expect(await roleOf('x@example.com')).toBeUndefined();
  });

  it.each([
    [
      'a bad email',
      ['create', '--email', 'not-an-email', '--name', 'X'],
      'correct horse\n',
      'email must be a valid email address',
    ],
    ['no email', ['create', '--name', 'X'], '', '--email is required'],
    ['an unknown command', ['promote', '--email', 'x@example.com'], '', 'Usage:'],
    [
      'an unknown option',
      ['create', '--email', 'x@example.com', '--role', 'ADMIN'],
      '',
      "Unknown option '--role'",
    ],
    [
      'a new account without --name',
      ['create', '--email', 'x@example.com'],
      '',
      'give --name to create one',
    ],
    [
      'a password under 8 characters',
      ['create', '--email', 'x@example.com', '--name', 'X'],
      'short\n',
      'password must be at least 8 characters',
    ],
    [
      'no password on standard input',
      ['create', '--email', 'x@example.com', '--name', 'X'],
      '',
      'No password on standard input',
    ],
    [
      'demoting an unknown email',
      ['demote', '--email', 'x@example.com'],
      '',
      'An account with this email was not found.',
    ],
  ])('stops with a message and changes nothing: %s', async (_, args, stdin, message) => {
    const run = await admin(args, stdin);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(message);
    expect(run.stderr).not.toContain('    at '); // told, not a stack trace
    expect(await roleOf('x@example.com')).toBeUndefined();
  });
});
