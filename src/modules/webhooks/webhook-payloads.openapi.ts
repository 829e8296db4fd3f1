import type { OpenAPIObject } from '@nestjs/swagger';
import { TEST_MESSAGE_TYPE, type MessageType } from '../outbox/message-types.js';

type Schema = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** Each message type, what happened, and the schema of its `data`. */
const MESSAGES: Record<MessageType | typeof TEST_MESSAGE_TYPE, { summary: string; data: string }> =
  {
    'order.created': {
      summary: 'An order was placed: its tickets are held until expiresAt.',
      data: 'EventOrderOutput',
    },
    'order.paid': { summary: 'An order was paid: its tickets exist.', data: 'EventOrderOutput' },
    'order.cancelled': {
      summary: 'An order was cancelled with nothing to give back.',
      data: 'EventOrderOutput',
    },
    'order.expired': {
      summary: 'A held order was not paid in time; its stock is back.',
      data: 'EventOrderOutput',
    },
    'order.refunded': {
      summary: 'A paid order was cancelled and its money (less any fee) is going back.',
      data: 'EventOrderOutput',
    },
    'ticket.checked_in': {
      summary: 'A ticket was let in at the door (entries only; refused scans are not sent).',
      data: 'WebhookEntryData',
    },
    'ticket.voided': {
      summary: 'A ticket can no longer be used (its order was cancelled or refunded).',
      data: 'TicketOutput',
    },
    'event.published': { summary: 'An event went on sale.', data: 'EventOutput' },
    'event.updated': {
      summary: 'A published event changed (title, times, venue, refund policy, ...).',
      data: 'EventOutput',
    },
    'event.cancelled': {
      summary: 'An event was cancelled; its paid orders are being refunded.',
      data: 'EventOutput',
    },
    'ticket_type.sold_out': {
      summary: 'A ticket type’s last ticket was held or sold.',
      data: 'TicketTypeOutput',
    },
    'webhook.test': {
      summary: 'Sent on request by the test-send route, to one endpoint.',
      data: 'WebhookTestData',
    },
  };

const HEADERS = [
  [
    'webhook-id',
    'msg_ and a UUID: the same for every attempt and replay of one message; deduplicate on it.',
  ],
  [
    'webhook-timestamp',
    'Seconds since the epoch when this attempt was signed; refuse ones far from now.',
  ],
  [
    'webhook-signature',
    'Space-separated `v1,<base64 HMAC-SHA256>`: one per secret in use (two for 24 h after a rotation).',
  ],
] as const;

/**
 * The messages EventFlow POSTs to webhook endpoints, as `x-webhooks` (the OpenAPI 3.0 spelling of
 * 3.1's `webhooks`; Redocly and Swagger UI show it): one entry per type, with the Standard
 * Webhooks headers and the body `{type, timestamp, version, data}`.
 */
export function describeWebhookPayloads(document: OpenAPIObject): OpenAPIObject {
  const schemas = (document.components!.schemas ??= {}) as Record<string, Schema>;
  schemas.WebhookEntryData = {
    type: 'object',
    required: ['ticket', 'scan'],
    properties: {
      ticket: ref('TicketOutput'),
      scan: {
        type: 'object',
        required: ['id', 'scannedAt', 'scannedById'],
        properties: {
          id: { type: 'string', format: 'uuid' },
          scannedAt: { type: 'string', format: 'date-time' },
          scannedById: {
            type: 'string',
            format: 'uuid',
            description: 'The account (or device key’s owner) that scanned.',
          },
        },
      },
    },
  };
  schemas.WebhookTestData = {
    type: 'object',
    required: ['endpointId', 'message'],
    properties: { endpointId: { type: 'string', format: 'uuid' }, message: { type: 'string' } },
  };
  const webhooks: Record<string, unknown> = {};
  for (const [type, { summary, data }] of Object.entries(MESSAGES)) {
    const name = `WebhookMessage_${type.replace(/[^a-z]+/g, '_')}`;
    schemas[name] = {
      type: 'object',
      required: ['type', 'timestamp', 'version', 'data'],
      properties: {
        type: { type: 'string', enum: [type] },
        timestamp: {
          type: 'string',
          format: 'date-time',
          description: 'When the change was committed.',
        },
        version: {
          type: 'integer',
          enum: [1],
          description: 'The payload shape’s version; added fields keep it.',
        },
        data: {
          type: 'object',
          allOf: [ref(data)],
          nullable: true,
          description:
            'The resource as the API shows it to the event’s organizer, as of the first attempt (frozen then: every attempt sends the same bytes); null if it no longer exists.',
        },
      },
    };
    webhooks[type] = {
      post: {
        operationId: `webhook_${type.replace(/[^a-z]+/g, '_')}`,
        summary,
        tags: ['webhooks'],
        // No credentials are sent: the receiver checks webhook-signature instead.
        security: [],
        parameters: HEADERS.map(([header, description]) => ({
          in: 'header',
          name: header,
          required: true,
          description,
          schema: { type: 'string' },
        })),
        requestBody: { required: true, content: { 'application/json': { schema: ref(name) } } },
        responses: {
          '200': {
            description:
              'Any 2xx: received. Anything else is retried on the schedule; 410 disables the endpoint.',
          },
        },
      },
    };
  }
  return Object.assign(document, { 'x-webhooks': webhooks });
}
