// Scenarios 6 and 7: webhooks from the transactional outbox, delivered by the API's own job
// worker to a receiver in the benchmark's process.
//   6: deliveries/s of one instance, against the same bytes POSTed by a bare node:http loop.
//   7: the flash sale with an endpoint subscribed to order.created, so every hold is delivered
//      while the sale runs, and how long a message waited from its commit to its first attempt.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { conditionalDecrement, verifyDecrements } from './baselines.mjs';
import { startCpuAccounting } from './cpu.mjs';
import { vacuumHotTables } from './database.mjs';
import { runFlashSale, verifyStock } from './flash-sale.mjs';
import { requestJson } from './server.mjs';

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/**
 * A plain node:http server answering 200 with no body, as a well-behaved receiver does. It
 * counts requests within a window (since `reset()`), remembers the first and last arrival, and
 * keeps one request's body and headers so the baseline can send exactly the same bytes.
 */
export class WebhookReceiver {
  constructor() {
    this.server = http.createServer((request, response) => this.receive(request, response));
    // The API's agent keeps its connections alive; a longer idle time than Node's 5 s default
    // keeps them so between the runs of a phase.
    this.server.keepAliveTimeout = 60_000;
    this.reset();
  }

  async start() {
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${this.server.address().port}/hooks`;
    return this.url;
  }

  reset() {
    this.count = 0;
    this.ids = new Set();
    this.firstAt = undefined;
    this.lastAt = undefined;
    this.waiter = undefined;
  }

  receive(request, response) {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const at = performance.now();
      this.firstAt ??= at;
      this.lastAt = at;
      this.count++;
      this.ids.add(request.headers['webhook-id']);
      this.sample ??= { headers: request.headers, body: Buffer.concat(chunks) };
      response.writeHead(200, { 'content-length': 0 }).end();
      if (this.waiter && this.count >= this.waiter.count) this.waiter.resolve();
    });
  }

  /** Resolves once `count` requests arrived in this window; rejects after `timeoutMs` without. */
  async waitFor(count, { timeoutMs = 300_000 } = {}) {
    if (this.count >= count) return;
    const arrived = new Promise((resolve) => (this.waiter = { count, resolve }));
    const timedOut = sleep(timeoutMs).then(() => {
      throw new Error(`the receiver got ${this.count} of ${count} requests in ${timeoutMs} ms`);
    });
    await Promise.race([arrived, timedOut]);
  }

  /** Requests per second over the window, first arrival to last. */
  window() {
    const spanMs = this.lastAt - this.firstAt;
    return {
      received: this.count,
      distinctIds: this.ids.size,
      spanMs,
      perSecond: this.count / (spanMs / 1000),
    };
  }

  close() {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export async function createEndpoint(api, adminToken, { url, eventTypes }) {
  return requestJson(`${api}/api/webhooks`, {
    method: 'POST',
    expected: 201,
    headers: { authorization: `Bearer ${adminToken}` },
    body: { url, eventTypes, description: 'npm run bench' },
  });
}

/**
 * `messages` order.created messages in one INSERT (for orders of `eventId` that exist, so each
 * payload is rendered as in production); the statement's trigger queues one dispatch job.
 * Returns the moment the INSERT committed.
 */
async function insertMessages(sql, { eventId, messages }) {
  const { rowCount } = await sql.query(
    `INSERT INTO outbox_events (type, event_id, subject_id)
     SELECT 'order.created', o.event_id, o.id::text
       FROM orders o WHERE o.event_id = $1 ORDER BY o.id LIMIT $2`,
    [eventId, messages],
  );
  if (rowCount !== messages) {
    throw new Error(`event ${eventId} has ${rowCount} orders, ${messages} messages needed`);
  }
  return performance.now();
}

/** Polls until the delivery log holds `count` succeeded first attempts since `since` (SQL time). */
async function waitForDeliveryLog(sql, { since, count, timeoutMs = 60_000 }) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const { rows } = await sql.query(
      `SELECT count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded,
              count(*) FILTER (WHERE status <> 'succeeded')::int AS failed,
              count(DISTINCT message_id)::int AS messages
         FROM webhook_deliveries WHERE attempt = 1 AND attempted_at >= $1`,
      [since],
    );
    if (rows[0].succeeded + rows[0].failed >= count || performance.now() > deadline) return rows[0];
    await sleep(100);
  }
}

/**
 * Scenario 6 against the API: `messages` messages queued at once, delivered by the instance's
 * worker. Deliveries per second are counted at the receiver from its first request to its last.
 */
export async function runDeliveries({ sql, receiver, serverPid, eventId, messages }) {
  const { rows } = await sql.query('SELECT clock_timestamp() AS now');
  receiver.reset();
  const cpuUsed = startCpuAccounting(serverPid);
  const committedAt = await insertMessages(sql, { eventId, messages });
  await receiver.waitFor(messages);
  const cpu = cpuUsed();
  const window = receiver.window();
  const log = await waitForDeliveryLog(sql, { since: rows[0].now, count: messages });
  return {
    messages,
    ...window,
    // The INSERT's commit to the first request: the trigger's job, its pickup, one dispatch batch.
    firstAfterCommitMs: receiver.firstAt - committedAt,
    log,
    cpu,
  };
}

/**
 * The baseline of scenario 6: the same body and headers POSTed `messages` times by `concurrency`
 * loops over a keep-alive node:http agent (the API's sender keeps its connections alive too),
 * counted at the same receiver the same way. No queue, no database, no signing.
 */
export async function bareDeliveries({ receiver, messages, concurrency }) {
  const { body, headers } = receiver.sample;
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const sent = {
    'content-type': 'application/json',
    'content-length': body.length,
    'user-agent': headers['user-agent'],
    'webhook-id': headers['webhook-id'],
    'webhook-timestamp': headers['webhook-timestamp'],
    'webhook-signature': headers['webhook-signature'],
  };
  const post = () =>
    new Promise((resolve, reject) => {
      const request = http.request(
        receiver.url,
        { method: 'POST', agent, headers: sent },
        (res) => {
          res.resume();
          res.on('end', resolve);
          res.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  let next = 0;
  const loop = async () => {
    while (next++ < messages) await post();
  };
  receiver.reset();
  const cpuUsed = startCpuAccounting();
  await Promise.all(Array.from({ length: concurrency }, loop));
  const cpu = cpuUsed();
  agent.destroy();
  return { messages, bodyBytes: body.length, ...receiver.window(), cpu };
}

/**
 * Scenario 7's delay: for every order.created message of the ticket type's orders, its first
 * attempt's log time minus its outbox row's time. The row's time is the trigger's
 * clock_timestamp() inside the order's transaction (its commit follows within milliseconds); the
 * attempt's is when its outcome was logged, just after the receiver answered. Nearest rank, as
 * the other percentiles of the report.
 */
export async function commitToFirstAttempt(sql, ticketTypeId) {
  const { rows } = await sql.query(
    `WITH messages AS (
       SELECT m.id, m.occurred_at FROM outbox_events m
        WHERE m.type = 'order.created'
          AND m.subject_id IN (SELECT order_id::text FROM order_items WHERE ticket_type_id = $1)
     ), delays AS (
       SELECT extract(epoch FROM min(d.attempted_at) - m.occurred_at) * 1000 AS ms
         FROM messages m JOIN webhook_deliveries d ON d.message_id = m.id AND d.attempt = 1
        GROUP BY m.id, m.occurred_at
     )
     SELECT (SELECT count(*) FROM messages)::int AS messages,
            count(*)::int AS attempted,
            percentile_disc(0.5) WITHIN GROUP (ORDER BY ms)::float8 AS p50,
            percentile_disc(0.99) WITHIN GROUP (ORDER BY ms)::float8 AS p99,
            max(ms)::float8 AS max
       FROM delays`,
    [ticketTypeId],
  );
  return rows[0];
}

/** Polls until every order.created message of the ticket type's orders has its first attempt. */
async function waitForFirstAttempts(sql, ticketTypeId, { timeoutMs = 60_000 } = {}) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const delay = await commitToFirstAttempt(sql, ticketTypeId);
    if (delay.attempted >= delay.messages || performance.now() > deadline) return delay;
    await sleep(200);
  }
}

/**
 * Scenario 7, on one instance: the sale with no endpoint subscribed (the triggers still write
 * the outbox rows and dispatch them to no one), baseline A, then the sale with an endpoint
 * subscribed to order.created, whose deliveries run beside the sale. A sits between the two sales
 * so that a machine whose speed drifts moves both ratios alike. Each sale has its warm-up first;
 * the warm-up's deliveries are all in before the measured sale starts.
 */
export async function runOutboxSales({
  api,
  sql,
  serverPid,
  receiver,
  adminToken,
  buyers,
  types,
  flashSale,
  baseline,
  log,
}) {
  const sell = (ticketTypeId, amount) =>
    runFlashSale({
      api,
      serverPid,
      ticketTypeId,
      buyers,
      connections: flashSale.connections,
      amount,
    });
  const warmupAmount = flashSale.warmupCapacity + flashSale.warmupExtraRequests;
  const amount = flashSale.capacity + flashSale.extraRequests;
  const stockOf = (sale, ticketTypeId) =>
    verifyStock(sql, ticketTypeId, {
      expectedHeld: flashSale.capacity,
      createdAnswers: sale.created,
    });

  log('outbox off: warm-up, then the sale');
  await sell(types.offWarmup, warmupAmount);
  await vacuumHotTables(sql);
  log('outbox off: warm-up and VACUUM done');
  const off = await sell(types.off, amount);
  off.stock = await stockOf(off, types.off);

  log('baseline A beside them: warm-up, then the sale');
  await conditionalDecrement({ ...baseline, ticketTypeId: types.baselineAWarmup });
  await vacuumHotTables(sql);
  const a = await conditionalDecrement({ ...baseline, ticketTypeId: types.baselineA });
  a.stock = await verifyDecrements(sql, types.baselineA, a.held);

  const endpoint = await createEndpoint(api, adminToken, {
    url: receiver.url,
    eventTypes: ['order.created', 'order.paid'],
  });
  log('outbox on: warm-up and its deliveries, then the sale and its deliveries');
  receiver.reset();
  await sell(types.onWarmup, warmupAmount);
  await receiver.waitFor(flashSale.warmupCapacity);
  log(`outbox on: the warm-up's ${receiver.count} deliveries are in`);
  await vacuumHotTables(sql);
  receiver.reset();
  const fromUs = monotonicUs();
  const on = await sell(types.on, amount);
  log(`outbox on: sold out; waiting for ${on.created} deliveries (${receiver.count} in so far)`);
  await receiver.waitFor(on.created);
  on.window = { fromUs, toUs: monotonicUs() };
  // From the sale's first request to the last delivery of its orders: the backlog's drain.
  on.lastDeliveryMs = receiver.lastAt - on.startedAt;
  on.deliveries = receiver.window();
  on.delay = await waitForFirstAttempts(sql, types.on);
  on.stock = await stockOf(on, types.on);
  return { off, on, a, endpointId: endpoint.id };
}
