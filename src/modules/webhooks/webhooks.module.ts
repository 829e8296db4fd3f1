import { Module } from '@nestjs/common';
import { OutboxModule } from '../outbox/outbox.module.js';
import { PayloadRenderer } from './payload-renderer.js';
import { PayloadsRepository } from './payloads.repository.js';
import { WebhookDeliveryService } from './webhook-delivery.service.js';
import { WebhooksController } from './webhooks.controller.js';
import { WebhooksRepository } from './webhooks.repository.js';
import { WebhooksService } from './webhooks.service.js';

@Module({
  imports: [OutboxModule],
  controllers: [WebhooksController],
  providers: [
    WebhooksService,
    WebhooksRepository,
    WebhookDeliveryService,
    PayloadRenderer,
    PayloadsRepository,
  ],
})
export class WebhooksModule {}
