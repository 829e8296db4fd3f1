import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../../common/auth/auth-user.js';
import type { EventSummary } from './event.records.js';
import { mayDo, type EventAction, type EventRole } from './event-permissions.js';
import { EventsErrors } from './events.errors.js';
import { EventsRepository } from './events.repository.js';

/**
 * The caller's place on one event: its organizer (while that account is still an ADMIN: a
 * demoted organizer keeps no power over its events), a member of its team, or nobody (null).
 */
export function roleOn(
  event: Pick<EventSummary, 'organizerId'>,
  caller: AuthUser | undefined,
  teamRole: EventRole | null,
  organizerIsAdmin: boolean,
): EventRole | null {
  if (!caller) return null;
  if (event.organizerId === caller.id) return organizerIsAdmin ? 'ORGANIZER' : null;
  return teamRole;
}

/** A device key acts on its one event only; everything else is as if it did not exist. */
function withinDeviceKey(caller: AuthUser, eventId: string): boolean {
  return caller.key?.eventId == null || caller.key.eventId === eventId;
}

/** The rule every event-scoped route shares: events, ticket types, team, orders, check-in, stats. */
@Injectable()
export class EventAccess {
  constructor(private readonly events: EventsRepository) {}

  /**
   * The event, if the caller may do `action` to it. A draft exists only for its organizer and team:
   * everyone else gets a 404, never a 403 that would reveal it. A published event answers 403
   * `not-your-event` to a caller off its team, and `team-role-insufficient` to a member whose role
   * does not allow the action.
   */
  async require(
    caller: AuthUser,
    eventId: string,
    action: EventAction,
  ): Promise<EventSummary & { callerRole: EventRole }> {
    if (!withinDeviceKey(caller, eventId)) throw EventsErrors.eventNotFound();
    const found = await this.events.findSummaryWithTeamRole(eventId, caller.id);
    if (!found) throw EventsErrors.eventNotFound();
    const role = roleOn(found.event, caller, found.teamRole, found.organizerIsAdmin);
    if (!found.event.published && !mayDo(role, 'see-draft')) throw EventsErrors.eventNotFound();
    if (role === null) throw EventsErrors.notOrganizer();
    if (!mayDo(role, action)) throw EventsErrors.roleInsufficient(role, action);
    return { ...found.event, callerRole: role };
  }

  /** As require, and the event must not be cancelled. */
  async requireChangeable(
    caller: AuthUser,
    eventId: string,
    action: EventAction,
  ): Promise<EventSummary & { callerRole: EventRole }> {
    const event = await this.require(caller, eventId, action);
    if (event.cancelledAt) throw EventsErrors.cancelled();
    return event;
  }

  /** Whether the caller may see this event: published, or a draft of its organizer or team. */
  async canSee(
    event: Pick<EventSummary, 'id' | 'published' | 'organizerId'>,
    caller: AuthUser | undefined,
  ): Promise<boolean> {
    if (event.published) return true;
    return caller !== undefined && this.allows(caller, event, 'see-draft');
  }

  /** Whether the caller may do `action` to an event already read (a query only for a non-organizer). */
  async allows(
    caller: AuthUser,
    event: Pick<EventSummary, 'id' | 'organizerId'>,
    action: EventAction,
  ): Promise<boolean> {
    if (!withinDeviceKey(caller, event.id)) return false;
    if (event.organizerId === caller.id) {
      return (await this.events.isAdmin(caller.id)) && mayDo('ORGANIZER', action);
    }
    return mayDo(await this.events.findTeamRole(event.id, caller.id), action);
  }
}
