import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../infrastructure/database/prisma.service.js';
import { EMAIL_JOBS, EMAIL_MAX_ATTEMPTS } from './email-jobs.js';
import type { EventSummary, OrderSummary } from './order-emails.js';

export interface OutboxMessage {
  id: string;
  type: string;
  eventId: string | null;
  subjectId: string;
}

export interface OrderForEmail extends OrderSummary {
  status: 'PENDING' | 'PAID' | 'CANCELLED' | 'EXPIRED' | 'REFUNDED';
  buyerEmail: string;
}

export interface Recipient {
  email: string;
  name: string;
}

interface OrderRow {
  id: string;
  status: OrderForEmail['status'];
  currency: string;
  totalCents: number;
  refundedCents: number;
  buyerEmail: string;
  buyerName: string;
  title: string;
  venue: string;
  startsAt: Date;
}

/**
 * What emails read, in raw SQL: each email needs one joined row (order, buyer and event) that no
 * other module's repository returns in that shape, and it is read when the job runs, so a retry
 * shows the current names.
 */
@Injectable()
export class EmailsRepository {
  constructor(private readonly prisma: PrismaService) {}

  async findOutboxMessage(id: string): Promise<OutboxMessage | undefined> {
    const rows = await this.prisma.$queryRaw<OutboxMessage[]>`
      SELECT id, type, event_id AS "eventId", subject_id AS "subjectId"
        FROM outbox_events WHERE id = ${id}::uuid`;
    return rows[0];
  }

  async findOrder(orderId: string): Promise<OrderForEmail | undefined> {
    const rows = await this.prisma.$queryRaw<OrderRow[]>`
      SELECT o.id, o.status::text AS status, o.currency, o.total_cents AS "totalCents",
             o.refunded_cents AS "refundedCents", u.email AS "buyerEmail", u.name AS "buyerName",
             e.title, e.venue, e.starts_at AS "startsAt"
        FROM orders o JOIN users u ON u.id = o.user_id JOIN events e ON e.id = o.event_id
       WHERE o.id = ${orderId}::uuid`;
    const row = rows[0];
    if (!row) return undefined;
    return {
      orderId: row.id,
      status: row.status,
      currency: row.currency,
      totalCents: row.totalCents,
      refundedCents: row.refundedCents,
      buyerEmail: row.buyerEmail,
      buyerName: row.buyerName,
      event: { title: row.title, venue: row.venue, startsAt: row.startsAt },
    };
  }

  /** The order's valid tickets with the name their type had when bought (the order's item). */
  findTickets(orderId: string): Promise<{ code: string; ticketTypeName: string }[]> {
    return this.prisma.$queryRaw`
      SELECT t.code, oi.name AS "ticketTypeName"
        FROM tickets t
        JOIN order_items oi ON oi.order_id = t.order_id AND oi.ticket_type_id = t.ticket_type_id
       WHERE t.order_id = ${orderId}::uuid AND t.status = 'VALID'
       ORDER BY oi.name, t.created_at, t.code`;
  }

  /**
   * One job per holder (each distinct buyer of a PAID or REFUNDED order of the event), all added
   * by one statement, so either every holder gets a job or none does. The job key (message and
   * holder) keeps a re-run of this fan-out from queueing a second email for a holder whose first
   * is still waiting. Answers how many were added.
   */
  addEventCancelledJobs(messageId: string, eventId: string): Promise<number> {
    return this.prisma.$executeRaw`
      SELECT graphile_worker.add_job(
               ${EMAIL_JOBS.eventCancelled}::text,
               json_build_object('messageId', ${messageId}::text, 'eventId', ${eventId}::text,
                                 'userId', holder.user_id),
               max_attempts := ${EMAIL_MAX_ATTEMPTS}::int,
               job_key := ${EMAIL_JOBS.eventCancelled}::text || ':' || ${messageId}::text || ':' || holder.user_id::text,
               job_key_mode := 'preserve_run_at')
        FROM (SELECT DISTINCT o.user_id FROM orders o JOIN events e ON e.id = o.event_id
               -- Holders when the event was cancelled: paid orders, still PAID or ended by the
               -- cancellation itself (refunded, or cancelled when free: both stamped with the
               -- cancellation's own time), not buyers who had already given theirs back.
               WHERE o.event_id = ${eventId}::uuid AND o.paid_at IS NOT NULL
                 AND (o.status = 'PAID' OR o.cancelled_at = e.cancelled_at)) holder`;
  }

  async findEventWithRecipient(
    eventId: string,
    userId: string,
  ): Promise<{ event: EventSummary; recipient: Recipient } | undefined> {
    const rows = await this.prisma.$queryRaw<
      { title: string; venue: string; startsAt: Date; email: string; name: string }[]
    >`
      SELECT e.title, e.venue, e.starts_at AS "startsAt", u.email, u.name
        FROM events e, users u
       WHERE e.id = ${eventId}::uuid AND u.id = ${userId}::uuid`;
    const row = rows[0];
    if (!row) return undefined;
    return {
      event: { title: row.title, venue: row.venue, startsAt: row.startsAt },
      recipient: { email: row.email, name: row.name },
    };
  }

  /** The account a reset token is for, while the token can still be used (by the database's clock). */
  async findPasswordResetRecipient(
    userId: string,
    tokenHash: string,
  ): Promise<(Recipient & { expiresAt: Date }) | undefined> {
    const rows = await this.prisma.$queryRaw<(Recipient & { expiresAt: Date })[]>`
      SELECT u.email, u.name, p.expires_at AS "expiresAt"
        FROM password_reset_tokens p JOIN users u ON u.id = p.user_id
       WHERE p.token_hash = ${tokenHash} AND p.user_id = ${userId}::uuid
         AND p.used_at IS NULL AND p.expires_at > now()`;
    return rows[0];
  }
}
