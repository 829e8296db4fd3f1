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
 * Runs in every instance, without anyone calling the API: expires pending orders past their hold
 * (returning their stock exactly once, however many instances sweep: see eventflow_expire_orders),
 * settles payment attempts left open past their lease (asking the provider what became of them),
 * sends refunds still owed, and forgets idempotency keys older than 24 hours. Every queue is taken
 * with SKIP LOCKED, so instances sweeping at once share the work instead of repeating it.
 */
@Injectable()
export class OrderSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(OrderSweeper.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
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
    if (this.config.orderSweepIntervalMs > 0) this.schedule();
  }

  /** Stops before the database connections close (they close in onApplicationShutdown). */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One sweep; also what tests call to sweep at a moment of their choosing. */
  async sweep(): Promise<{ expired: number; reconciled: number; refundsSent: number }> {
    let expired = 0;
    for (let batch = EXPIRY_BATCH; batch === EXPIRY_BATCH;) {
      batch = await this.orders.expireDue(EXPIRY_BATCH);
      expired += batch;
    }
    const reconciled = await this.payments.reconcile();
    const refundsSent = await this.refunds.retryDue();
    await this.refunds.reportOwed();
    if (Date.now() - this.lastCleanup > CLEANUP_INTERVAL_MS) await this.cleanUpIdempotencyKeys();
    this.metrics.countOrders('expired', expired);
    if (expired > 0) this.logger.log(`Expired ${expired} pending orders; their stock is back`);
    return { expired, reconciled, refundsSent };
  }

  /** Forgets idempotency keys past their 24 hours, a batch at a time. */
  async cleanUpIdempotencyKeys(): Promise<void> {
    this.lastCleanup = Date.now();
    while ((await this.idempotencyKeys.deleteExpired(IDEMPOTENCY_KEY_HOURS, 1_000)) === 1_000);
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.running = this.sweep()
        .then(() => undefined)
        .catch((error: unknown) =>
          this.logger.warn(`Order sweep failed, retrying next tick: ${(error as Error).message}`),
        )
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.schedule();
        });
    }, this.config.orderSweepIntervalMs);
    // The sweeper alone must not keep a process alive that is otherwise done.
    this.timer.unref();
  }
}
