import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../infrastructure/database/prisma.service.js';
import { JOB_PRIORITY } from '../../infrastructure/jobs/enqueue.sql.js';
import { EMAIL_JOBS } from '../emails/email-jobs.js';

export interface DispatchOutcome {
  claimed: number;
  deliveries: number;
  emails: number;
}

export interface OutboxMessage {
  id: string;
  type: string;
  eventId: string | null;
  subjectId: string;
  occurredAt: Date;
  data: unknown;
}

/**
 * Claims undispatched rows and turns them into jobs in one statement, so a row is marked
 * dispatched exactly when its jobs exist: an instance killed mid-way leaves the row undispatched
 * for the next dispatch. SKIP LOCKED lets instances dispatching at once split the rows.
 * $1 batch size, $2 the types that send email. Deliveries go to the enabled endpoints of the
 * event's organizer that subscribe to the type.
 */
const DISPATCH = `
  WITH claimed AS (
    UPDATE outbox_events SET dispatched_at = clock_timestamp()
     WHERE id IN (SELECT id FROM outbox_events WHERE dispatched_at IS NULL
                   ORDER BY seq LIMIT $1::int FOR UPDATE SKIP LOCKED)
    RETURNING id, seq, type, event_id
  ), deliveries AS (
    SELECT c.id AS message_id, c.seq, w.id AS endpoint_id
      FROM claimed c
      JOIN events e ON e.id = c.event_id
      JOIN webhook_endpoints w ON w.owner_id = e.organizer_id AND w.enabled AND c.type = ANY (w.event_types)
  ), specs AS (
    SELECT ROW('webhook:deliver',
               json_build_object('endpointId', d.endpoint_id, 'messageId', d.message_id, 'attempt', 1),
               NULL, NULL, 25, NULL, ${JOB_PRIORITY.webhook}, NULL)::graphile_worker.job_spec AS spec, d.seq
      FROM deliveries d
    UNION ALL
    SELECT ROW('${EMAIL_JOBS.outbox}', json_build_object('messageId', c.id),
               NULL, NULL, 10, NULL, ${JOB_PRIORITY.email}, NULL)::graphile_worker.job_spec, c.seq
      FROM claimed c WHERE c.type = ANY ($2::text[])
  ), added AS (
    SELECT count(*) AS n FROM graphile_worker.add_jobs(ARRAY(SELECT spec FROM specs ORDER BY seq))
     WHERE EXISTS (SELECT 1 FROM specs)
  )
  SELECT (SELECT count(*) FROM claimed)::int AS claimed,
         (SELECT count(*) FROM deliveries)::int AS deliveries,
         (SELECT count(*) FROM specs)::int - (SELECT count(*) FROM deliveries)::int AS emails,
         (SELECT n FROM added)::int AS added`;

@Injectable()
export class OutboxRepository {
  constructor(private readonly prisma: PrismaService) {}

  async dispatch(batchSize: number, emailTypes: readonly string[]): Promise<DispatchOutcome> {
    const result = await this.prisma.pool.query<DispatchOutcome & { added: number }>({
      name: 'eventflow_outbox_dispatch',
      text: DISPATCH,
      values: [batchSize, emailTypes],
    });
    const { claimed, deliveries, emails } = result.rows[0];
    return { claimed, deliveries, emails };
  }

  async findMessage(id: string): Promise<OutboxMessage | null> {
    const row = await this.prisma.outboxEvent.findUnique({
      where: { id },
      select: {
        id: true,
        type: true,
        eventId: true,
        subjectId: true,
        occurredAt: true,
        data: true,
      },
    });
    return row;
  }

  /**
   * Stores the payload data the first time it is made; whoever loses a race gets the winner's,
   * so every attempt and every replay of a message sends the same bytes.
   */
  async freezeData(id: string, data: unknown): Promise<unknown> {
    // coalesce, not `WHERE data IS NULL`: a loser of the race waits for the winner's row lock,
    // then re-reads the row and keeps (and returns) the winner's data.
    const result = await this.prisma.pool.query<{ data: unknown }>(
      'UPDATE outbox_events SET data = coalesce(data, $2::jsonb) WHERE id = $1::uuid RETURNING data',
      [id, JSON.stringify(data)],
    );
    return result.rows[0]?.data ?? data;
  }

  /** Messages (and, by cascade, their delivery log) older than the retention. */
  async deleteOlderThan(cutoff: Date): Promise<number> {
    const { count } = await this.prisma.outboxEvent.deleteMany({
      where: { occurredAt: { lt: cutoff }, dispatchedAt: { not: null } },
    });
    return count;
  }
}
