// Scenario 5: the attendee CSV export of a 100,000-ticket event, streamed to a client that reads as
// fast as it can, while the API's resident memory (kernel VmRSS) is sampled. The baseline is the
// same rows read by keyset in the same batches straight over pg, in the benchmark's process: no
// HTTP, no CSV.
import http from 'node:http';
import { clearInterval, setInterval } from 'node:timers';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { requestJson } from './server.mjs';

/** Names that make the CSV work: commas, quotes, line breaks, formula starts, non-ASCII. */
const AWKWARD = ['Smith, Ann', 'Bo "B" Lee', 'Line\nbreak', '=cmd', '+1', 'Zoë'];

/** An event with `tickets` paid tickets, made in SQL (the API's own paths take minutes for 100k). */
export async function createExportEvent(sql, { api, adminToken, buyerId, tickets }) {
  const event = await requestJson(`${api}/api/events`, {
    method: 'POST',
    expected: 201,
    headers: { authorization: `Bearer ${adminToken}` },
    body: {
      title: 'Export bench',
      venue: 'Hall',
      startsAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      endsAt: new Date(Date.now() + 30 * 86_400_000 + 3_600_000).toISOString(),
      published: true,
      ticketTypes: [{ name: 'General', priceCents: 1000, capacity: tickets }],
    },
  });
  const ticketTypeId = event.ticketTypes[0].id;
  await sql.query(
    `WITH o AS (
       INSERT INTO orders (user_id, event_id, status, total_cents, currency, expires_at, paid_at)
       VALUES ($1, $2, 'PAID', $4 * 1000, 'USD', now(), now()) RETURNING id)
     INSERT INTO tickets (code, order_id, ticket_type_id, event_id, user_id, attendee_name, attendee_email)
     SELECT md5(n::text || random()::text), o.id, $3, $2, $1,
            CASE WHEN n % 10 = 0 THEN ($5::text[])[1 + n % 6] ELSE 'Attendee ' || n END,
            'attendee' || n || '@bench.test'
       FROM o, generate_series(1, $4::int) AS n`,
    [buyerId, event.id, ticketTypeId, tickets, AWKWARD],
  );
  await sql.query('UPDATE ticket_types SET available = 0 WHERE id = $1', [ticketTypeId]);
  await sql.query('VACUUM (ANALYZE) tickets');
  return event.id;
}

/** Downloads the CSV, counting its lines, with VmRSS sampled every `sampleMs`. */
export async function runExport({ api, eventId, adminToken, server, sampleMs = 10 }) {
  const before = server.residentBytes();
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, server.residentBytes() ?? 0);
  }, sampleMs);
  const started = performance.now();
  try {
    const { status, bytes, lines } = await new Promise((resolve, reject) => {
      const request = http.get(
        `${api}/api/events/${eventId}/attendees.csv`,
        { headers: { authorization: `Bearer ${adminToken}` } },
        (response) => {
          let bytes = 0;
          let lines = 0;
          let previousByte;
          // Records end with CRLF; a line break inside a quoted field is a lone LF.
          response.on('data', (chunk) => {
            bytes += chunk.length;
            for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) {
              if ((i === 0 ? previousByte : chunk[i - 1]) === 13) lines++;
            }
            previousByte = chunk[chunk.length - 1];
          });
          response.on('end', () => resolve({ status: response.statusCode, bytes, lines }));
          response.on('error', reject);
        },
      );
      request.on('error', reject);
    });
    const seconds = (performance.now() - started) / 1000;
    return { status, bytes, lines, seconds, beforeBytes: before, peakBytes: peak };
  } finally {
    clearInterval(sampler);
  }
}

/** The same rows, the same keyset batches, over pg in this process. */
export async function keysetBaseline({ databaseUrl, eventId, batch = 1_000 }) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const started = performance.now();
    let after = '';
    let rows = 0;
    for (;;) {
      const result = await client.query({
        name: 'bench_export_baseline',
        text: `SELECT t.code, tt.name, coalesce(t.attendee_name, u.name), coalesce(t.attendee_email, u.email),
                      u.email, t.status, t.checked_in_at, t.order_id
                 FROM tickets t JOIN ticket_types tt ON tt.id = t.ticket_type_id JOIN users u ON u.id = t.user_id
                WHERE t.event_id = $1 AND t.code > $2 ORDER BY t.code LIMIT $3`,
        values: [eventId, after, batch],
      });
      rows += result.rows.length;
      if (result.rows.length < batch) break;
      after = result.rows.at(-1).code;
    }
    return { rows, seconds: (performance.now() - started) / 1000 };
  } finally {
    await client.end();
  }
}
