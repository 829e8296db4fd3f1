import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import type { AttendeeRecord } from './attendee.records.js';

export const CSV_COLUMNS = [
  'code',
  'ticket_type',
  'attendee_name',
  'attendee_email',
  'buyer_email',
  'status',
  'checked_in_at',
  'order_id',
] as const;

/**
 * A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, or a tab or carriage return
 * before one) gets a leading apostrophe, as OWASP advises against CSV injection: shown as text,
 * never evaluated. Everything else is as stored.
 */
export function neutraliseFormula(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

/**
 * Text people typed (names, emails, the ticket type's name) is neutralised; what the server made
 * (ticket codes, which may start with `-`, statuses, times, ids) is written as it is, so a code
 * read from the file still scans.
 */
function toRow(attendee: AttendeeRecord): string[] {
  return [
    attendee.code,
    neutraliseFormula(attendee.ticketTypeName),
    neutraliseFormula(attendee.attendeeName),
    neutraliseFormula(attendee.attendeeEmail),
    neutraliseFormula(attendee.buyerEmail),
    attendee.status,
    attendee.checkedInAt?.toISOString() ?? '',
    attendee.orderId,
  ];
}

/** csv-stringify quotes a field with the delimiter, a quote or CRLF, but not a lone CR or LF. */
const CSV_OPTIONS = {
  columns: [...CSV_COLUMNS],
  record_delimiter: 'windows',
  quoted_match: /[\r\n]/,
} as const;

/**
 * RFC 4180 text (CRLF line ends, quotes doubled, a header row) from batches of attendees, each
 * batch turned to text only when the client has read the previous one: a slow reader slows the
 * queries, it never piles rows up. The first batch is read before the stream is made, so a
 * database that cannot answer is still a problem document (503); a later failure cuts the stream.
 */
export async function attendeesCsv(batches: AsyncIterable<AttendeeRecord[]>): Promise<Readable> {
  const iterator = batches[Symbol.asyncIterator]();
  const first = await iterator.next();
  return Readable.from(
    (async function* () {
      yield stringify(first.done ? [] : first.value.map(toRow), { ...CSV_OPTIONS, header: true });
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        yield stringify(next.value.map(toRow), { ...CSV_OPTIONS, header: false });
      }
    })(),
    { objectMode: false },
  );
}
