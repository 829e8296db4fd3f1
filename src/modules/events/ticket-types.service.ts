import { Inject, Injectable } from '@nestjs/common';
import type { AuthUser } from '../../common/auth/auth-user.js';
import type { GenerationalCache } from '../../infrastructure/cache/generational-cache.js';
import { LISTING_CACHE } from '../../infrastructure/cache/cache.module.js';
import type { CreateTicketTypeInput, UpdateTicketTypeInput } from './dto/ticket-type.input.js';
import { EventAccess } from './event-access.js';
import type { TicketTypeFields, TicketTypeRecord } from './event.records.js';
import { salesWindowErrors, toDateOrNull } from './event-rules.js';
import { EventsErrors } from './events.errors.js';
import { TicketTypesRepository } from './ticket-types.repository.js';

@Injectable()
export class TicketTypesService {
  constructor(
    private readonly ticketTypes: TicketTypesRepository,
    private readonly access: EventAccess,
    @Inject(LISTING_CACHE) private readonly listingCache: GenerationalCache,
  ) {}

  async create(
    caller: AuthUser,
    eventId: string,
    input: CreateTicketTypeInput,
  ): Promise<TicketTypeRecord> {
    await this.access.requireChangeable(caller, eventId, 'edit');
    const fields: TicketTypeFields = {
      name: input.name,
      priceCents: input.priceCents,
      capacity: input.capacity,
      salesStartAt: toDateOrNull(input.salesStartAt) ?? null,
      salesEndAt: toDateOrNull(input.salesEndAt) ?? null,
      maxPerOrder: input.maxPerOrder ?? 10,
      maxPerBuyer: input.maxPerBuyer ?? null,
    };
    const errors = salesWindowErrors(fields.salesStartAt, fields.salesEndAt);
    if (errors.length > 0) throw EventsErrors.invalid(errors);
    const created = await this.ticketTypes.create(eventId, fields);
    await this.listingCache.invalidate();
    return created;
  }

  /** `capacity` may not drop below held + sold (409); `available` moves with it. */
  async update(
    caller: AuthUser,
    eventId: string,
    id: string,
    input: UpdateTicketTypeInput,
  ): Promise<TicketTypeRecord> {
    await this.access.requireChangeable(caller, eventId, 'edit');
    const current = await this.ticketTypes.findInEvent(eventId, id);
    if (!current) throw EventsErrors.ticketTypeNotFound();
    const changes: Partial<TicketTypeFields> = {
      name: input.name,
      priceCents: input.priceCents,
      capacity: input.capacity,
      salesStartAt: toDateOrNull(input.salesStartAt),
      salesEndAt: toDateOrNull(input.salesEndAt),
      maxPerOrder: input.maxPerOrder,
      maxPerBuyer: input.maxPerBuyer,
    };
    const errors = salesWindowErrors(
      changes.salesStartAt === undefined ? current.salesStartAt : changes.salesStartAt,
      changes.salesEndAt === undefined ? current.salesEndAt : changes.salesEndAt,
    );
    if (errors.length > 0) throw EventsErrors.invalid(errors);
    const outcome = await this.ticketTypes.update(eventId, id, changes);
    if (outcome.kind === 'not-found') throw EventsErrors.ticketTypeNotFound();
    if (outcome.kind === 'capacity-below-committed')
      throw EventsErrors.capacityBelowCommitted(outcome.committed);
    await this.listingCache.invalidate();
    return outcome.ticketType;
  }

  async remove(caller: AuthUser, eventId: string, id: string): Promise<void> {
    await this.access.require(caller, eventId, 'edit');
    const outcome = await this.ticketTypes.deleteIfUnsold(eventId, id);
    if (outcome === 'not-found') throw EventsErrors.ticketTypeNotFound();
    if (outcome === 'has-orders') throw EventsErrors.ticketTypeHasOrders();
    await this.listingCache.invalidate();
  }
}
