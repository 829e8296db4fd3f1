import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../infrastructure/database/prisma.service.js';
import { describeDatabaseError } from '../../common/errors/error-mapper.js';
import type { Role } from '../../common/auth/auth-user.js';
import type { User, UserWithPasswordHash } from './user.js';

const PUBLIC_FIELDS = { id: true, email: true, name: true, role: true, createdAt: true } as const;

export class EmailTakenError extends Error {}

@Injectable()
export class UsersRepository {
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
