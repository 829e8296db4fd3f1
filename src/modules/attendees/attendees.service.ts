import type { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../../common/auth/auth-user.js';
import { pageMeta, type PageMeta } from '../../common/http/pagination.js';
import { EventAccess } from '../events/event-access.js';
import type { AttendeeRecord } from './attendee.records.js';
import { attendeesCsv } from './attendees-csv.js';
import { AttendeesRepository } from './attendees.repository.js';

/** Who comes: one row per ticket, for the organizer, its managers and its scanners. */
@Injectable()
export class AttendeesService {
  constructor(
    private readonly access: EventAccess,
    private readonly attendees: AttendeesRepository,
  ) {}

  async list(
    caller: AuthUser,
    eventId: string,
    page: number,
    limit: number,
  ): Promise<{ attendees: AttendeeRecord[]; meta: PageMeta }> {
    await this.access.require(caller, eventId, 'see-attendees');
    const { attendees, total } = await this.attendees.list(eventId, page, limit);
    return { attendees, meta: pageMeta(page, limit, total) };
  }

  /** Checked before the first byte, so a refusal is a problem document, not a cut stream. */
  async exportCsv(caller: AuthUser, eventId: string): Promise<Readable> {
    await this.access.require(caller, eventId, 'see-attendees');
    return attendeesCsv(this.attendees.exportAll(eventId));
  }
}
