import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { Webhook } from 'standardwebhooks';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { JobQueue } from '../../infrastructure/jobs/job-queue.js';
import { MetricsService } from '../../infrastructure/metrics/metrics.service.js';
import { PAYLOAD_VERSION } from '../outbox/message-types.js';
import { OutboxRepository, type OutboxMessage } from '../outbox/outbox.repository.js';
import { PayloadRenderer } from './payload-renderer.js';
import { DISABLE_AFTER_FAILING_SECONDS, nextRetryDelayMs } from './retry-schedule.js';
import type { SigningEndpoint } from './webhook.records.js';
import { WebhookSender, type DeliveryResult } from './webhook-sender.js';
import { WebhooksRepository } from './webhooks.repository.js';

interface DeliverJob {
  endpointId: string;
  messageId: string;
  attempt: number;
}

const RETENTION_DAYS = 30;

/**
 * One attempt to deliver one message to one endpoint, as a job: sign (Standard Webhooks; both
 * secrets during a rotation), POST, log the attempt, and schedule the next on the retry schedule
 * or disable the endpoint (410 Gone, or five days without a success), all in one transaction.
 * An instance killed mid-attempt leaves the job locked; it runs again once the lock is stale.
 */
@Injectable()
export class WebhookDeliveryService implements OnModuleDestroy {
  private readonly logger = new Logger(WebhookDeliveryService.name);
  private readonly sender: WebhookSender;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    jobs: JobQueue,
    private readonly webhooks: WebhooksRepository,
    private readonly outbox: OutboxRepository,
    private readonly renderer: PayloadRenderer,
    private readonly metrics: MetricsService,
  ) {
    this.sender = new WebhookSender(config.webhooks.timeoutMs, config.webhooks.allowPrivateUrls);
    jobs.define('webhook:deliver', (payload) => this.deliver(payload as DeliverJob));
    jobs.define('webhook:clean', () => this.clean(), { cron: '37 3 * * *' });
  }

  onModuleDestroy(): void {
    this.sender.close();
  }

  async deliver(job: DeliverJob): Promise<void> {
    const [endpoint, message] = await Promise.all([
      this.webhooks.findForSigning(job.endpointId),
      this.outbox.findMessage(job.messageId),
    ]);
    // Deleted or disabled since it was queued, or the message is past its retention: nothing to do.
    if (!endpoint?.enabled || !message) return;
    const body = await this.bodyOf(message);
    const sentAt = new Date();
    const result = await this.sender.send({
      url: endpoint.url,
      headers: {
        'webhook-id': `msg_${message.id}`,
        'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
        'webhook-signature': this.signatures(endpoint, message.id, sentAt, body),
      },
      body,
    });
    if (job.attempt === 1 && message.type !== 'webhook.test') {
      this.metrics.observeFirstAttemptDelay(
        (sentAt.getTime() - message.occurredAt.getTime()) / 1000,
      );
    }
    this.metrics.countWebhookAttempt(
      result.error === undefined ? 'succeeded' : result.refused ? 'refused' : 'failed',
    );
    await this.webhooks.recordAttempt({
      endpointId: endpoint.id,
      messageId: message.id,
      attempt: job.attempt,
      succeeded: result.error === undefined,
      responseStatus: result.status,
      durationMs: result.durationMs,
      error: result.error,
      ...this.whatNext(endpoint, job.attempt, result),
    });
  }

  /** `{type, timestamp, version, data}`; the same bytes for every attempt of a message. */
  private async bodyOf(message: OutboxMessage): Promise<string> {
    const data =
      message.data ??
      (await this.outbox.freezeData(message.id, await this.renderer.render(message)));
    return JSON.stringify({
      type: message.type,
      timestamp: message.occurredAt.toISOString(),
      version: PAYLOAD_VERSION,
      data,
    });
  }

  private signatures(endpoint: SigningEndpoint, messageId: string, at: Date, body: string): string {
    const secrets = [endpoint.secret];
    if (
      endpoint.previousSecret &&
      (endpoint.previousSecretExpiresAt?.getTime() ?? 0) > at.getTime()
    ) {
      secrets.push(endpoint.previousSecret);
    }
    return secrets
      .map((secret) => new Webhook(secret).sign(`msg_${messageId}`, at, body))
      .join(' ');
  }

  private whatNext(
    endpoint: SigningEndpoint,
    attempt: number,
    result: DeliveryResult,
  ): { nextAttemptAt: Date | undefined; disableReason: string | undefined } {
    const none = { nextAttemptAt: undefined, disableReason: undefined };
    if (result.error === undefined) return none;
    const now = Date.now();
    if (result.status === 410) {
      return {
        nextAttemptAt: undefined,
        disableReason: `The endpoint answered 410 Gone on ${new Date(now).toISOString()}.`,
      };
    }
    const failingForMs = endpoint.failingSince ? now - endpoint.failingSince.getTime() : 0;
    if (failingForMs >= DISABLE_AFTER_FAILING_SECONDS * 1000 * this.config.webhooks.retryScale) {
      return {
        nextAttemptAt: undefined,
        disableReason: `Every attempt since ${endpoint.failingSince!.toISOString()} failed (the last: ${result.error}).`,
      };
    }
    const delay = nextRetryDelayMs(
      attempt,
      this.config.webhooks.retryScale,
      result.retryAfterSeconds,
    );
    return { ...none, nextAttemptAt: delay === undefined ? undefined : new Date(now + delay) };
  }

  private async clean(): Promise<void> {
    const deleted = await this.webhooks.deleteDeliveriesBefore(
      new Date(Date.now() - RETENTION_DAYS * 86_400_000),
    );
    if (deleted > 0)
      this.logger.log(`Forgot ${deleted} delivery attempts older than ${RETENTION_DAYS} days`);
  }
}
