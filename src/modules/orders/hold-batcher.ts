import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import type { HoldOutcome } from './order.records.js';
import { OrdersRepository, type BatchedHold } from './orders.repository.js';

/** A batch large enough to amortise the lock and commit, small enough to keep one batch short. */
const MAX_BATCH = 64;

export type BatchOutcome = HoldOutcome | { outcome: 'SINGLE' };

interface Waiting {
  hold: BatchedHold;
  resolve: (outcome: BatchOutcome) => void;
  reject: (error: unknown) => void;
}

/**
 * Gathers the single-item holds of a ticket type that arrive while the previous batch of that type
 * is in the database, and sends them together (eventflow_hold_batch): one row lock, one statement
 * and one commit for the whole batch instead of one per buyer. Nothing waits for a timer: a lone
 * buyer's hold goes at once, and batches grow only as fast as requests queue behind the lock
 * anyway. Each buyer still gets all or nothing, in arrival order.
 */
@Injectable()
export class HoldBatcher {
  private readonly queues = new Map<string, Waiting[]>();

  constructor(
    private readonly orders: OrdersRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  hold(hold: BatchedHold): Promise<BatchOutcome> {
    return new Promise((resolve, reject) => {
      const queue = this.queues.get(hold.ticketTypeId);
      if (queue) {
        queue.push({ hold, resolve, reject });
        return;
      }
      // The first in line starts the drain; whoever arrives meanwhile joins the next batch.
      this.queues.set(hold.ticketTypeId, [{ hold, resolve, reject }]);
      void this.drain(hold.ticketTypeId);
    });
  }

  private async drain(ticketTypeId: string): Promise<void> {
    const queue = this.queues.get(ticketTypeId)!;
    while (queue.length > 0) {
      const batch = queue.splice(0, MAX_BATCH);
      try {
        const outcomes = await this.orders.holdBatch(
          ticketTypeId,
          batch.map((waiting) => waiting.hold),
          this.config.orderHoldSeconds,
        );
        batch.forEach((waiting, index) => waiting.resolve(outcomes[index]));
      } catch (error) {
        for (const waiting of batch) waiting.reject(error);
      }
    }
    this.queues.delete(ticketTypeId);
  }
}
