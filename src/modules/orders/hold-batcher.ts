import { Inject, Injectable } from '@nestjs/common';
import { RoundTripBatcher } from '../../common/batching/round-trip-batcher.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import type { HoldOutcome } from './order.records.js';
import { OrdersRepository, type BatchedHold } from './orders.repository.js';

/** A batch large enough to amortise the lock and commit, small enough to keep one batch short. */
const MAX_BATCH = 64;

export type BatchOutcome = HoldOutcome | { outcome: 'SINGLE' };

/**
 * Gathers the single-item holds of a ticket type that arrive while the previous batch of that type
 * is in the database, and sends them together (eventflow_hold_batch): one row lock, one statement
 * and one commit for the whole batch instead of one per buyer. A lone buyer's hold goes at once,
 * and batches grow only as fast as requests queue behind the lock anyway. Each buyer still gets
 * all or nothing, in arrival order.
 */
@Injectable()
export class HoldBatcher {
  private readonly batcher: RoundTripBatcher<BatchedHold, BatchOutcome>;

  constructor(orders: OrdersRepository, @Inject(APP_CONFIG) config: AppConfig) {
    this.batcher = new RoundTripBatcher(
      (ticketTypeId, holds) => orders.holdBatch(ticketTypeId, holds, config.orderHoldSeconds),
      { maxBatch: MAX_BATCH },
    );
  }

  hold(hold: BatchedHold): Promise<BatchOutcome> {
    return this.batcher.submit(hold.ticketTypeId, hold);
  }
}
