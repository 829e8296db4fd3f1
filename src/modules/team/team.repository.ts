import { Injectable } from '@nestjs/common';
import { describeDatabaseError } from '../../common/errors/error-mapper.js';
import { PrismaService } from '../../infrastructure/database/prisma.service.js';
import type { TeamMemberRecord, TeamRole } from './team.records.js';

const MEMBER_FIELDS = {
  userId: true,
  role: true,
  addedAt: true,
  user: { select: { email: true, name: true } },
} as const;

type MemberRow = {
  userId: string;
  role: TeamRole;
  addedAt: Date;
  user: { email: string; name: string };
};

function toRecord({ user, ...member }: MemberRow): TeamMemberRecord {
  return { ...member, email: user.email, name: user.name };
}

export type AddOutcome = TeamMemberRecord | 'no-such-account' | 'already-on-team' | 'organizer';

@Injectable()
export class TeamRepository {
  constructor(private readonly prisma: PrismaService) {}

  async list(eventId: string): Promise<TeamMemberRecord[]> {
    const members = await this.prisma.eventMember.findMany({
      where: { eventId },
      select: MEMBER_FIELDS,
      orderBy: [{ addedAt: 'asc' }, { userId: 'asc' }],
    });
    return members.map(toRecord);
  }

  /** The primary key decides a race between two adds of one account, not a read before the write. */
  async add(
    eventId: string,
    organizerId: string,
    email: string,
    role: TeamRole,
  ): Promise<AddOutcome> {
    const user = await this.prisma.user.findUnique({ where: { email }, select: { id: true } });
    if (!user) return 'no-such-account';
    if (user.id === organizerId) return 'organizer';
    try {
      return toRecord(
        await this.prisma.eventMember.create({
          data: { eventId, userId: user.id, role },
          select: MEMBER_FIELDS,
        }),
      );
    } catch (error) {
      if (describeDatabaseError(error).prismaCode === 'P2002') return 'already-on-team';
      throw error;
    }
  }

  async changeRole(
    eventId: string,
    userId: string,
    role: TeamRole,
  ): Promise<TeamMemberRecord | null> {
    const { count } = await this.prisma.eventMember.updateMany({
      where: { eventId, userId },
      data: { role },
    });
    if (count === 0) return null;
    const member = await this.prisma.eventMember.findUnique({
      where: { eventId_userId: { eventId, userId } },
      select: MEMBER_FIELDS,
    });
    return member && toRecord(member);
  }

  async remove(eventId: string, userId: string): Promise<boolean> {
    const { count } = await this.prisma.eventMember.deleteMany({ where: { eventId, userId } });
    return count > 0;
  }
}
