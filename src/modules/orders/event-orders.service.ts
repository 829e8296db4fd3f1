import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../../common/auth/auth-user.js';
import { pageMeta, type PageMeta } from '../../common/http/pagination.js';
import { EventAccess } from '../events/event-access.js';
import type { OrderWithBuyer } from './order.records.js';
import { OrdersRepository, type EventOrdersFilter } from './orders.repository.js';

/** Who bought: an event's orders as its organizer and managers see them. */
@Injectable()
export class EventOrdersService {
  constructor(
    private readonly access: EventAccess,
    private readonly orders: OrdersRepository,
  ) {}

  async list(
    caller: AuthUser,
    eventId: string,
    filter: EventOrdersFilter,
    page: number,
    limit: number,
  ): Promise<{ orders: OrderWithBuyer[]; meta: PageMeta }> {
    await this.access.require(caller, eventId, 'see-orders');
    const { orders, total } = await this.orders.listForEvent(eventId, filter, page, limit);
    return { orders, meta: pageMeta(page, limit, total) };
  }
}
