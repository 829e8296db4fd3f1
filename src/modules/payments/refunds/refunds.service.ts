import { Injectable, Logger } from '@nestjs/common';
import { MetricsService } from '../../../infrastructure/metrics/metrics.service.js';
import { PaymentProviderError, type RefundResult } from '../payment-provider.js';
import { PaymentProviders } from '../payment-providers.js';
import { RefundsRepository, type RefundJob } from './refunds.repository.js';

/** Refunds sent side by side when many are owed at once (an event cancelled). */
const CONCURRENCY = 8;
const SWEEP_BATCH = 50;
/**
 * A refund is sent by one sender at a time: its creator right after it is recorded, or a sweeper
 * that claimed it. Either holds it this long before another may take it, and starts no send after
 * START_WITHIN_MS of taking it; a send lasts at most two provider calls (about 45 s), so two sends
 * of one refund never overlap.
 */
const CLAIM_SECONDS = 120;
const START_WITHIN_MS = 60_000;
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
 * that cancels its order; sending it is only the provider call, through the provider that took the
 * payment, retried with backoff until that provider accepts. The provider never pays one twice:
 * each try is keyed (see PaymentProvider.refund), and tries never overlap.
 */
@Injectable()
export class RefundsService {
  private readonly logger = new Logger(RefundsService.name);

  constructor(
    private readonly refunds: RefundsRepository,
    private readonly providers: PaymentProviders,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * Right after the refunds were recorded. What cannot be started soon (an event cancelled with
   * thousands of paid orders, a slow provider) is handed to the sweepers at once instead, so the
   * request that owed the refunds answers in bounded time; any that fail are retried by them.
   */
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
    const startBy = Date.now() + START_WITHIN_MS;
    const queue = [...jobs];
    const worker = async () => {
      for (let job = queue.shift(); job && Date.now() < startBy; job = queue.shift()) {
        // Whatever happens here, the refund stays recorded as owed: the sweeper sends it again
        // until its success is recorded.
        await this.sendOne(job).catch((error: unknown) =>
          this.logger.warn(
            `Refund ${job.id} could not be recorded; the sweeper retries it: ${(error as Error).message}`,
          ),
        );
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));
    if (queue.length > 0) {
      this.logger.log(`${queue.length} refunds left to the sweepers, to be sent in their turn`);
      await this.refunds.dueNow(queue.map((job) => job.id));
    }
  }

  private async sendOne(job: RefundJob): Promise<void> {
    const provider = this.providers.for(job.provider);
    let result: RefundResult;
    try {
      if (!provider) {
        throw new PaymentProviderError(
          `the payment was made through the ${job.provider} provider, which this instance cannot reach`,
        );
      }
      result = await provider.refund({
        refundId: job.id,
        refusals: job.refusals,
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
      await this.refunds.failed(job.id, {
        reason: (error as Error).message,
        refused: error instanceof PaymentProviderError,
        retryInSeconds: retryIn,
      });
      return;
    }
    if (result.status === 'pending') {
      await this.refunds.stillPending(job.id, result.reference, PENDING_CHECK_SECONDS);
      return;
    }
    if (await this.refunds.succeeded(job.id, result.reference)) {
      this.metrics.countRefunds('succeeded');
    }
  }
}
