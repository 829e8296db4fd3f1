import { Injectable } from '@nestjs/common';
import { pageWindow } from '../../common/http/pagination.js';
import { describeDatabaseError } from '../../common/errors/error-mapper.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { EVENT_FIELDS, EVENT_WITH_TYPES } from './event.selects.js';
import type { EventRole } from './event-permissions.js';
import { PrismaService } from '../../infrastructure/database/prisma.service.js';
import type {
  EventFields,
  EventRecord,
  EventSummary,
  PublicListingFilter,
  TicketTypeFields,
} from './event.records.js';

const SOONEST_FIRST = [
  { startsAt: 'asc' },
  { id: 'asc' },
] satisfies Prisma.EventOrderByWithRelationInput[];

export type DeleteOutcome = 'deleted' | 'not-found' | 'has-orders';

/**
 * Prisma's `contains` becomes `ILIKE '%' || value || '%'` with the value as given, so `%` and `_`
 * in a search would be wildcards: escaped here, they are the literal text a user typed.
 */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

@Injectable()
export class EventsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** A page of the public listing: a fixed number of queries (the page with its ticket types, and the count). */
  async listPublished(
    filter: PublicListingFilter,
    page: number,
    limit: number,
  ): Promise<{ events: EventRecord[]; total: number }> {
    const venue = filter.venue === undefined ? undefined : likeLiteral(filter.venue);
    const q = filter.q === undefined ? undefined : likeLiteral(filter.q);
    const where: Prisma.EventWhereInput = {
      published: true,
      cancelledAt: null,
      startsAt: { gte: filter.from, lte: filter.to },
      ...(filter.from ? {} : { endsAt: { gt: filter.notEndedBy } }),
      ...(venue ? { venue: { contains: venue, mode: 'insensitive' } } : {}),
      ...(q
        ? {
            OR: [
              { title: { contains: q, mode: 'insensitive' } },
              { venue: { contains: q, mode: 'insensitive' } },
            ],
          }
        : {}),
    };
    const [events, total] = await Promise.all([
      this.prisma.event.findMany({
        where,
        select: EVENT_WITH_TYPES,
        orderBy: SOONEST_FIRST,
        ...pageWindow(page, limit),
      }),
      this.prisma.event.count({ where }),
    ]);
    return { events, total };
  }

  async listByOrganizer(
    organizerId: string,
    page: number,
    limit: number,
  ): Promise<{ events: EventRecord[]; total: number }> {
    const where = { organizerId };
    const [events, total] = await Promise.all([
      this.prisma.event.findMany({
        where,
        select: EVENT_WITH_TYPES,
        orderBy: SOONEST_FIRST,
        ...pageWindow(page, limit),
      }),
      this.prisma.event.count({ where }),
    ]);
    return { events, total };
  }

  findById(id: string): Promise<EventRecord | null> {
    return this.prisma.event.findUnique({ where: { id }, select: EVENT_WITH_TYPES });
  }

  findSummary(id: string): Promise<EventSummary | null> {
    return this.prisma.event.findUnique({ where: { id }, select: EVENT_FIELDS });
  }

  /**
   * The event, the user's role on its team (null when not a member), and whether its organizer's
   * account is still an organizer (ADMIN), in one query.
   */
  async findSummaryWithTeamRole(
    id: string,
    userId: string,
  ): Promise<{
    event: EventSummary;
    teamRole: EventRole | null;
    organizerIsAdmin: boolean;
  } | null> {
    const found = await this.prisma.event.findUnique({
      where: { id },
      select: {
        ...EVENT_FIELDS,
        team: { where: { userId }, select: { role: true } },
        organizer: { select: { role: true } },
      },
    });
    if (!found) return null;
    const { team, organizer, ...event } = found;
    return { event, teamRole: team[0]?.role ?? null, organizerIsAdmin: organizer.role === 'ADMIN' };
  }

  async isAdmin(userId: string): Promise<boolean> {
    const user = await this.prisma.user.findUnique({
      where: { id: userId },
      select: { role: true },
    });
    return user?.role === 'ADMIN';
  }

  async findTeamRole(eventId: string, userId: string): Promise<EventRole | null> {
    const member = await this.prisma.eventMember.findUnique({
      where: { eventId_userId: { eventId, userId } },
      select: { role: true },
    });
    return member?.role ?? null;
  }

  /** The event and its ticket types in one transaction: all of it or none. */
  create(
    organizerId: string,
    fields: EventFields,
    ticketTypes: TicketTypeFields[],
  ): Promise<EventRecord> {
    return this.prisma.event.create({
      data: {
        ...fields,
        organizerId,
        ticketTypes: { create: ticketTypes.map((type) => ({ ...type, available: type.capacity })) },
      },
      select: EVENT_WITH_TYPES,
    });
  }

  /**
   * Changes the event. A new currency is taken only while no order of the event exists, decided
   * under the event's sales lock, exclusive (eventflow_lock_event_sales): it waits for the holds in
   * flight and makes holds arriving later wait, then read the new currency. No window.
   */
  async update(id: string, fields: Partial<EventFields>): Promise<EventRecord | 'currency-locked'> {
    if (fields.currency === undefined) {
      return this.prisma.event.update({ where: { id }, data: fields, select: EVENT_WITH_TYPES });
    }
    return this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT eventflow_lock_event_sales(${id}::uuid, true)`;
      const [locked] = await tx.$queryRaw<{ currency: string }[]>`
        SELECT currency FROM events WHERE id = ${id}::uuid`;
      if (locked && locked.currency !== fields.currency) {
        const [sold] = await tx.$queryRaw<{ any: boolean }[]>`
          SELECT EXISTS (SELECT 1 FROM orders WHERE event_id = ${id}::uuid) AS any`;
        if (sold.any) return 'currency-locked';
      }
      return tx.event.update({ where: { id }, data: fields, select: EVENT_WITH_TYPES });
    });
  }

  /**
   * Deletes only an event nothing was ever held or sold on. The foreign key from orders decides a
   * race with a purchase landing at the same moment.
   */
  async deleteIfUnsold(id: string): Promise<DeleteOutcome> {
    try {
      const { count } = await this.prisma.event.deleteMany({ where: { id, orders: { none: {} } } });
      if (count === 1) return 'deleted';
    } catch (error) {
      if (
        describeDatabaseError(error).sqlState === '23503' ||
        describeDatabaseError(error).prismaCode === 'P2003'
      ) {
        return 'has-orders';
      }
      throw error;
    }
    return (await this.findSummary(id)) ? 'has-orders' : 'not-found';
  }
}
