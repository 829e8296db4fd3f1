import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AuthUser } from '../../common/auth/auth-user.js';
import { CommonErrors } from '../../common/errors/domain-error.js';
import { LISTING_CACHE } from '../../infrastructure/cache/cache.module.js';
import type { GenerationalCache } from '../../infrastructure/cache/generational-cache.js';
import { MetricsService } from '../../infrastructure/metrics/metrics.service.js';
import { EventAccess } from '../events/event-access.js';
import type { EventRecord } from '../events/event.records.js';
import { EventsRepository } from '../events/events.repository.js';
import { REFUND_GRACE_SECONDS, RefundsService } from '../payments/refunds/refunds.service.js';
import { OrdersRepository } from './orders.repository.js';

@Injectable()
export class EventCancellationService {
  private readonly logger = new Logger(EventCancellationService.name);

  constructor(
    private readonly access: EventAccess,
    private readonly events: EventsRepository,
    private readonly orders: OrdersRepository,
    private readonly refunds: RefundsService,
    @Inject(LISTING_CACHE) private readonly listingCache: GenerationalCache,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * Cancels the event, every pending order (stock back) and every paid order (REFUNDED in full,
   * a refund recorded for each), and voids their tickets, in one transaction
   * (eventflow_cancel_event); the refunds are sent after it, and any the provider refuses are
   * retried by the sweeper.
   */
  async cancel(
    caller: AuthUser,
    eventId: string,
  ): Promise<{ event: EventRecord; cancelledOrders: number; refundedOrders: number }> {
    await this.access.require(caller, eventId, 'cancel');
    const result = await this.orders.cancelEvent(eventId, REFUND_GRACE_SECONDS);
    if (!result)
      throw CommonErrors.conflict('event-already-cancelled', 'The event is already cancelled.');
    this.metrics.countOrders('cancelled', result.cancelledOrders - result.refunds.length);
    this.metrics.countOrders('refunded', result.refunds.length);
    await this.listingCache.invalidate();
    await this.refunds.send(result.refunds);
    this.logger.log(
      `Event ${eventId} cancelled: ${result.cancelledOrders} orders cancelled, ${result.refunds.length} refunded`,
    );
    const event = await this.events.findById(eventId);
    return {
      event: event!,
      cancelledOrders: result.cancelledOrders,
      refundedOrders: result.refunds.length,
    };
  }
}
