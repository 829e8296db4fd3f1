import { Inject, Injectable } from '@nestjs/common';
import type { AuthUser } from '../../common/auth/auth-user.js';
import { pageMeta, type PageMeta } from '../../common/http/pagination.js';
import type { GenerationalCache } from '../../infrastructure/cache/generational-cache.js';
import { LISTING_CACHE } from '../../infrastructure/cache/cache.module.js';
import { MetricsService } from '../../infrastructure/metrics/metrics.service.js';
import type { CreateEventInput, UpdateEventInput } from './dto/event.input.js';
import { EventOutput } from './dto/event.output.js';
import type { ListEventsQuery } from './dto/list-events.query.js';
import { EventAccess } from './event-access.js';
import type { EventFields, EventRecord, TicketTypeFields } from './event.records.js';
import { eventDateErrors, salesWindowErrors, toDateOrNull } from './event-rules.js';
import { EventsErrors } from './events.errors.js';
import { EventsRepository } from './events.repository.js';

@Injectable()
export class EventsService {
  constructor(
    private readonly events: EventsRepository,
    private readonly access: EventAccess,
    @Inject(LISTING_CACHE) private readonly listingCache: GenerationalCache,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * The public listing, as the JSON body itself: a cache hit is sent as stored, with no parse and
   * no re-serialisation. The generation is read before the database, so a listing computed while
   * an event changes is stored under the old generation and never served.
   */
  async listPublishedJson(query: ListEventsQuery, now = new Date()): Promise<Buffer> {
    if (query.from && query.to && new Date(query.from) > new Date(query.to)) {
      throw EventsErrors.invalid([{ field: 'to', message: 'must not be before from' }]);
    }
    const key = listingKey(query);
    const cached = await this.listingCache.read(key);
    this.metrics.countCacheLookup(cached.status);
    if (cached.status === 'hit') return cached.value;
    const { events, total } = await this.events.listPublished(
      {
        q: query.q,
        venue: query.venue,
        from: query.from ? new Date(query.from) : undefined,
        to: query.to ? new Date(query.to) : undefined,
        notEndedBy: now,
      },
      query.page,
      query.limit,
    );
    const body = Buffer.from(
      JSON.stringify({
        data: events.map((e) => EventOutput.from(e)),
        meta: pageMeta(query.page, query.limit, total),
      }),
    );
    if (cached.status === 'miss') await this.listingCache.write(key, cached.generation, body);
    return body;
  }

  async listMine(
    caller: AuthUser,
    page: number,
    limit: number,
  ): Promise<{ events: EventRecord[]; meta: PageMeta }> {
    const { events, total } = await this.events.listByOrganizer(caller.id, page, limit);
    return { events, meta: pageMeta(page, limit, total) };
  }

  /** Live, never cached: `available` is what a buyer would get now. */
  async get(id: string, caller: AuthUser | undefined): Promise<EventRecord> {
    const event = await this.events.findById(id);
    if (!event || !(await this.access.canSee(event, caller))) throw EventsErrors.eventNotFound();
    return event;
  }

  async create(caller: AuthUser, input: CreateEventInput, now = new Date()): Promise<EventRecord> {
    const fields: EventFields = {
      title: input.title,
      description: input.description ?? '',
      venue: input.venue,
      startsAt: new Date(input.startsAt),
      endsAt: new Date(input.endsAt),
      currency: input.currency ?? 'USD',
      published: input.published ?? false,
      refundsAllowed: input.refundsAllowed ?? true,
      refundDeadline: toDateOrNull(input.refundDeadline) ?? null,
      refundFeeCents: input.refundFeeCents ?? 0,
      refundFeePercent: input.refundFeePercent ?? 0,
      requireAttendeeNames: input.requireAttendeeNames ?? false,
    };
    const ticketTypes: TicketTypeFields[] = (input.ticketTypes ?? []).map((type) => ({
      name: type.name,
      priceCents: type.priceCents,
      capacity: type.capacity,
      salesStartAt: toDateOrNull(type.salesStartAt) ?? null,
      salesEndAt: toDateOrNull(type.salesEndAt) ?? null,
      maxPerOrder: type.maxPerOrder ?? 10,
      maxPerBuyer: type.maxPerBuyer ?? null,
    }));
    const errors = [
      ...eventDateErrors(fields.startsAt, fields.endsAt, now, true),
      ...ticketTypes.flatMap((type, index) =>
        salesWindowErrors(type.salesStartAt, type.salesEndAt, `ticketTypes[${index}].`),
      ),
    ];
    if (errors.length > 0) throw EventsErrors.invalid(errors);
    const event = await this.events.create(caller.id, fields, ticketTypes);
    await this.listingCache.invalidate();
    return event;
  }

  async update(
    caller: AuthUser,
    id: string,
    input: UpdateEventInput,
    now = new Date(),
  ): Promise<EventRecord> {
    const current = await this.access.requireChangeable(caller, id, 'edit');
    const changes: Partial<EventFields> = {
      title: input.title,
      description: input.description,
      venue: input.venue,
      startsAt: input.startsAt === undefined ? undefined : new Date(input.startsAt),
      endsAt: input.endsAt === undefined ? undefined : new Date(input.endsAt),
      currency: input.currency,
      published: input.published,
      refundsAllowed: input.refundsAllowed,
      refundDeadline: toDateOrNull(input.refundDeadline),
      refundFeeCents: input.refundFeeCents,
      refundFeePercent: input.refundFeePercent,
      requireAttendeeNames: input.requireAttendeeNames,
    };
    if (changes.startsAt || changes.endsAt) {
      const errors = eventDateErrors(
        changes.startsAt ?? current.startsAt,
        changes.endsAt ?? current.endsAt,
        now,
        changes.startsAt !== undefined,
      );
      if (errors.length > 0) throw EventsErrors.invalid(errors);
    }
    const event = await this.events.update(id, changes);
    if (event === 'currency-locked') throw EventsErrors.currencyLocked();
    await this.listingCache.invalidate();
    return event;
  }

  async remove(caller: AuthUser, id: string): Promise<void> {
    await this.access.require(caller, id, 'cancel');
    const outcome = await this.events.deleteIfUnsold(id);
    if (outcome === 'not-found') throw EventsErrors.eventNotFound();
    if (outcome === 'has-orders') throw EventsErrors.eventHasOrders();
    await this.listingCache.invalidate();
  }
}

/** One cache entry per distinct query, whatever order or spelling its parameters came in. */
export function listingKey(query: ListEventsQuery): string {
  const parts: [string, string | number | undefined][] = [
    ['page', query.page],
    ['limit', query.limit],
    ['q', query.q?.toLowerCase()],
    ['venue', query.venue?.toLowerCase()],
    ['from', query.from ? new Date(query.from).toISOString() : undefined],
    ['to', query.to ? new Date(query.to).toISOString() : undefined],
  ];
  return parts
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}=${encodeURIComponent(String(value))}`)
    .join('&');
}
