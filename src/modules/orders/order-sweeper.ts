import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { MetricsService } from '../../infrastructure/metrics/metrics.service.js';
import { PaymentsService } from '../payments/payments.service.js';
import { RefundsService } from '../payments/refunds/refunds.service.js';
import { IdempotencyRepository } from './idempotency/idempotency.repository.js';
import { OrdersRepository } from './orders.repository.js';

const EXPIRY_BATCH = 500;
const IDEMPOTENCY_KEY_HOURS = 24;
const CLEANUP_INTERVAL_MS = 10 * 60_000;

/**
 * Runs in every instance, without anyone calling the API, as two loops that never wait for each
 * other: stock (pending orders past their hold expire, their stock back exactly once however many
 * instances sweep: see eventflow_expire_orders) and money (payment attempts left open past their
 * lease are settled by asking the provider, refunds still owed are sent, and idempotency keys older
 * than 24 hours are forgotten). Money calls providers, which can be slow or down; expiry only calls
 * PostgreSQL, so stock comes back on time whatever a provider does. Every queue is taken with SKIP
 * LOCKED, so instances sweeping at once share the work instead of repeating it.
 */
@Injectable()
export class OrderSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(OrderSweeper.name);
  private readonly loops: SweepLoop[] = [];
  private lastCleanup = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly orders: OrdersRepository,
    private readonly payments: PaymentsService,
    private readonly refunds: RefundsService,
    private readonly idempotencyKeys: IdempotencyRepository,
    private readonly metrics: MetricsService,
  ) {}

  onApplicationBootstrap(): void {
    const every = this.config.orderSweepIntervalMs;
    if (every <= 0) return;
    this.loops.push(
      new SweepLoop('Stock sweep', every, () => this.sweepStock(), this.logger),
      new SweepLoop('Money sweep', every, () => this.sweepMoney(), this.logger),
    );
  }

  /** Stops before the database connections close (they close in onApplicationShutdown). */
  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.loops.map((loop) => loop.stop()));
  }

  /** One sweep of both; also what tests call to sweep at a moment of their choosing. */
  async sweep(): Promise<{ expired: number; reconciled: number; refundsSent: number }> {
    const money = await this.sweepMoney();
    const expired = await this.sweepStock();
    return { expired, ...money };
  }

  /** Pending orders past their hold (and with no payment still open) expire; stock back. */
  async sweepStock(): Promise<number> {
    let expired = 0;
    for (let batch = EXPIRY_BATCH; batch === EXPIRY_BATCH;) {
      batch = await this.orders.expireDue(EXPIRY_BATCH);
      expired += batch;
    }
    this.metrics.countOrders('expired', expired);
    if (expired > 0) this.logger.log(`Expired ${expired} pending orders; their stock is back`);
    return expired;
  }

  async sweepMoney(): Promise<{ reconciled: number; refundsSent: number }> {
    const reconciled = await this.payments.reconcile();
    const refundsSent = await this.refunds.retryDue();
    await this.refunds.reportOwed();
    if (Date.now() - this.lastCleanup > CLEANUP_INTERVAL_MS) await this.cleanUpIdempotencyKeys();
    return { reconciled, refundsSent };
  }

  /** Forgets idempotency keys past their 24 hours, a batch at a time, and old provider events. */
  async cleanUpIdempotencyKeys(): Promise<void> {
    this.lastCleanup = Date.now();
    while ((await this.idempotencyKeys.deleteExpired(IDEMPOTENCY_KEY_HOURS, 1_000)) === 1_000);
    await this.payments.forgetOldEvents();
  }
}

/** Runs `work` again `everyMs` after each run ends, until stopped; a failed run is logged. */
class SweepLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly name: string,
    private readonly everyMs: number,
    private readonly work: () => Promise<unknown>,
    private readonly logger: Logger,
  ) {
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.running = this.work()
        .then(() => undefined)
        .catch((error: unknown) =>
          this.logger.warn(`${this.name} failed, retrying next tick: ${(error as Error).message}`),
        )
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.schedule();
        });
    }, this.everyMs);
    // The sweeper alone must not keep a process alive that is otherwise done.
    this.timer.unref();
  }
}
