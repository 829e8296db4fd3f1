import { Injectable } from '@nestjs/common';
import type { Role } from '../../common/auth/auth-user.js';
import { AuthErrors } from '../auth/auth.errors.js';
import { normalizeEmail, type User } from './user.js';
import { UsersErrors } from './users.errors.js';
import { EmailTakenError, UsersRepository } from './users.repository.js';

/**
 * Who organizes: an ADMIN makes another account ADMIN or USER through the API, an operator through
 * `npm run admin:create` and `admin:demote`. A deployment always keeps one ADMIN. The change counts
 * from the account's next request to an admin route, which reads the role from the database.
 */
@Injectable()
export class UserRolesService {
  constructor(private readonly users: UsersRepository) {}

  async setRole(userId: string, role: Role): Promise<User> {
    const change = await this.users.setRole(userId, role);
    if (change.kind === 'not-found') throw UsersErrors.notFound();
    if (change.kind === 'last-admin') throw UsersErrors.lastAdmin();
    return change.user;
  }

  async findByEmail(email: string): Promise<User | undefined> {
    return (await this.users.findByEmail(normalizeEmail(email))) ?? undefined;
  }

  async setRoleByEmail(email: string, role: Role): Promise<User> {
    const user = await this.findByEmail(email);
    if (!user) throw UsersErrors.noAccountWithEmail();
    return this.setRole(user.id, role);
  }

  /** A new organizer, with a password already checked against the sign-up rules and hashed. */
  async createAdmin(input: { email: string; name: string; passwordHash: string }): Promise<User> {
    try {
      return await this.users.create({
        email: normalizeEmail(input.email),
        name: input.name.trim(),
        passwordHash: input.passwordHash,
        role: 'ADMIN',
      });
    } catch (error) {
      if (error instanceof EmailTakenError) throw AuthErrors.emailTaken();
      throw error;
    }
  }
}
