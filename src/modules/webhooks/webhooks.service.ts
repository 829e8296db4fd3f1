import { Inject, Injectable } from '@nestjs/common';
import type { AuthUser } from '../../common/auth/auth-user.js';
import { pageMeta, pageWindow, type PageMeta } from '../../common/http/pagination.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import type { DeliveryRecord, WebhookEndpointRecord } from './webhook.records.js';
import { newWebhookSecret, PREVIOUS_SECRET_HOURS } from './webhook-secrets.js';
import { webhookUrlProblem } from './webhook-url.js';
import { WebhooksErrors } from './webhooks.errors.js';
import { WebhooksRepository } from './webhooks.repository.js';

const MAX_ENDPOINTS_PER_OWNER = 20;

/** An organizer's webhook endpoints: each is its owner's alone (anyone else gets a 404). */
@Injectable()
export class WebhooksService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly webhooks: WebhooksRepository,
  ) {}

  async create(
    caller: AuthUser,
    input: { url: string; eventTypes: string[]; description?: string },
  ): Promise<{ endpoint: WebhookEndpointRecord; secret: string }> {
    this.checkUrl(input.url);
    const existing = await this.webhooks.listForOwner(caller.id);
    if (existing.length >= MAX_ENDPOINTS_PER_OWNER)
      throw WebhooksErrors.tooMany(MAX_ENDPOINTS_PER_OWNER);
    const secret = newWebhookSecret();
    const endpoint = await this.webhooks.create({
      ownerId: caller.id,
      url: input.url,
      description: input.description ?? '',
      eventTypes: input.eventTypes,
      secret,
    });
    return { endpoint, secret };
  }

  list(caller: AuthUser): Promise<WebhookEndpointRecord[]> {
    return this.webhooks.listForOwner(caller.id);
  }

  get(caller: AuthUser, id: string): Promise<WebhookEndpointRecord> {
    return this.owned(caller, id);
  }

  async update(
    caller: AuthUser,
    id: string,
    changes: { url?: string; eventTypes?: string[]; description?: string; enabled?: boolean },
  ): Promise<WebhookEndpointRecord> {
    if (changes.url !== undefined) this.checkUrl(changes.url);
    const updated = await this.webhooks.update(id, caller.id, {
      url: changes.url,
      eventTypes: changes.eventTypes,
      description: changes.description,
      enable: changes.enabled,
    });
    if (!updated) throw WebhooksErrors.notFound();
    return updated;
  }

  async remove(caller: AuthUser, id: string): Promise<void> {
    if (!(await this.webhooks.delete(id, caller.id))) throw WebhooksErrors.notFound();
  }

  /** A new secret, shown once; the previous one keeps signing beside it for 24 hours. */
  async rotateSecret(
    caller: AuthUser,
    id: string,
  ): Promise<{ endpoint: WebhookEndpointRecord; secret: string }> {
    const secret = newWebhookSecret();
    const previousUntil = new Date(Date.now() + PREVIOUS_SECRET_HOURS * 3_600_000);
    const endpoint = await this.webhooks.rotateSecret(id, caller.id, secret, previousUntil);
    if (!endpoint) throw WebhooksErrors.notFound();
    return { endpoint, secret };
  }

  async deliveries(
    caller: AuthUser,
    id: string,
    filter: { messageId?: string; status?: 'succeeded' | 'failed' },
    page: number,
    limit: number,
  ): Promise<{ deliveries: DeliveryRecord[]; meta: PageMeta }> {
    await this.owned(caller, id);
    const { skip, take } = pageWindow(page, limit);
    const { deliveries, total } = await this.webhooks.deliveries(
      id,
      { messageId: filter.messageId?.replace(/^msg_/, ''), status: filter.status },
      skip,
      take,
    );
    return { deliveries, meta: pageMeta(page, limit, total) };
  }

  async replayMessage(caller: AuthUser, id: string, messageId: string): Promise<number> {
    await this.deliverable(caller, id);
    const queued = await this.webhooks.replay(id, messageId.replace(/^msg_/, ''), null);
    if (queued === 0) throw WebhooksErrors.messageNotFound();
    return queued;
  }

  async replaySince(caller: AuthUser, id: string, since: Date): Promise<number> {
    await this.deliverable(caller, id);
    return this.webhooks.replay(id, null, since);
  }

  async sendTest(caller: AuthUser, id: string): Promise<string> {
    await this.deliverable(caller, id);
    return `msg_${await this.webhooks.queueTestMessage(id)}`;
  }

  private async owned(caller: AuthUser, id: string): Promise<WebhookEndpointRecord> {
    const endpoint = await this.webhooks.findOwned(id, caller.id);
    if (!endpoint) throw WebhooksErrors.notFound();
    return endpoint;
  }

  /** Queuing for a disabled endpoint would silently do nothing: say so instead. */
  private async deliverable(caller: AuthUser, id: string): Promise<void> {
    if (!(await this.owned(caller, id)).enabled) throw WebhooksErrors.disabled();
  }

  private checkUrl(url: string): void {
    const problem = webhookUrlProblem(url, this.config.webhooks.allowPrivateUrls);
    if (problem !== undefined) throw WebhooksErrors.urlNotAllowed(problem);
  }
}
