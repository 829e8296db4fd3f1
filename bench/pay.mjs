// Scenario 4 against the API: the buyers of a sale pay their held orders, all at once, through
// POST /api/orders/:id/pay with the test provider; then the orders, payments and tickets are
// checked in SQL. A charge recorded twice, or an order paid without one, fails the benchmark.
import { performance } from 'node:perf_hooks';
import { startCpuAccounting } from './cpu.mjs';
import { runAutocannon, statusCounts } from './measure.mjs';
import { signAccessToken } from './fixtures.mjs';

/** The pending orders of a ticket type, each with its buyer's access token. */
export async function pendingOrders(sql, ticketTypeId, { jwtSecret, ttlSeconds }) {
  const { rows } = await sql.query(
    `SELECT o.id, o.user_id FROM orders o JOIN order_items oi ON oi.order_id = o.id
      WHERE oi.ticket_type_id = $1 AND o.status = 'PENDING' ORDER BY o.created_at`,
    [ticketTypeId],
  );
  return rows.map((row) => ({
    orderId: row.id,
    token: signAccessToken(jwtSecret, row.user_id, 'USER', ttlSeconds),
  }));
}

/**
 * One pay per order over `connections` keep-alive connections. Pays per second are counted until
 * the last 200; latency percentiles are over every request.
 */
export async function runPays({ api, serverPid, orders, connections }) {
  const body = JSON.stringify({ paymentToken: 'tok_visa' });
  let next = 0;
  let paid = 0;
  let lastPaidAt;
  const cpuUsed = startCpuAccounting(serverPid);
  const startedAt = performance.now();
  const result = await runAutocannon(
    {
      url: api,
      connections,
      amount: orders.length,
      timeout: 30,
      requests: [
        {
          method: 'POST',
          path: '/api/orders',
          headers: { 'content-type': 'application/json' },
          body,
          setupRequest: (request) => {
            const order = orders[next++ % orders.length];
            return {
              ...request,
              path: `/api/orders/${order.orderId}/pay`,
              headers: { ...request.headers, authorization: `Bearer ${order.token}` },
            };
          },
        },
      ],
    },
    (instance) => {
      instance.on('response', (_client, status) => {
        if (status === 200) {
          paid++;
          lastPaidAt = performance.now();
        }
      });
    },
  );
  const finishedAt = performance.now();
  const counts = statusCounts(result);
  const untilAllPaidMs = (lastPaidAt ?? finishedAt) - startedAt;
  return {
    paid,
    paysPerSecond: paid / (untilAllPaidMs / 1000),
    untilAllPaidMs,
    totalMs: finishedAt - startedAt,
    counts,
    other: result.latency.totalCount - (counts['200'] ?? 0),
    errors: result.errors,
    timeouts: result.timeouts,
    requests: result.latency.totalCount,
    latency: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    cpu: cpuUsed(),
  };
}

/**
 * The orders of the ticket type as the database has them after the pays: each PAID by exactly one
 * succeeded payment, with its tickets, nothing refunded, and the test provider's books the same.
 */
export async function verifyPays(sql, ticketTypeId, expectedPaid) {
  const { rows } = await sql.query(
    `WITH these AS (
       SELECT o.id, o.status, o.total_cents FROM orders o JOIN order_items oi ON oi.order_id = o.id
        WHERE oi.ticket_type_id = $1)
     SELECT count(*) FILTER (WHERE status = 'PAID')::int AS paid,
            count(*) FILTER (WHERE status <> 'PAID')::int AS unpaid,
            (SELECT count(*) FROM payments p JOIN these ON these.id = p.order_id WHERE p.status = 'SUCCEEDED')::int AS payments,
            (SELECT count(*) FROM payments p JOIN these ON these.id = p.order_id
              WHERE p.applied AND p.amount_cents = these.total_cents)::int AS applied,
            (SELECT count(*) FROM test_provider_payments t JOIN payments p ON p.id = t.payment_id
               JOIN these ON these.id = p.order_id WHERE t.outcome = 'SUCCEEDED')::int AS charges,
            (SELECT count(*) FROM refunds r JOIN these ON these.id = r.order_id)::int AS refunds,
            (SELECT count(*) FROM tickets t JOIN these ON these.id = t.order_id WHERE t.status = 'VALID')::int AS tickets
       FROM these`,
    [ticketTypeId],
  );
  const books = rows[0];
  const problems = [];
  if (books.paid !== expectedPaid)
    problems.push(`${books.paid} orders PAID, expected ${expectedPaid}`);
  for (const figure of ['payments', 'applied', 'charges', 'tickets']) {
    if (books[figure] !== books.paid)
      problems.push(`${books[figure]} ${figure} for ${books.paid} paid orders`);
  }
  if (books.refunds !== 0) problems.push(`${books.refunds} refunds`);
  return { ...books, problems };
}
