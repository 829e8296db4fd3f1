import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../infrastructure/database/prisma.service.js';
import type { AttendeeRecord } from './attendee.records.js';

/** A ticket's attendee is its buyer's account unless the ticket names someone else. */
const ATTENDEE_COLUMNS = `
  t.code, t.ticket_type_id AS "ticketTypeId", tt.name AS "ticketTypeName", t.order_id AS "orderId",
  coalesce(t.attendee_name, u.name) AS "attendeeName", coalesce(t.attendee_email, u.email) AS "attendeeEmail",
  u.email AS "buyerEmail", t.status, t.checked_in_at AS "checkedInAt"`;
const ATTENDEE_TABLES = `
  tickets t JOIN ticket_types tt ON tt.id = t.ticket_type_id JOIN users u ON u.id = t.user_id`;

/** Rows per query of an export: enough to amortise the round trip, few enough to stay small. */
export const EXPORT_BATCH_SIZE = 1_000;

@Injectable()
export class AttendeesRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** A page in ticket-code order: the (event_id, code) index serves it. */
  async list(
    eventId: string,
    page: number,
    limit: number,
  ): Promise<{ attendees: AttendeeRecord[]; total: number }> {
    const [rows, total] = await Promise.all([
      this.prisma.pool.query<AttendeeRecord>({
        name: 'eventflow_attendees_page',
        text: `SELECT ${ATTENDEE_COLUMNS} FROM ${ATTENDEE_TABLES}
                WHERE t.event_id = $1::uuid ORDER BY t.code LIMIT $2::int OFFSET $3::int`,
        values: [eventId, limit, (page - 1) * limit],
      }),
      this.prisma.ticket.count({ where: { eventId } }),
    ]);
    return { attendees: rows.rows, total };
  }

  /**
   * Every attendee of the event, a batch at a time by keyset on the ticket code: memory stays
   * constant however many tickets there are, and no connection is held between batches (each is
   * its own snapshot: a ticket sold during a long export may or may not appear).
   */
  async *exportAll(eventId: string): AsyncGenerator<AttendeeRecord[]> {
    let after = '';
    for (;;) {
      const { rows } = await this.prisma.pool.query<AttendeeRecord>({
        name: 'eventflow_attendees_export',
        text: `SELECT ${ATTENDEE_COLUMNS} FROM ${ATTENDEE_TABLES}
                WHERE t.event_id = $1::uuid AND t.code > $2::text ORDER BY t.code LIMIT $3::int`,
        values: [eventId, after, EXPORT_BATCH_SIZE],
      });
      if (rows.length > 0) yield rows;
      if (rows.length < EXPORT_BATCH_SIZE) return;
      after = rows[rows.length - 1].code;
    }
  }
}
