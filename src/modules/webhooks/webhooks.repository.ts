import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../infrastructure/database/prisma.service.js';
import { JOB_PRIORITY } from '../../infrastructure/jobs/enqueue.sql.js';
import { TEST_MESSAGE_TYPE } from '../outbox/message-types.js';
import type {
  AttemptRecord,
  DeliveryRecord,
  SigningEndpoint,
  WebhookEndpointRecord,
} from './webhook.records.js';

const ENDPOINT_FIELDS = {
  id: true,
  ownerId: true,
  url: true,
  description: true,
  eventTypes: true,
  enabled: true,
  disabledReason: true,
  disabledAt: true,
  failingSince: true,
  previousSecretExpiresAt: true,
  createdAt: true,
  updatedAt: true,
} as const;

/**
 * graphile-worker's attempts at one delivery attempt: they repeat only a task that threw (the
 * database unreachable while logging), never an HTTP failure, which is logged and rescheduled.
 * With its backoff (up to six hours apart), 25 outlast any outage worth surviving.
 */
const DELIVERY_JOB_ATTEMPTS = 25;

/** The most messages one replay may queue. */
export const MAX_REPLAY = 10_000;

/**
 * Messages an endpoint may be sent: those of its owner's events of the types it subscribes to,
 * and its own test messages. $1 endpoint id, $2 message id (or null), $3 since (or null).
 */
const REPLAYABLE = `
  SELECT m.id, m.seq FROM outbox_events m, webhook_endpoints w
   WHERE w.id = $1::uuid
     AND ($2::uuid IS NULL OR m.id = $2::uuid)
     AND ($3::timestamptz IS NULL OR m.occurred_at >= $3::timestamptz)
     AND (   (m.type = '${TEST_MESSAGE_TYPE}' AND m.subject_id = w.id::text)
          OR (m.event_id IN (SELECT id FROM events WHERE organizer_id = w.owner_id)
              AND ($2::uuid IS NOT NULL OR m.type = ANY (w.event_types))))
   ORDER BY m.seq LIMIT ${MAX_REPLAY}`;

/**
 * $1 endpoint, $2 message, $3 attempt, $4 succeeded, $5 response status, $6 duration, $7 error,
 * $8 next attempt at (null: none), $9 disable reason (null: none), $10 the next job's payload.
 */
const RECORD_ATTEMPT = `
  WITH logged AS (
    INSERT INTO webhook_deliveries
      (endpoint_id, message_id, attempt, status, response_status, duration_ms, error, next_attempt_at)
    VALUES ($1::uuid, $2::uuid, $3::int, CASE WHEN $4::boolean THEN 'succeeded' ELSE 'failed' END,
            $5::int, $6::int, $7::text, $8::timestamptz)
    RETURNING 1
  ), recovered AS (
    UPDATE webhook_endpoints SET failing_since = NULL
     WHERE id = $1::uuid AND $4::boolean AND failing_since IS NOT NULL
    RETURNING 1
  ), failing AS (
    UPDATE webhook_endpoints
       SET failing_since = coalesce(failing_since, clock_timestamp()),
           enabled = enabled AND $9::text IS NULL,
           disabled_reason = coalesce($9::text, disabled_reason),
           disabled_at = CASE WHEN $9::text IS NULL THEN disabled_at ELSE clock_timestamp() END
     WHERE id = $1::uuid AND NOT $4::boolean AND (failing_since IS NULL OR $9::text IS NOT NULL)
    RETURNING 1
  ), scheduled AS (
    SELECT graphile_worker.add_job('webhook:deliver', $10::json, run_at := $8::timestamptz,
                                   max_attempts := ${DELIVERY_JOB_ATTEMPTS},
                                   priority := ${JOB_PRIORITY.webhook})
     WHERE $8::timestamptz IS NOT NULL
  )
  SELECT (SELECT count(*) FROM logged) AS logged, (SELECT count(*) FROM recovered) AS recovered,
         (SELECT count(*) FROM failing) AS failing, (SELECT count(*) FROM scheduled) AS scheduled`;

@Injectable()
export class WebhooksRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(input: {
    ownerId: string;
    url: string;
    description: string;
    eventTypes: string[];
    secret: string;
  }): Promise<WebhookEndpointRecord> {
    return this.prisma.webhookEndpoint.create({ data: input, select: ENDPOINT_FIELDS });
  }

  listForOwner(ownerId: string): Promise<WebhookEndpointRecord[]> {
    return this.prisma.webhookEndpoint.findMany({
      where: { ownerId },
      select: ENDPOINT_FIELDS,
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
  }

  findOwned(id: string, ownerId: string): Promise<WebhookEndpointRecord | null> {
    return this.prisma.webhookEndpoint.findFirst({
      where: { id, ownerId },
      select: ENDPOINT_FIELDS,
    });
  }

  findForSigning(id: string): Promise<SigningEndpoint | null> {
    return this.prisma.webhookEndpoint.findUnique({
      where: { id },
      select: { ...ENDPOINT_FIELDS, secret: true, previousSecret: true },
    });
  }

  async update(
    id: string,
    ownerId: string,
    changes: { url?: string; description?: string; eventTypes?: string[]; enable?: boolean },
  ): Promise<WebhookEndpointRecord | null> {
    const { count } = await this.prisma.webhookEndpoint.updateMany({
      where: { id, ownerId },
      data: {
        url: changes.url,
        description: changes.description,
        eventTypes: changes.eventTypes,
        // Enabling again starts afresh: the reason and the failing streak are forgotten.
        ...(changes.enable === true
          ? { enabled: true, disabledReason: null, disabledAt: null, failingSince: null }
          : {}),
        ...(changes.enable === false
          ? { enabled: false, disabledReason: 'Disabled by its owner.', disabledAt: new Date() }
          : {}),
      },
    });
    return count === 0 ? null : this.findOwned(id, ownerId);
  }

  async delete(id: string, ownerId: string): Promise<boolean> {
    const { count } = await this.prisma.webhookEndpoint.deleteMany({ where: { id, ownerId } });
    return count > 0;
  }

  /** The new secret signs from now; the old one alongside it until `previousUntil`. */
  async rotateSecret(
    id: string,
    ownerId: string,
    secret: string,
    previousUntil: Date,
  ): Promise<WebhookEndpointRecord | null> {
    const result = await this.prisma.pool.query<{ id: string }>(
      `UPDATE webhook_endpoints SET previous_secret = secret, secret = $3,
              previous_secret_expires_at = $4, updated_at = now()
        WHERE id = $1::uuid AND owner_id = $2::uuid RETURNING id`,
      [id, ownerId, secret, previousUntil],
    );
    return result.rowCount === 0 ? null : this.findOwned(id, ownerId);
  }

  async deliveries(
    endpointId: string,
    filter: { messageId?: string; status?: 'succeeded' | 'failed' },
    skip: number,
    take: number,
  ): Promise<{ deliveries: DeliveryRecord[]; total: number }> {
    const where = { endpointId, messageId: filter.messageId, status: filter.status };
    const [rows, total] = await Promise.all([
      this.prisma.webhookDelivery.findMany({
        where,
        orderBy: [{ attemptedAt: 'desc' }, { id: 'desc' }],
        skip,
        take,
        select: {
          id: true,
          messageId: true,
          attempt: true,
          status: true,
          responseStatus: true,
          durationMs: true,
          error: true,
          attemptedAt: true,
          nextAttemptAt: true,
          message: { select: { type: true } },
        },
      }),
      this.prisma.webhookDelivery.count({ where }),
    ]);
    return {
      deliveries: rows.map(({ message, ...row }) => ({
        ...row,
        type: message.type,
        status: row.status as DeliveryRecord['status'],
      })),
      total,
    };
  }

  /**
   * Logs one attempt and, in the same statement (one round trip, one commit), schedules the next
   * or disables the endpoint. The endpoint row is written only when its state changes (the first
   * failure of a streak, a disable, the first success after failures): a healthy endpoint's
   * concurrent deliveries never queue on its row lock.
   */
  async recordAttempt(attempt: AttemptRecord): Promise<void> {
    await this.prisma.pool.query({
      name: 'eventflow_webhook_attempt',
      text: RECORD_ATTEMPT,
      values: [
        attempt.endpointId,
        attempt.messageId,
        attempt.attempt,
        attempt.succeeded,
        attempt.responseStatus ?? null,
        attempt.durationMs,
        attempt.error?.slice(0, 500) ?? null,
        attempt.nextAttemptAt ?? null,
        attempt.disableReason ?? null,
        JSON.stringify({
          endpointId: attempt.endpointId,
          messageId: attempt.messageId,
          attempt: attempt.attempt + 1,
        }),
      ],
    });
  }

  /** Queues a fresh run (attempt 1) of every matching message; answers how many. */
  async replay(endpointId: string, messageId: string | null, since: Date | null): Promise<number> {
    const result = await this.prisma.pool.query<{ queued: number }>(
      `WITH picked AS (${REPLAYABLE}),
            added AS (
              SELECT count(*) AS n FROM graphile_worker.add_jobs(ARRAY(
                SELECT ROW('webhook:deliver',
                           json_build_object('endpointId', $1::uuid, 'messageId', p.id, 'attempt', 1),
                           NULL, NULL, ${DELIVERY_JOB_ATTEMPTS}, NULL, ${JOB_PRIORITY.webhook}, NULL)::graphile_worker.job_spec
                  FROM picked p ORDER BY p.seq))
               WHERE EXISTS (SELECT 1 FROM picked))
       SELECT coalesce((SELECT n FROM added), 0)::int AS queued`,
      [endpointId, messageId, since],
    );
    return result.rows[0]?.queued ?? 0;
  }

  /** A `webhook.test` message for this endpoint alone, queued at once; answers its id. */
  async queueTestMessage(endpointId: string): Promise<string> {
    const result = await this.prisma.pool.query<{ id: string }>(
      `WITH message AS (
         INSERT INTO outbox_events (type, subject_id, dispatched_at)
         VALUES ('${TEST_MESSAGE_TYPE}', $1::text, clock_timestamp()) RETURNING id)
       SELECT id, (SELECT graphile_worker.add_job('webhook:deliver',
                     json_build_object('endpointId', $1::uuid, 'messageId', id, 'attempt', 1),
                     max_attempts := ${DELIVERY_JOB_ATTEMPTS},
                     priority := ${JOB_PRIORITY.webhook})) IS NOT NULL AS queued
         FROM message`,
      [endpointId],
    );
    return result.rows[0].id;
  }

  /** The delivery log older than its retention. */
  async deleteDeliveriesBefore(cutoff: Date): Promise<number> {
    const { count } = await this.prisma.webhookDelivery.deleteMany({
      where: { attemptedAt: { lt: cutoff } },
    });
    return count;
  }
}
