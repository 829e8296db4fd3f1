import { eventDateErrors, salesWindowErrors } from './event-rules.js';
import { listingKey } from './events.service.js';
import type { ListEventsQuery } from './dto/list-events.query.js';

describe('event date rules', () => {
  const now = new Date('2030-01-01T12:00:00Z');
  const at = (iso: string) => new Date(iso);

  it('accepts a future start and a later end', () => {
    expect(
      eventDateErrors(at('2030-01-02T00:00:00Z'), at('2030-01-02T01:00:00Z'), now, true),
    ).toEqual([]);
  });

  it('refuses a start that is not in the future, only when the start is being set', () => {
    const past = at('2030-01-01T11:59:59Z');
    expect(eventDateErrors(past, at('2030-01-03T00:00:00Z'), now, true)).toEqual([
      { field: 'startsAt', message: 'must be in the future' },
    ]);
    expect(eventDateErrors(now, at('2030-01-03T00:00:00Z'), now, true)).toHaveLength(1);
    expect(eventDateErrors(past, at('2030-01-03T00:00:00Z'), now, false)).toEqual([]);
  });

  it('refuses an end at or before the start', () => {
    const start = at('2030-01-05T00:00:00Z');
    expect(eventDateErrors(start, start, now, true)).toEqual([
      { field: 'endsAt', message: 'must be after startsAt' },
    ]);
  });

  it('checks the sales window only when both ends are set', () => {
    expect(salesWindowErrors(null, at('2030-01-01T00:00:00Z'))).toEqual([]);
    expect(
      salesWindowErrors(at('2030-01-02T00:00:00Z'), at('2030-01-01T00:00:00Z'), 'ticketTypes[1].'),
    ).toEqual([{ field: 'ticketTypes[1].salesEndAt', message: 'must be after salesStartAt' }]);
  });
});

describe('listingKey', () => {
  const query = (fields: Partial<ListEventsQuery>): ListEventsQuery => ({
    page: 1,
    limit: 20,
    ...fields,
  });

  it('is the same for the same query however it was spelled', () => {
    expect(listingKey(query({ q: 'Jazz', from: '2030-01-01T00:00:00+01:00' }))).toBe(
      listingKey(query({ q: 'jazz', from: '2029-12-31T23:00:00.000Z' })),
    );
  });

  it('differs by page, limit and every filter', () => {
    const keys = [
      query({}),
      query({ page: 2 }),
      query({ limit: 50 }),
      query({ q: 'a' }),
      query({ venue: 'a' }),
      query({ from: '2030-01-01T00:00:00Z' }),
      query({ to: '2030-01-01T00:00:00Z' }),
    ].map(listingKey);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
