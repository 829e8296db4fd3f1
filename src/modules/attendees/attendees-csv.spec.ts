import { parse } from 'csv-parse/sync';
import type { AttendeeRecord } from './attendee.records.js';
import { attendeesCsv, neutraliseFormula } from './attendees-csv.js';

const attendee = (code: string, attendeeName: string): AttendeeRecord => ({
  code,
  ticketTypeId: '7d1f0c2e-0000-4000-8000-000000000001',
  ticketTypeName: 'Standard',
  orderId: '7d1f0c2e-0000-4000-8000-000000000002',
  attendeeName,
  attendeeEmail: 'a@example.com',
  buyerEmail: 'b@example.com',
  status: 'VALID',
  checkedInAt: null,
});

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += String(chunk);
  return out;
}

describe('attendees CSV', () => {
  it('neutralises every cell a spreadsheet would run as a formula, and nothing else', () => {
    for (const cell of ['=1+1', '+1', '-1', '@SUM(A1)', '\t=cmd', '\r=cmd']) {
      expect(neutraliseFormula(cell)).toBe(`'${cell}`);
    }
    for (const cell of ['Ada', ' =not first', "'quoted", '', '1-2']) {
      expect(neutraliseFormula(cell)).toBe(cell);
    }
  });

  it('writes the header once, then every batch, with CRLF ends and lone line breaks quoted', async () => {
    async function* batches() {
      yield [attendee('code-a', 'One\nLine')];
      yield [attendee('code-b', 'Two\rLines'), attendee('code-c', 'Comma, "Quote"')];
    }
    const csv = await text(await attendeesCsv(batches()));
    expect(csv.split('\r\n')[0]).toBe(
      'code,ticket_type,attendee_name,attendee_email,buyer_email,status,checked_in_at,order_id',
    );
    const rows = parse<Record<string, string>>(csv, { columns: true });
    expect(rows.map((row) => row.attendee_name)).toEqual([
      'One\nLine',
      'Two\rLines',
      'Comma, "Quote"',
    ]);
  });

  it('neutralises what people typed, never a ticket code (one may start with -)', async () => {
    async function* batches() {
      yield [
        { ...attendee('-starts-with-dash', '=HYPERLINK("x")'), attendeeEmail: '+1@example.com' },
      ];
    }
    const [row] = parse<Record<string, string>>(await text(await attendeesCsv(batches())), {
      columns: true,
    });
    expect(row).toMatchObject({
      code: '-starts-with-dash',
      attendee_name: `'=HYPERLINK("x")`,
      attendee_email: "'+1@example.com",
    });
  });

  it('fails before any byte when the first batch cannot be read', async () => {
    // eslint-disable-next-line require-yield
    async function* failing(): AsyncGenerator<AttendeeRecord[]> {
      throw new Error('database down');
    }
    await expect(attendeesCsv(failing())).rejects.toThrow('database down');
  });
});
