/**
 * The buyer's and the organizer's journeys through a client generated from openapi.json
 * (openapi-typescript for the types, openapi-fetch for the calls). CI type-checks this file
 * against freshly generated types, so a document that misleads a generated client fails the
 * build; an e2e test also runs it against a live server.
 *
 *   npx openapi-typescript openapi.json -o examples/typed-client/eventflow-api.d.ts
 */
import createClient from 'openapi-fetch';
import type { components, paths } from './eventflow-api.js';

type Problem = components['schemas']['Problem'];

export interface JourneyOptions {
  baseUrl: string;
  /** An organizer's account (role ADMIN). */
  organizer: { email: string; password: string };
  /** A fresh email for the buyer's account, registered on the way. */
  buyerEmail: string;
  fetch?: typeof globalThis.fetch;
}

export interface JourneyReport {
  eventId: string;
  orderId: string;
  ticketCodes: string[];
  /** How many were left when a second buyer asked for more: read from the 409 as typed. */
  availableWhenSoldOut: number;
  /** When the ticket had been used, read from the second scan's 409 as typed. */
  firstCheckedInAt: string;
}

export async function walkJourneys(options: JourneyOptions): Promise<JourneyReport> {
  const client = createClient<paths>({ baseUrl: options.baseUrl, fetch: options.fetch });

  // The organizer signs in and puts an event on sale with a sales window.
  const signedIn = await client.POST('/api/auth/login', { body: options.organizer });
  if (!signedIn.data) throw unexpected('sign in', signedIn.error);
  const asOrganizer = { Authorization: `Bearer ${signedIn.data.accessToken}` };
  const now = Date.now();
  const created = await client.POST('/api/events', {
    headers: asOrganizer,
    body: {
      title: 'Typed client night',
      venue: 'Hall 1',
      startsAt: new Date(now + 7 * 86_400_000).toISOString(),
      endsAt: new Date(now + 7 * 86_400_000 + 3 * 3_600_000).toISOString(),
      published: true,
      ticketTypes: [
        {
          name: 'Standard',
          priceCents: 2500,
          capacity: 3,
          salesStartAt: new Date(now - 60_000).toISOString(),
          salesEndAt: new Date(now + 6 * 86_400_000).toISOString(),
        },
      ],
    },
  });
  if (!created.data) throw unexpected('create the event', created.error);
  const event = created.data;
  const ticketTypeId = event.ticketTypes[0].id;

  // A buyer registers, holds two tickets and pays.
  const registered = await client.POST('/api/auth/register', {
    body: { email: options.buyerEmail, password: 'typed-client-1', name: 'Typed Buyer' },
  });
  if (!registered.data) throw unexpected('register', registered.error);
  const asBuyer = { Authorization: `Bearer ${registered.data.accessToken}` };
  const held = await client.POST('/api/orders', {
    headers: { ...asBuyer, 'Idempotency-Key': `typed-${now}` },
    body: { items: [{ ticketTypeId, quantity: 2 }] },
  });
  if (!held.data) throw unexpected('hold', held.error);
  const paid = await client.POST('/api/orders/{id}/pay', {
    params: { path: { id: held.data.id } },
    headers: asBuyer,
    body: { paymentToken: 'tok_visa' },
  });
  if (!paid.data || paid.data.status !== 'PAID') throw unexpected('pay', paid.error);

  // Asking for more than is left: a 409 whose `available` the types know.
  const tooMany = await client.POST('/api/orders', {
    headers: asBuyer,
    body: { items: [{ ticketTypeId, quantity: 2 }] },
  });
  if (tooMany.error?.code !== 'sold-out') throw unexpected('be refused', tooMany.error);
  const availableWhenSoldOut: number = tooMany.error.available;

  // The buyer's tickets; the organizer admits one at the door, and a second scan is refused.
  const tickets = await client.GET('/api/tickets', { headers: asBuyer, params: { query: {} } });
  if (!tickets.data) throw unexpected('list tickets', tickets.error);
  const code = tickets.data.data[0].code;
  const admitted = await client.POST('/api/events/{id}/check-ins', {
    params: { path: { id: event.id } },
    headers: asOrganizer,
    body: { code },
  });
  if (!admitted.data) throw unexpected('check in', admitted.error);
  const again = await client.POST('/api/events/{id}/check-ins', {
    params: { path: { id: event.id } },
    headers: asOrganizer,
    body: { code },
  });
  if (again.error?.code !== 'already-checked-in') throw unexpected('be refused', again.error);

  return {
    eventId: event.id,
    orderId: held.data.id,
    ticketCodes: tickets.data.data.map((ticket) => ticket.code),
    availableWhenSoldOut,
    firstCheckedInAt: again.error.checkedInAt,
  };
}

function unexpected(step: string, problem: Problem | object | undefined): Error {
  return new Error(`could not ${step}: ${JSON.stringify(problem)}`);
}
