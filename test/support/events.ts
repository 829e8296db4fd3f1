import type { TestApp } from './test-app.js';
import type { TestUser } from './users.js';

const HOUR = 3_600_000;

export function inHours(hours: number): string {
  return new Date(Date.now() + hours * HOUR).toISOString();
}

export interface EventBody {
  title?: string;
  venue?: string;
  startsAt?: string;
  endsAt?: string;
  published?: boolean;
  currency?: string;
  description?: string;
  refundsAllowed?: boolean;
  refundDeadline?: string | null;
  refundFeeCents?: number;
  refundFeePercent?: number;
  requireAttendeeNames?: boolean;
  ticketTypes?: Record<string, unknown>[];
}

/** An event made through the API as its organizer would; published with one ticket type unless told. */
export async function createEvent(api: TestApp, organizer: TestUser, body: EventBody = {}) {
  const res = await api.http
    .post('/api/events')
    .set('authorization', `Bearer ${organizer.accessToken}`)
    .send({
      title: 'Test Event',
      venue: 'Test Hall',
      startsAt: inHours(48),
      endsAt: inHours(51),
      published: true,
      ticketTypes: [{ name: 'Standard', priceCents: 2500, capacity: 100 }],
      ...body,
    });
  if (res.status !== 201)
    throw new Error(`createEvent failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as {
    id: string;
    ticketTypes: { id: string; capacity: number; available: number }[];
  } & Record<string, unknown>;
}

export const bearer = (user: TestUser) => `Bearer ${user.accessToken}`;
