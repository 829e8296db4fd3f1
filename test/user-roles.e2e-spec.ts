import { randomUUID } from 'node:crypto';
import { bearer } from './support/events.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createUser, type TestUser } from './support/users.js';

/** PUT /api/users/:id/role, and a role change counting from the account's next request. */
describe('Roles through the API (e2e, real PostgreSQL)', () => {
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

  const setRole = (caller: TestUser, userId: string, body: object) =>
    api.http.put(`/api/users/${userId}/role`).set('authorization', bearer(caller)).send(body);
  const roleOf = async (userId: string) =>
    (await db.sql.query('SELECT role FROM users WHERE id = $1', [userId])).rows[0]?.role;
  const me = (user: TestUser) => api.http.get('/api/auth/me').set('authorization', bearer(user));
  /** Leaves `keep` the only ADMIN of the database. */
  const onlyAdmin = (keep: TestUser) =>
    db.sql.query("UPDATE users SET role = 'USER' WHERE role = 'ADMIN' AND id <> $1", [keep.id]);

  it('promotes a USER: the answer is the account, and its old USER token works on admin routes at once', async () => {
    const organizer = await createUser(api, db, 'ADMIN');
    const buyer = await createUser(api, db, 'USER', 'Bea Buyer');
    expect((await setRole(buyer, buyer.id, { role: 'ADMIN' })).status).toBe(403);

    const res = await setRole(organizer, buyer.id, { role: 'ADMIN' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: buyer.id,
      email: buyer.email,
      name: 'Bea Buyer',
      role: 'ADMIN',
      createdAt: expect.any(String),
    });
    expect(await roleOf(buyer.id)).toBe('ADMIN');
    // `buyer.accessToken` was signed with role USER.
    expect((await setRole(buyer, buyer.id, { role: 'ADMIN' })).status).toBe(200);
    expect((await me(buyer)).body.role).toBe('ADMIN');
  });

  it('demotes an ADMIN: its next request to an admin route is a 403, whatever its token says', async () => {
    const organizer = await createUser(api, db, 'ADMIN');
    const other = await createUser(api, db, 'ADMIN');
    expect((await setRole(other, other.id, { role: 'ADMIN' })).status).toBe(200);

    const res = await setRole(organizer, other.id, { role: 'USER' });
    expect(res.status).toBe(200);
    expect(res.body.role).toBe('USER');
    expect(await roleOf(other.id)).toBe('USER');
    const refused = await setRole(other, other.id, { role: 'ADMIN' });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'forbidden' });
    expect(await roleOf(other.id)).toBe('USER');
    expect((await me(other)).body.role).toBe('USER');
  });

  it('a fresh sign-in carries the new role in its token', async () => {
    const organizer = await createUser(api, db, 'ADMIN');
    const registered = await api.http
      .post('/api/auth/register')
      .send({ email: `r-${randomUUID()}@example.com`, password: 'password123', name: 'R' });
    await setRole(organizer, registered.body.user.id, { role: 'ADMIN' });
    const refreshed = await api.http
      .post('/api/auth/refresh')
      .send({ refreshToken: registered.body.refreshToken });
    expect(refreshed.status).toBe(200);
    const claims = JSON.parse(
      Buffer.from(refreshed.body.accessToken.split('.')[1], 'base64url').toString(),
    ) as { role: string };
    expect(claims.role).toBe('ADMIN');
  });

  it('setting the role an account already has changes nothing', async () => {
    const organizer = await createUser(api, db, 'ADMIN');
    const buyer = await createUser(api, db, 'USER');
    const res = await setRole(organizer, buyer.id, { role: 'USER' });
    expect(res.status).toBe(200);
    expect(res.body.role).toBe('USER');
    expect(await roleOf(buyer.id)).toBe('USER');
  });

  it('refuses to demote the last ADMIN, itself included (409 last-admin)', async () => {
    const organizer = await createUser(api, db, 'ADMIN');
    await onlyAdmin(organizer);
    const res = await setRole(organizer, organizer.id, { role: 'USER' });
    expect(res.status).toBe(409);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body).toMatchObject({ code: 'last-admin', status: 409 });
    expect(await roleOf(organizer.id)).toBe('ADMIN');
    // With a second organizer, it may step down.
    const second = await createUser(api, db, 'ADMIN');
    expect((await setRole(organizer, organizer.id, { role: 'USER' })).status).toBe(200);
    expect(await roleOf(organizer.id)).toBe('USER');
    expect(await roleOf(second.id)).toBe('ADMIN');
  });

  it('two last ADMINs demoting each other at the same instant: one 200, one 409, one ADMIN left', async () => {
    for (let round = 0; round < 10; round++) {
      const first = await createUser(api, db, 'ADMIN');
      const second = await createUser(api, db, 'ADMIN');
      await onlyAdmin(first);
      await db.sql.query("UPDATE users SET role = 'ADMIN' WHERE id = $1", [second.id]);

      const answers = await Promise.all([
        setRole(first, second.id, { role: 'USER' }),
        setRole(second, first.id, { role: 'USER' }),
      ]);
      expect(answers.map((res) => res.status).sort()).toEqual([200, 409]);
      expect(answers.find((res) => res.status === 409)!.body.code).toBe('last-admin');
      const admins = await db.sql.query("SELECT id FROM users WHERE role = 'ADMIN'");
      expect(admins.rowCount).toBe(1);
    }
  });

  it('answers 404 for an unknown account', async () => {
    const organizer = await createUser(api, db, 'ADMIN');
    const res = await setRole(organizer, randomUUID(), { role: 'ADMIN' });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'not-found', detail: 'The account was not found.' });
  });

  it.each([
    ['a role that is not ours', { role: 'ROOT' }, 'role'],
    ['no role', {}, 'role'],
    ['a field besides role', { role: 'ADMIN', email: 'x@example.com' }, 'email'],
  ])('answers 400 for %s, changing nothing', async (_, body, field) => {
    const organizer = await createUser(api, db, 'ADMIN');
    const buyer = await createUser(api, db, 'USER');
    const res = await setRole(organizer, buyer.id, body);
    expect(res.status).toBe(400);
    expect(res.body.errors).toContainEqual(expect.objectContaining({ field }));
    expect(await roleOf(buyer.id)).toBe('USER');
  });

  it('answers 400 for an id that is not a UUID', async () => {
    const organizer = await createUser(api, db, 'ADMIN');
    const res = await setRole(organizer, 'not-a-uuid', { role: 'ADMIN' });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'id', message: 'must be a UUID' }]);
  });

  it('answers 401 on an admin route when the token’s account no longer exists', async () => {
    const organizer = await createUser(api, db, 'ADMIN');
    const gone = await createUser(api, db, 'ADMIN');
    await db.sql.query('DELETE FROM users WHERE id = $1', [gone.id]);
    const res = await setRole(gone, organizer.id, { role: 'ADMIN' });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('unauthorized');
  });
});
