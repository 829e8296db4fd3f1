import { randomUUID } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import type { Role } from '../../src/common/auth/auth-user.js';
import { JWT_ALGORITHM, JWT_AUDIENCE, JWT_ISSUER } from '../../src/common/auth/jwt.strategy.js';
import type { TestApp } from './test-app.js';
import type { TestDatabase } from './test-database.js';

export interface TestUser {
  id: string;
  email: string;
  role: Role;
  accessToken: string;
}

/** argon2id of "password123", computed once: tests that are not about sign-in skip the hashing cost. */
export const PASSWORD = 'password123';
const PASSWORD_HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$SDMAXrt78lWqbyIzEQY1tLpGJTOSNwI+Kn4iDz5iSSE';

/**
 * An account made straight in the database, with an access token signed by the app's own key,
 * as sign-in would issue it. Tests about sign-in itself use the real routes instead.
 */
export async function createUser(
  api: TestApp,
  db: TestDatabase,
  role: Role = 'USER',
  name = 'Test',
): Promise<TestUser> {
  const email = `${role.toLowerCase()}-${randomUUID()}@example.com`;
  const { rows } = await db.sql.query<{ id: string }>(
    'INSERT INTO users (email, name, role, password_hash) VALUES ($1, $2, $3, $4) RETURNING id',
    [email, name, role, PASSWORD_HASH],
  );
  const id = rows[0].id;
  return { id, email, role, accessToken: await signAccessToken(api, id, role) };
}

export async function createUsers(
  api: TestApp,
  db: TestDatabase,
  count: number,
  role: Role = 'USER',
): Promise<TestUser[]> {
  return Promise.all(Array.from({ length: count }, () => createUser(api, db, role)));
}

export function signAccessToken(api: TestApp, userId: string, role: Role): Promise<string> {
  const jwt = new JwtService({ secret: api.config.jwt.secret });
  return jwt.signAsync(
    { sub: userId, role },
    {
      algorithm: JWT_ALGORITHM,
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      expiresIn: api.config.jwt.accessTtlSeconds,
    },
  );
}
