import { createHmac } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { startTestApp, TEST_JWT_SECRET, type TestApp } from './support/test-app.js';

const PROBLEM = 'application/problem+json';

function base64url(value: object | string): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString(
    'base64url',
  );
}

/** A JWT signed by hand, to try what a forger would. */
function forgeToken(header: object, claims: object, secret = TEST_JWT_SECRET): string {
  const unsigned = `${base64url(header)}.${base64url(claims)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

describe('Auth (e2e, real PostgreSQL)', () => {
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

  async function register(email: string, password = 'password123', name = 'Test User') {
    return api.http.post('/api/auth/register').send({ email, password, name });
  }

  describe('POST /api/auth/register', () => {
    it('creates a USER account, hashes the password with argon2id and signs in', async () => {
      const res = await register('Ada@Example.com ');
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        user: {
          id: expect.any(String),
          email: 'ada@example.com',
          name: 'Test User',
          role: 'USER',
          createdAt: expect.any(String),
        },
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
      });
      const row = await db.sql.query('SELECT role, password_hash FROM users WHERE email = $1', [
        'ada@example.com',
      ]);
      expect(row.rows[0].role).toBe('USER');
      expect(row.rows[0].password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      expect(JSON.stringify(res.body)).not.toContain('argon2');
    });

    it('refuses a role in the body with 400 and creates no account', async () => {
      const res = await api.http.post('/api/auth/register').send({
        email: 'mallory@example.com',
        password: 'password123',
        name: 'Mallory',
        role: 'ADMIN',
      });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toContain(PROBLEM);
      expect(res.body.errors).toContainEqual({
        field: 'role',
        message: 'is not an accepted field',
      });
      const count = await db.sql.query(
        "SELECT count(*)::int AS n FROM users WHERE email = 'mallory@example.com'",
      );
      expect(count.rows[0].n).toBe(0);
    });

    it.each([
      ['a bad email', { email: 'not-an-email', password: 'password123', name: 'X' }, 'email'],
      [
        'a short password',
        { email: 'short@example.com', password: 'short', name: 'X' },
        'password',
      ],
      ['a missing name', { email: 'noname@example.com', password: 'password123' }, 'name'],
      [
        'a non-string password',
        { email: 'num@example.com', password: 12345678, name: 'X' },
        'password',
      ],
      [
        'an overlong password',
        { email: 'long@example.com', password: 'x'.repeat(129), name: 'X' },
        'password',
      ],
    ])('answers 400 for %s, naming the field', async (_case, body, field) => {
      const res = await api.http.post('/api/auth/register').send(body);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toContain(PROBLEM);
      expect(res.body).toMatchObject({
        status: 400,
        title: 'Bad Request',
        code: 'validation-failed',
        instance: '/api/auth/register',
      });
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });

    it('answers 409 for an email already taken, whatever its case', async () => {
      expect((await register('taken@example.com')).status).toBe(201);
      const res = await register('TAKEN@example.com');
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ status: 409, code: 'email-taken' });
      const count = await db.sql.query(
        "SELECT count(*)::int AS n FROM users WHERE email = 'taken@example.com'",
      );
      expect(count.rows[0].n).toBe(1);
    });

    it('answers 400 problem details for malformed JSON', async () => {
      const res = await api.http
        .post('/api/auth/register')
        .set('content-type', 'application/json')
        .send('{"email": ');
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toContain(PROBLEM);
      expect(res.body).toMatchObject({ status: 400, code: 'malformed-json' });
    });

    it('answers 400 for a body that is not an object', async () => {
      const res = await api.http
        .post('/api/auth/register')
        .set('content-type', 'application/json')
        .send('[1,2]');
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toContain(PROBLEM);
    });
  });

  describe('POST /api/auth/login', () => {
    beforeAll(async () => {
      expect((await register('login@example.com', 'right-password')).status).toBe(201);
    });

    it('signs in with the right password', async () => {
      const res = await api.http
        .post('/api/auth/login')
        .send({ email: 'LOGIN@example.com', password: 'right-password' });
      expect(res.status).toBe(200);
      expect(res.body.user).toMatchObject({ email: 'login@example.com', role: 'USER' });
      expect(res.body.user).not.toHaveProperty('passwordHash');
    });

    it('answers the same 401 for an unknown email and a wrong password', async () => {
      const wrong = await api.http
        .post('/api/auth/login')
        .send({ email: 'login@example.com', password: 'wrong-password' });
      const unknown = await api.http
        .post('/api/auth/login')
        .send({ email: 'nobody@example.com', password: 'wrong-password' });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      const strip = (body: Record<string, unknown>) => ({ ...body, requestId: undefined });
      expect(strip(wrong.body)).toEqual(strip(unknown.body));
      expect(wrong.headers['content-type']).toContain(PROBLEM);
    });
  });

  describe('access tokens', () => {
    let accessToken: string;
    let userId: string;
    beforeAll(async () => {
      const res = await register('tokens@example.com');
      accessToken = res.body.accessToken;
      userId = res.body.user.id;
    });

    it('GET /api/auth/me answers the signed-in user', async () => {
      const res = await api.http.get('/api/auth/me').set('authorization', `Bearer ${accessToken}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        id: userId,
        email: 'tokens@example.com',
        name: 'Test User',
        role: 'USER',
        createdAt: expect.any(String),
      });
    });

    it('answers 401 without a token', async () => {
      const res = await api.http.get('/api/auth/me');
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toContain(PROBLEM);
      expect(res.headers['www-authenticate']).toBe('Bearer');
    });

    const claims = () => ({
      sub: userId,
      role: 'ADMIN',
      iss: 'eventflow',
      aud: 'eventflow-api',
      iat: Math.floor(Date.now() / 1000),
      exp: Math.floor(Date.now() / 1000) + 600,
    });

    it.each([
      [
        'an expired token',
        () => forgeToken({ alg: 'HS256', typ: 'JWT' }, { ...claims(), iat: 1_000, exp: 2_000 }),
      ],
      [
        'a token signed with another key',
        () =>
          forgeToken(
            { alg: 'HS256', typ: 'JWT' },
            claims(),
            'another-secret-another-secret-another',
          ),
      ],
      [
        'an alg:none token',
        () => `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims())}.`,
      ],
      [
        'an HS512 token with the right key',
        () => forgeToken({ alg: 'HS512', typ: 'JWT' }, claims()),
      ],
      [
        'a token with a tampered payload',
        () => {
          const [header, , signature] = accessToken.split('.');
          return `${header}.${base64url(claims())}.${signature}`;
        },
      ],
      [
        'a token for another audience',
        () => forgeToken({ alg: 'HS256', typ: 'JWT' }, { ...claims(), aud: 'someone-else' }),
      ],
      ['garbage', () => 'not.a.jwt'],
    ])('answers 401 for %s', async (_case, makeToken) => {
      const res = await api.http.get('/api/auth/me').set('authorization', `Bearer ${makeToken()}`);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ status: 401, code: 'unauthorized' });
    });
  });

  describe('refresh-token rotation', () => {
    it('rotates: the new pair works and the old refresh token is spent', async () => {
      const signedIn = (await register('rotate@example.com')).body;
      const first = await api.http
        .post('/api/auth/refresh')
        .send({ refreshToken: signedIn.refreshToken });
      expect(first.status).toBe(200);
      expect(first.body).toEqual({
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
      });
      expect(first.body.refreshToken).not.toBe(signedIn.refreshToken);
      const me = await api.http
        .get('/api/auth/me')
        .set('authorization', `Bearer ${first.body.accessToken}`);
      expect(me.status).toBe(200);
      const second = await api.http
        .post('/api/auth/refresh')
        .send({ refreshToken: first.body.refreshToken });
      expect(second.status).toBe(200);
    });

    it('reuse of a spent token answers 401 and revokes the whole sign-in, siblings included', async () => {
      const signedIn = (await register('reuse@example.com')).body;
      const rotated = await api.http
        .post('/api/auth/refresh')
        .send({ refreshToken: signedIn.refreshToken });
      expect(rotated.status).toBe(200);

      const replay = await api.http
        .post('/api/auth/refresh')
        .send({ refreshToken: signedIn.refreshToken });
      expect(replay.status).toBe(401);
      expect(replay.body.detail).toMatch(/already used/);

      const sibling = await api.http
        .post('/api/auth/refresh')
        .send({ refreshToken: rotated.body.refreshToken });
      expect(sibling.status).toBe(401);
      const sessions = await db.sql.query(
        `SELECT s.revoked_at FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = 'reuse@example.com'`,
      );
      expect(sessions.rows).toHaveLength(1);
      expect(sessions.rows[0].revoked_at).not.toBeNull();
    });

    it('a reused token does not end other sign-ins of the same account', async () => {
      await register('two-devices@example.com');
      const laptop = (
        await api.http
          .post('/api/auth/login')
          .send({ email: 'two-devices@example.com', password: 'password123' })
      ).body;
      const phone = (
        await api.http
          .post('/api/auth/login')
          .send({ email: 'two-devices@example.com', password: 'password123' })
      ).body;
      await api.http.post('/api/auth/refresh').send({ refreshToken: laptop.refreshToken });
      expect(
        (await api.http.post('/api/auth/refresh').send({ refreshToken: laptop.refreshToken }))
          .status,
      ).toBe(401);
      expect(
        (await api.http.post('/api/auth/refresh').send({ refreshToken: phone.refreshToken }))
          .status,
      ).toBe(200);
    });

    it('of two simultaneous refreshes with one token, at most one succeeds', async () => {
      const signedIn = (await register('race@example.com')).body;
      const answers = await Promise.all(
        Array.from({ length: 5 }, () =>
          api.http.post('/api/auth/refresh').send({ refreshToken: signedIn.refreshToken }),
        ),
      );
      expect(answers.filter((r) => r.status === 200).length).toBeLessThanOrEqual(1);
      expect(answers.every((r) => r.status === 200 || r.status === 401)).toBe(true);
      const spent = await db.sql.query(
        `SELECT count(*)::int AS n FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id JOIN users u ON u.id = s.user_id
          WHERE u.email = 'race@example.com' AND t.used_at IS NOT NULL`,
      );
      expect(spent.rows[0].n).toBe(1);
    });

    it('answers 401 for an unknown refresh token and 400 for a missing one', async () => {
      expect((await api.http.post('/api/auth/refresh').send({ refreshToken: 'nope' })).status).toBe(
        401,
      );
      expect((await api.http.post('/api/auth/refresh').send({})).status).toBe(400);
    });
  });

  describe('POST /api/auth/logout', () => {
    it('answers 204 and the refresh token stops working', async () => {
      const signedIn = (await register('logout@example.com')).body;
      const out = await api.http
        .post('/api/auth/logout')
        .set('authorization', `Bearer ${signedIn.accessToken}`)
        .send({ refreshToken: signedIn.refreshToken });
      expect(out.status).toBe(204);
      const again = await api.http
        .post('/api/auth/refresh')
        .send({ refreshToken: signedIn.refreshToken });
      expect(again.status).toBe(401);
    });

    it('needs a signed-in caller and cannot end another account’s sign-in', async () => {
      const victim = (await register('victim@example.com')).body;
      const attacker = (await register('attacker@example.com')).body;
      expect(
        (await api.http.post('/api/auth/logout').send({ refreshToken: victim.refreshToken }))
          .status,
      ).toBe(401);
      const res = await api.http
        .post('/api/auth/logout')
        .set('authorization', `Bearer ${attacker.accessToken}`)
        .send({ refreshToken: victim.refreshToken });
      expect(res.status).toBe(204);
      expect(
        (await api.http.post('/api/auth/refresh').send({ refreshToken: victim.refreshToken }))
          .status,
      ).toBe(200);
    });
  });
});
