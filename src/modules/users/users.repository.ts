import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../infrastructure/database/prisma.service.js';
import { describeDatabaseError } from '../../common/errors/error-mapper.js';
import type { Role } from '../../common/auth/auth-user.js';
import type { RoleLookup } from '../../common/auth/role-lookup.js';
import type { User, UserWithPasswordHash } from './user.js';

const PUBLIC_FIELDS = { id: true, email: true, name: true, role: true, createdAt: true } as const;

export class EmailTakenError extends Error {}

export type RoleChange =
  | { kind: 'changed'; user: User }
  | { kind: 'not-found' }
  /** The account is the only ADMIN left: demoting it would leave nobody to run the deployment. */
  | { kind: 'last-admin' };

@Injectable()
export class UsersRepository implements RoleLookup {
  constructor(private readonly prisma: PrismaService) {}

  /** The unique index on email decides a race between two sign-ups, not a read before the write. */
  async create(data: {
    email: string;
    name: string;
    passwordHash: string;
    role: Role;
  }): Promise<User> {
    try {
      return await this.prisma.user.create({ data, select: PUBLIC_FIELDS });
    } catch (error) {
      if (describeDatabaseError(error).prismaCode === 'P2002') throw new EmailTakenError();
      throw error;
    }
  }

  findById(id: string): Promise<User | null> {
    return this.prisma.user.findUnique({ where: { id }, select: PUBLIC_FIELDS });
  }

  findByEmail(email: string): Promise<User | null> {
    return this.prisma.user.findUnique({ where: { email }, select: PUBLIC_FIELDS });
  }

  /** One primary-key read: what the access guard asks on every admin route. */
  async currentRole(userId: string): Promise<Role | undefined> {
    const user = await this.prisma.user.findUnique({
      where: { id: userId },
      select: { role: true },
    });
    return user?.role;
  }

  /**
   * A demotion first locks every ADMIN row, so two admins demoting each other at once queue and
   * the second sees the first's change: never zero admins. Raw SQL because Prisma has no row
   * locks; in id order, so two demotions never deadlock; FOR NO KEY UPDATE, so the foreign-key
   * checks of orders placed by these accounts (KEY SHARE) are not held up.
   */
  setRole(userId: string, role: Role): Promise<RoleChange> {
    return this.prisma.$transaction(async (tx) => {
      if (role === 'USER') {
        const admins = await tx.$queryRaw<{ id: string }[]>`
          SELECT id FROM users WHERE role = 'ADMIN' ORDER BY id FOR NO KEY UPDATE`;
        if (admins.length === 1 && admins[0].id === userId) return { kind: 'last-admin' };
      }
      const [user] = await tx.user.updateManyAndReturn({
        where: { id: userId },
        data: { role },
        select: PUBLIC_FIELDS,
      });
      return user ? { kind: 'changed', user } : { kind: 'not-found' };
    });
  }

  findByEmailForSignIn(email: string): Promise<UserWithPasswordHash | null> {
    return this.prisma.user.findUnique({
      where: { email },
      select: { ...PUBLIC_FIELDS, passwordHash: true },
    });
  }

  async hasAny(): Promise<boolean> {
    return (await this.prisma.user.findFirst({ select: { id: true } })) !== null;
  }
}
