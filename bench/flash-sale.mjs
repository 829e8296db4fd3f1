// Scenario 1 against the API: many signed-in buyers, one ticket each, on one hot ticket type,
// through POST /api/orders; then the stock checked in SQL. An oversell fails the benchmark.
import { performance } from 'node:perf_hooks';
import { startCpuAccounting } from './cpu.mjs';
import { runAutocannon, statusCounts } from './measure.mjs';

/**
 * `amount` requests over `connections` keep-alive connections, each request a different buyer.
 * Holds per second are counted until the last 201 (the sale is over then); latency percentiles
 * are over every request, 409s included.
 */
export async function runFlashSale({ api, serverPid, ticketTypeId, buyers, connections, amount }) {
  const body = JSON.stringify({ items: [{ ticketTypeId, quantity: 1 }] });
  let created = 0;
  let lastCreatedAt;
  const cpuUsed = startCpuAccounting(serverPid);
  const startedAt = performance.now();
  const result = await runAutocannon(
    {
      url: api,
      connections,
      amount,
      timeout: 30,
      requests: [
        {
          method: 'POST',
          path: '/api/orders',
          headers: { 'content-type': 'application/json' },
          body,
          setupRequest: (request) => ({
            ...request,
            headers: { ...request.headers, authorization: `Bearer ${buyers.take()}` },
          }),
        },
      ],
    },
    (instance) => {
      instance.on('response', (_client, status) => {
        if (status === 201) {
          created++;
          lastCreatedAt = performance.now();
        }
      });
    },
  );
  const finishedAt = performance.now();
  const cpu = cpuUsed();
  const counts = statusCounts(result);
  const untilSoldOutMs = (lastCreatedAt ?? finishedAt) - startedAt;
  return {
    startedAt,
    finishedAt,
    untilSoldOutMs,
    totalMs: finishedAt - startedAt,
    holdsPerSecond: created / (untilSoldOutMs / 1000),
    created,
    soldOut: counts['409'] ?? 0,
    other: Object.entries(counts)
      .filter(([status]) => status !== '201' && status !== '409')
      .reduce((sum, [, count]) => sum + count, 0),
    counts,
    errors: result.errors,
    timeouts: result.timeouts,
    requests: result.latency.totalCount,
    latency: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    cpu,
  };
}

/**
 * The stock of one ticket type as the database has it: `held` and `sold` are what PENDING and
 * PAID orders carry. `problems` lists every broken rule; empty means no oversell and no drift.
 */
export async function verifyStock(sql, ticketTypeId, { expectedHeld, createdAnswers }) {
  const { rows } = await sql.query(
    `SELECT t.capacity, t.available,
            coalesce(sum(oi.quantity) FILTER (WHERE o.status = 'PENDING'), 0)::int AS held,
            coalesce(sum(oi.quantity) FILTER (WHERE o.status = 'PAID'), 0)::int AS sold,
            count(o.id) FILTER (WHERE o.status = 'PENDING')::int AS pending_orders
       FROM ticket_types t
       LEFT JOIN order_items oi ON oi.ticket_type_id = t.id
       LEFT JOIN orders o ON o.id = oi.order_id
      WHERE t.id = $1
      GROUP BY t.id`,
    [ticketTypeId],
  );
  const stock = rows[0];
  const problems = [];
  const oversell = Math.max(0, stock.held + stock.sold - stock.capacity);
  if (oversell > 0) problems.push(`OVERSELL: ${oversell} more held and sold than the capacity`);
  if (stock.available !== stock.capacity - stock.held - stock.sold) {
    problems.push(
      `available ${stock.available} != capacity ${stock.capacity} - held ${stock.held} - sold ${stock.sold}`,
    );
  }
  if (stock.held !== expectedHeld) problems.push(`held ${stock.held}, expected ${expectedHeld}`);
  if (stock.available !== 0) problems.push(`available is ${stock.available}, expected 0`);
  if (createdAnswers !== undefined && createdAnswers !== stock.pending_orders) {
    problems.push(
      `${createdAnswers} answers were 201 but ${stock.pending_orders} orders are pending`,
    );
  }
  return { ...stock, oversell, problems };
}
