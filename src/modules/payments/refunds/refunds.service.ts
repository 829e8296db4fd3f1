import { Inject, Injectable, Logger } from '@nestjs/common';
import { MetricsService } from '../../../infrastructure/metrics/metrics.service.js';
import { PAYMENT_PROVIDER, type PaymentProvider, type RefundResult } from '../payment-provider.js';
import { RefundsRepository, type RefundJob } from './refunds.repository.js';

/** Refunds sent side by side when many are owed at once (an event cancelled). */
const CONCURRENCY = 8;
const SWEEP_BATCH = 50;
/**
 * A refund is sent by one sender at a time: its creator right after it is recorded, or a sweeper
 * that claimed it; either holds it this long (well past a provider call's longest) before another
 * may try, so two tries (with their own idempotency keys) never overlap.
 */
const CLAIM_SECONDS = 120;
/** A refund the provider accepted but has not carried out yet is asked about this often. */
const PENDING_CHECK_SECONDS = 60;
/** Retry after 5 s, 10 s, 20 s ... doubling up to an hour, for as long as the provider refuses. */
const FIRST_RETRY_SECONDS = 5;
const LAST_RETRY_SECONDS = 3600;

/** A new refund is its creator's to send for this long before a sweeper may take it. */
export const REFUND_GRACE_SECONDS = CLAIM_SECONDS;

export function retryDelaySeconds(failedAttempts: number): number {
  return Math.min(LAST_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** Math.max(0, failedAttempts - 1));
}

/**
 * Sends refunds that are already recorded (refunds rows): a refund is decided in the transaction
 * that cancels its order; sending it is only the provider call, retried with backoff until the
 * provider accepts. The refund row's id is the provider's idempotency key, so a refund sent twice
 * (a retry, two sweepers) is paid once.
 */
@Injectable()
export class RefundsService {
  private readonly logger = new Logger(RefundsService.name);

  constructor(
    private readonly refunds: RefundsRepository,
    @Inject(PAYMENT_PROVIDER) private readonly provider: PaymentProvider,
    private readonly metrics: MetricsService,
  ) {}

  /** Right after the refunds were recorded; any that fail are left to the sweeper's retries. */
  async send(refundIds: string[]): Promise<void> {
    await this.sendAll(await this.refunds.pending(refundIds));
  }

  /** The sweeper's turn: refunds due for another attempt. */
  async retryDue(): Promise<number> {
    const due = await this.refunds.claimDue(SWEEP_BATCH, CLAIM_SECONDS);
    await this.sendAll(due);
    return due.length;
  }

  async reportOwed(): Promise<void> {
    const owed = await this.refunds.owed();
    this.metrics.setRefundsOwed(owed.count, owed.oldestSeconds);
  }

  private async sendAll(jobs: RefundJob[]): Promise<void> {
    const queue = [...jobs];
    const worker = async () => {
      for (let job = queue.shift(); job; job = queue.shift()) {
        // Whatever happens here, the refund stays recorded as owed: the sweeper sends it again
        // (the provider pays it once, by its idempotency key) until its success is recorded.
        await this.sendOne(job).catch((error: unknown) =>
          this.logger.warn(
            `Refund ${job.id} could not be recorded; the sweeper retries it: ${(error as Error).message}`,
          ),
        );
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));
  }

  private async sendOne(job: RefundJob): Promise<void> {
    let result: RefundResult;
    try {
      if (job.provider !== this.provider.name) {
        throw new Error(
          `the payment was made through the ${job.provider} provider, but this instance uses ${this.provider.name}`,
        );
      }
      result = await this.provider.refund({
        refundId: job.id,
        attempt: job.attempts,
        paymentId: job.paymentId,
        paymentReference: job.paymentReference,
        amountCents: job.amountCents,
        currency: job.currency,
      });
    } catch (error) {
      const retryIn = retryDelaySeconds(job.attempts + 1);
      this.metrics.countRefunds('failed');
      this.logger.warn(
        `Refund ${job.id} (${job.amountCents} ${job.currency}) failed, attempt ${job.attempts + 1}; retrying in ${retryIn} s: ${(error as Error).message}`,
      );
      await this.refunds.failed(job.id, (error as Error).message, retryIn);
      return;
    }
    if (result.status === 'pending') {
      await this.refunds.stillPending(job.id, result.reference, PENDING_CHECK_SECONDS);
      return;
    }
    if (await this.refunds.succeeded(job.id, result.reference))
      this.metrics.countRefunds('succeeded');
  }
}
