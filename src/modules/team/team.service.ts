import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../../common/auth/auth-user.js';
import { EventAccess } from '../events/event-access.js';
import type { TeamMemberRecord, TeamRole } from './team.records.js';
import { TeamErrors } from './team.errors.js';
import { TeamRepository } from './team.repository.js';

/**
 * An event's team: accounts that work on it beside its organizer (see event-permissions.ts for
 * what each role may do). Only the organizer manages it; its managers may see it.
 */
@Injectable()
export class TeamService {
  constructor(
    private readonly access: EventAccess,
    private readonly team: TeamRepository,
  ) {}

  async list(caller: AuthUser, eventId: string): Promise<TeamMemberRecord[]> {
    await this.access.require(caller, eventId, 'see-team');
    return this.team.list(eventId);
  }

  async add(
    caller: AuthUser,
    eventId: string,
    email: string,
    role: TeamRole,
  ): Promise<TeamMemberRecord> {
    const event = await this.access.require(caller, eventId, 'manage-team');
    const outcome = await this.team.add(eventId, event.organizerId, email, role);
    if (outcome === 'no-such-account') throw TeamErrors.noSuchAccount();
    if (outcome === 'organizer') throw TeamErrors.organizerIsNotAMember();
    if (outcome === 'already-on-team') throw TeamErrors.alreadyOnTeam();
    return outcome;
  }

  async changeRole(
    caller: AuthUser,
    eventId: string,
    userId: string,
    role: TeamRole,
  ): Promise<TeamMemberRecord> {
    await this.access.require(caller, eventId, 'manage-team');
    const member = await this.team.changeRole(eventId, userId, role);
    if (!member) throw TeamErrors.notAMember();
    return member;
  }

  async remove(caller: AuthUser, eventId: string, userId: string): Promise<void> {
    await this.access.require(caller, eventId, 'manage-team');
    if (!(await this.team.remove(eventId, userId))) throw TeamErrors.notAMember();
  }
}
