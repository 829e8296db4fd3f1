import { ApiProperty } from '@nestjs/swagger';
import { PageMetaResponse } from '../../../common/http/openapi.js';
import { MESSAGE_TYPES } from '../../outbox/message-types.js';
import type { DeliveryRecord, WebhookEndpointRecord } from '../webhook.records.js';

const nullableTime = { type: String, format: 'date-time', nullable: true } as const;

export class WebhookEndpointOutput {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'https://hooks.example.com/eventflow' }) url: string;
  @ApiProperty() description: string;
  @ApiProperty({ type: [String], enum: [...MESSAGE_TYPES], enumName: 'WebhookMessageType' })
  eventTypes: string[];
  @ApiProperty({ description: 'false: nothing is delivered (see disabledReason).' })
  enabled: boolean;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'The endpoint answered 410 Gone on 2026-12-01T10:00:00.000Z.',
    description: 'Why it was disabled: by its owner, a 410 Gone, or five days of failures.',
  })
  disabledReason: string | null;
  @ApiProperty(nullableTime) disabledAt: string | null;
  @ApiProperty({
    ...nullableTime,
    description: 'The first failed attempt since the last success; five days of this disables it.',
  })
  failingSince: string | null;
  @ApiProperty({
    ...nullableTime,
    description:
      'Until when the secret before the last rotation still signs, alongside the new one.',
  })
  previousSecretExpiresAt: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;

  static from(endpoint: WebhookEndpointRecord): WebhookEndpointOutput {
    return {
      id: endpoint.id,
      url: endpoint.url,
      description: endpoint.description,
      eventTypes: endpoint.eventTypes,
      enabled: endpoint.enabled,
      disabledReason: endpoint.disabledReason,
      disabledAt: endpoint.disabledAt?.toISOString() ?? null,
      failingSince: endpoint.failingSince?.toISOString() ?? null,
      previousSecretExpiresAt:
        endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > new Date()
          ? endpoint.previousSecretExpiresAt.toISOString()
          : null,
      createdAt: endpoint.createdAt.toISOString(),
      updatedAt: endpoint.updatedAt.toISOString(),
    };
  }
}

export class WebhookEndpointWithSecretOutput extends WebhookEndpointOutput {
  @ApiProperty({
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description:
      'The Standard Webhooks signing secret. Shown only here and on rotation; keep it to verify webhook-signature.',
  })
  secret: string;

  static withSecret(
    endpoint: WebhookEndpointRecord,
    secret: string,
  ): WebhookEndpointWithSecretOutput {
    return { ...WebhookEndpointOutput.from(endpoint), secret };
  }
}

export class WebhookEndpointListOutput {
  @ApiProperty({ type: [WebhookEndpointOutput] }) data: WebhookEndpointOutput[];
}

export class WebhookDeliveryOutput {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({
    example: 'msg_6f1c8c0e-4a57-4c7b-9f3e-2f1f1e1e1e1e',
    description: 'The webhook-id header: the same for every attempt and replay of one message.',
  })
  messageId: string;
  @ApiProperty({ example: 'order.paid' }) type: string;
  @ApiProperty({
    type: 'integer',
    minimum: 1,
    maximum: 10,
    description: 'Attempt of this run (a replay starts at 1).',
  })
  attempt: number;
  @ApiProperty({ enum: ['succeeded', 'failed'] }) status: 'succeeded' | 'failed';
  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'null: no answer (refused, timed out, unreachable).',
  })
  responseStatus: number | null;
  @ApiProperty({ type: 'integer' }) durationMs: number;
  @ApiProperty({ type: String, nullable: true, example: 'answered 500' }) error: string | null;
  @ApiProperty({ format: 'date-time' }) attemptedAt: string;
  @ApiProperty({ ...nullableTime, description: 'When the next attempt is due; null: none.' })
  nextAttemptAt: string | null;

  static from(delivery: DeliveryRecord): WebhookDeliveryOutput {
    return {
      id: delivery.id,
      messageId: `msg_${delivery.messageId}`,
      type: delivery.type,
      attempt: delivery.attempt,
      status: delivery.status,
      responseStatus: delivery.responseStatus,
      durationMs: delivery.durationMs,
      error: delivery.error,
      attemptedAt: delivery.attemptedAt.toISOString(),
      nextAttemptAt: delivery.nextAttemptAt?.toISOString() ?? null,
    };
  }
}

export class WebhookDeliveryListOutput {
  @ApiProperty({ type: [WebhookDeliveryOutput] }) data: WebhookDeliveryOutput[];
  @ApiProperty({ type: PageMetaResponse }) meta: PageMetaResponse;
}

export class ReplayOutput {
  @ApiProperty({ type: 'integer', description: 'Messages queued for delivery.' }) queued: number;
}

export class TestSendOutput {
  @ApiProperty({ example: 'msg_6f1c8c0e-4a57-4c7b-9f3e-2f1f1e1e1e1e' }) messageId: string;
}
