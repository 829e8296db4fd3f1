import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../../common/auth/auth-user.js';
import type { EventSummary } from './event.records.js';
import { EventsErrors } from './events.errors.js';
import { EventsRepository } from './events.repository.js';

/** A draft exists only for its organizer; everyone else sees a 404, never a 403 that would reveal it. */
export function isVisibleTo(
  event: Pick<EventSummary, 'published' | 'organizerId'>,
  caller: AuthUser | undefined,
): boolean {
  return event.published || event.organizerId === caller?.id;
}

/** The ownership rule every organizer route shares: events, ticket types, cancel, check-in, stats. */
@Injectable()
export class EventAccess {
  constructor(private readonly events: EventsRepository) {}

  /** 404 for no event (or someone else's draft), 403 for another organizer's published event. */
  async requireOrganizer(caller: AuthUser, eventId: string): Promise<EventSummary> {
    const event = await this.events.findSummary(eventId);
    if (!event || !isVisibleTo(event, caller)) throw EventsErrors.eventNotFound();
    if (event.organizerId !== caller.id) throw EventsErrors.notOrganizer();
    return event;
  }

  /** As requireOrganizer, and the event must not be cancelled. */
  async requireChangeable(caller: AuthUser, eventId: string): Promise<EventSummary> {
    const event = await this.requireOrganizer(caller, eventId);
    if (event.cancelledAt) throw EventsErrors.cancelled();
    return event;
  }
}
