import { Injectable, Logger } from '@nestjs/common';
import { JobQueue } from '../../infrastructure/jobs/job-queue.js';
import { EMAIL_TRIGGER_TYPES } from '../emails/email-triggers.js';
import { OutboxRepository } from './outbox.repository.js';

const DISPATCH_BATCH = 500;
const RETENTION_DAYS = 30;

/**
 * Turns outbox rows into delivery jobs. A dispatch job is added by trigger with every statement
 * that writes outbox rows; it also runs every minute, so rows whose dispatch job died with its
 * instance go out anyway. Each row becomes one `webhook:deliver` job per subscribed endpoint and,
 * for the types that send email, one `email:outbox` job.
 */
@Injectable()
export class OutboxDispatcher {
  private readonly logger = new Logger(OutboxDispatcher.name);

  constructor(
    jobs: JobQueue,
    private readonly outbox: OutboxRepository,
  ) {
    jobs.define('outbox:dispatch', () => this.dispatchAll().then(() => undefined), {
      cron: '* * * * *',
    });
    jobs.define('outbox:clean', () => this.clean(), { cron: '17 3 * * *' });
  }

  /** Dispatches until nothing undispatched is left; what tests call to dispatch at once. */
  async dispatchAll(): Promise<number> {
    let claimed = 0;
    for (;;) {
      const batch = await this.outbox.dispatch(DISPATCH_BATCH, EMAIL_TRIGGER_TYPES);
      claimed += batch.claimed;
      if (batch.claimed < DISPATCH_BATCH) return claimed;
    }
  }

  private async clean(): Promise<void> {
    const cutoff = new Date(Date.now() - RETENTION_DAYS * 86_400_000);
    const deleted = await this.outbox.deleteOlderThan(cutoff);
    if (deleted > 0)
      this.logger.log(`Forgot ${deleted} messages older than ${RETENTION_DAYS} days`);
  }
}
