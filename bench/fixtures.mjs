// What the sale needs: accounts made straight in SQL (one statement, one precomputed argon2 hash,
// as test/support/users.ts does), access tokens signed with the API's own secret, and events made
// through the API as an organizer would.
import { createHmac } from 'node:crypto';
import { requestJson } from './server.mjs';

/** argon2id of "password123" (the hash test/support/users.ts uses): no hashing cost at setup. */
const PASSWORD_HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$SDMAXrt78lWqbyIzEQY1tLpGJTOSNwI+Kn4iDz5iSSE';

const JWT_HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

/** An HS256 access token as sign-in issues it (issuer `eventflow`, audience `eventflow-api`). */
export function signAccessToken(secret, userId, role, ttlSeconds) {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    sub: userId,
    role,
    iat: now,
    exp: now + ttlSeconds,
    iss: 'eventflow',
    aud: 'eventflow-api',
  };
  const signed = `${JWT_HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${signed}.${createHmac('sha256', secret).update(signed).digest('base64url')}`;
}

/** `count` accounts in one INSERT; returns their ids. */
export async function createUsers(sql, { count, role, tag }) {
  const { rows } = await sql.query(
    `INSERT INTO users (email, name, role, password_hash)
     SELECT $1 || '-' || n || '@bench.test', 'Bench ' || $1 || ' ' || n, $2::"Role", $3
       FROM generate_series(1, $4::int) AS n
     RETURNING id`,
    [tag, role, PASSWORD_HASH, count],
  );
  return rows.map((row) => row.id);
}

/** Hands out each buyer's token once; running out is an error, never a reuse. */
export class BuyerTokens {
  constructor(tokens) {
    this.tokens = tokens;
    this.next = 0;
  }

  take() {
    if (this.next >= this.tokens.length) {
      throw new Error(`all ${this.tokens.length} buyer tokens are used`);
    }
    return this.tokens[this.next++];
  }
}

function daysFromNow(days, hours = 0) {
  return new Date(Date.now() + days * 86_400_000 + hours * 3_600_000).toISOString();
}

async function createEvent(api, adminToken, body) {
  return requestJson(`${api}/api/events`, {
    method: 'POST',
    expected: 201,
    headers: { authorization: `Bearer ${adminToken}` },
    body: {
      description: 'Made by npm run bench.',
      startsAt: daysFromNow(30),
      endsAt: daysFromNow(30, 4),
      currency: 'USD',
      ...body,
    },
  });
}

/**
 * The flash-sale event (published, on sale now), a draft event holding the baselines' ticket
 * types, and enough other published events to fill one listing page. Returns the ids needed.
 */
export async function createEvents(api, adminToken, { capacity, warmupCapacity, publishedEvents }) {
  const typeIds = (event) => Object.fromEntries(event.ticketTypes.map((t) => [t.name, t.id]));

  const flash = await createEvent(api, adminToken, {
    title: 'Flash sale',
    venue: 'Bench Arena',
    published: true,
    ticketTypes: [
      { name: 'Flash sale', priceCents: 4_900, capacity },
      { name: 'Flash sale warm-up', priceCents: 4_900, capacity: warmupCapacity },
      // The API's hold function called over pg, for context: it needs a published event.
      { name: 'Hold function', priceCents: 4_900, capacity },
      { name: 'Hold function warm-up', priceCents: 4_900, capacity: warmupCapacity },
    ],
  });
  const baselines = await createEvent(api, adminToken, {
    title: 'Baselines (draft)',
    venue: 'Bench Arena',
    published: false,
    ticketTypes: [
      { name: 'Baseline A', priceCents: 4_900, capacity },
      { name: 'Baseline A warm-up', priceCents: 4_900, capacity: warmupCapacity },
      { name: 'Baseline B', priceCents: 4_900, capacity },
      { name: 'Baseline B warm-up', priceCents: 4_900, capacity: warmupCapacity },
    ],
  });
  for (let n = 2; n <= publishedEvents; n++) {
    await createEvent(api, adminToken, {
      title: `Concert number ${n}`,
      venue: `Hall ${n}`,
      startsAt: daysFromNow(30 + n),
      endsAt: daysFromNow(30 + n, 3),
      published: true,
      ticketTypes: [
        { name: 'General admission', priceCents: 3_500, capacity: 800 },
        { name: 'VIP', priceCents: 12_000, capacity: 50, maxPerBuyer: 2 },
      ],
    });
  }
  const flashTypes = typeIds(flash);
  const baselineTypes = typeIds(baselines);
  return {
    flashEventId: flash.id,
    baselineEventId: baselines.id,
    flash: flashTypes['Flash sale'],
    flashWarmup: flashTypes['Flash sale warm-up'],
    holdFunction: flashTypes['Hold function'],
    holdFunctionWarmup: flashTypes['Hold function warm-up'],
    baselineA: baselineTypes['Baseline A'],
    baselineAWarmup: baselineTypes['Baseline A warm-up'],
    baselineB: baselineTypes['Baseline B'],
    baselineBWarmup: baselineTypes['Baseline B warm-up'],
  };
}

/**
 * Scenario 7's ticket types, fresh ones so that its sales start from the state scenario 1's did:
 * a published event with the sale without and with an endpoint subscribed (and their warm-ups),
 * and a draft event with its own baseline A.
 */
export async function createOutboxSaleEvents(api, adminToken, { capacity, warmupCapacity }) {
  const types = (names) =>
    names.flatMap((name) => [
      { name, priceCents: 4_900, capacity },
      { name: `${name} warm-up`, priceCents: 4_900, capacity: warmupCapacity },
    ]);
  const sale = await createEvent(api, adminToken, {
    title: 'Flash sale with webhooks',
    venue: 'Bench Arena',
    published: true,
    ticketTypes: types(['Outbox off', 'Outbox on']),
  });
  const baseline = await createEvent(api, adminToken, {
    title: 'Baseline A beside the webhooks (draft)',
    venue: 'Bench Arena',
    published: false,
    ticketTypes: types(['Baseline A']),
  });
  const id = (event, name) => event.ticketTypes.find((t) => t.name === name).id;
  return {
    eventId: sale.id,
    off: id(sale, 'Outbox off'),
    offWarmup: id(sale, 'Outbox off warm-up'),
    on: id(sale, 'Outbox on'),
    onWarmup: id(sale, 'Outbox on warm-up'),
    baselineA: id(baseline, 'Baseline A'),
    baselineAWarmup: id(baseline, 'Baseline A warm-up'),
  };
}
