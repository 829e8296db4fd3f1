import { Injectable } from '@nestjs/common';
import type { Role } from '../../common/auth/auth-user.js';
import type { User } from './user.js';
import { UsersErrors } from './users.errors.js';
import { UsersRepository } from './users.repository.js';

/**
 * Who organizes: an ADMIN makes another account ADMIN or USER through the API. A deployment always
 * keeps one ADMIN. The change counts from the account's next request to an admin route, which
 * reads the role from the database.
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
}
