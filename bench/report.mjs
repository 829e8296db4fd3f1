// The one table of `npm run bench`, with what it ran on and the raw counts behind it.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BENCH, TARGETS } from './config.mjs';

const BENCH_SAMPLE_MS = BENCH.attendeeExport.sampleMs;

const int = (n) => Math.round(n).toLocaleString('en-US');
const ms = (n) => (n === undefined ? '-' : `${Number(n.toFixed(n < 10 ? 1 : 0))} ms`);
const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const met = (ok) => (ok ? 'yes' : '**NO**');

function memoryLine(m) {
  return `${mb(m.bytes)} / ${mb(m.heapUsedBytes)} / ${mb(m.heapTotalBytes)} / ${mb(m.externalBytes)}`;
}

function roundRatios(listing) {
  const ratios = listing.api.roundRequestsPerSecond.map(
    (api, round) => api / listing.bare.roundRequestsPerSecond[round],
  );
  return `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`;
}

/** Server CPU time per answered request, in µs: cores busy × 10⁶ / requests per second. */
function cpuPerRequestUs(run) {
  if (!run.cpu?.server) return 'n/a';
  return Math.round((run.cpu.server * 1e6) / run.requestsPerSecond);
}

function cpuLine(cpu, own) {
  if (!cpu) return 'n/a';
  const server = cpu.server === undefined ? '' : `server ${cpu.server.toFixed(2)}, `;
  return `machine ${cpu.machine.toFixed(2)} = ${server}${own} ${cpu.bench.toFixed(2)}, rest ${cpu.rest.toFixed(2)}`;
}

/** Scenarios 6 and 7: webhooks from the outbox, on the instance of their own. */
function webhookRows({ deliveries, bare, on, off, a, settings }) {
  const onVsA = on.holdsPerSecond / a.holdsPerSecond;
  const saleOk = (sale) =>
    sale.created === sale.stock.capacity && sale.other === 0 && sale.errors === 0;
  const stock = (sale) => `${int(sale.stock.held)} / ${sale.stock.oversell}`;
  return [
    row([
      '6 webhooks',
      `deliveries/s of one instance (JOB_CONCURRENCY ${settings.jobConcurrency}), ${int(deliveries.messages)} order.created messages queued in one INSERT, ` +
        `first to last request at a node:http receiver answering 200: API vs the same bytes POSTed by a bare node:http loop, ${settings.jobConcurrency} at once`,
      int(deliveries.perSecond),
      int(bare.perSecond),
      (deliveries.perSecond / bare.perSecond).toFixed(3),
      '-',
      '-',
    ]),
    row([
      '6 webhooks',
      'in SQL: succeeded first attempts / distinct webhook-ids at the receiver',
      `${int(deliveries.log.succeeded)} / ${int(deliveries.distinctIds)}`,
      '-',
      '-',
      `${int(deliveries.messages)} each`,
      met(
        deliveries.log.succeeded === deliveries.messages &&
          deliveries.distinctIds === deliveries.messages,
      ),
    ]),
    row([
      '7 sale + webhooks',
      'holds/s until sold out, outbox ON (an endpoint subscribed to order.created, every hold delivered as the sale runs): API vs A measured beside it',
      int(on.holdsPerSecond),
      int(a.holdsPerSecond),
      onVsA.toFixed(2),
      `≥ ${TARGETS.flashWithOutboxVsConditionalDecrement}`,
      met(onVsA >= TARGETS.flashWithOutboxVsConditionalDecrement),
    ]),
    row([
      '7 sale + webhooks',
      'the same sale, outbox OFF (no endpoint subscribed: the rows are written and dispatched to no one): API vs the same A',
      int(off.holdsPerSecond),
      int(a.holdsPerSecond),
      (off.holdsPerSecond / a.holdsPerSecond).toFixed(2),
      '-',
      '-',
    ]),
    row([
      '7 sale + webhooks',
      `commit → first attempt p50 / p99 of the ${int(on.delay.messages)} order.created messages of the sale (outbox on; SQL: first attempt logged − outbox row written)`,
      `${ms(on.delay.p50)} / ${ms(on.delay.p99)}`,
      '-',
      '-',
      '-',
      '-',
    ]),
    row([
      '7 sale + webhooks',
      'answers 201 / 409 / other, held in SQL / oversell: on; off',
      `${int(on.created)} / ${int(on.soldOut)} / ${int(on.other)}, ${stock(on)}; ` +
        `${int(off.created)} / ${int(off.soldOut)} / ${int(off.other)}, ${stock(off)}`,
      `A ${int(a.stock.capacity - a.stock.available)} / ${a.stock.oversell}`,
      '-',
      `${int(on.stock.capacity)} / rest / 0, exactly ${int(on.stock.capacity)} / 0`,
      met(
        saleOk(on) &&
          saleOk(off) &&
          [on, off, a].every((s) => s.stock.problems.length === 0 && s.stock.oversell === 0),
      ),
    ]),
  ];
}

function webhookRaw({ deliveries, bare, on, off, a }, emailsAccepted) {
  return [
    `- Webhooks, API: ${int(deliveries.received)} requests in ${ms(deliveries.spanMs)} from the first to the last, ` +
      `the first ${ms(deliveries.firstAfterCommitMs)} after the INSERT committed; delivery log: ${int(deliveries.log.succeeded)} succeeded, ` +
      `${deliveries.log.failed} failed first attempts. After a warm-up batch; the endpoint was already warm from scenario 7. ` +
      `Bare loop: ${int(bare.received)} requests in ${ms(bare.spanMs)}, body ${int(bare.bodyBytes)} bytes with the same headers, keep-alive agent, after a warm-up.`,
    `- Sale with the outbox on: sold out after ${ms(on.untilSoldOutMs)}, all answered after ${ms(on.totalMs)}, ` +
      `the last of its ${int(on.deliveries.received)} deliveries ${ms(on.lastDeliveryMs)} after its first request ` +
      `(${int(on.deliveries.perSecond)} deliveries/s first to last); p50 / p99 ${ms(on.latency.p50)} / ${ms(on.latency.p99)}; ` +
      `commit → first attempt max ${ms(on.delay.max)}. Its warm-up sale's 1,000 deliveries were all in before it began. ` +
      `Off: sold out after ${ms(off.untilSoldOutMs)}; p50 / p99 ${ms(off.latency.p50)} / ${ms(off.latency.p99)}. ` +
      `Baseline A beside them: ${int(a.held)} decrements in ${ms(a.untilSoldOutMs)}. Order: off, A, on; each after its warm-up and a \`VACUUM (ANALYZE)\`.`,
    `- Emails accepted by the benchmark's SMTP sink over the whole run: ${int(emailsAccepted)}.`,
  ];
}

function row(cells) {
  return `| ${cells.join(' | ')} |`;
}

export function renderReport(results) {
  const { meta, flash, pays, listing, attendeeExport: csv, coldStart, memory } = results;
  const csvGrowth = csv.peakBytes - csv.beforeBytes;
  const api = flash.api;
  const versusA = api.holdsPerSecond / flash.a.holdsPerSecond;
  const versusB = api.holdsPerSecond / flash.b.holdsPerSecond;
  const listingRatio = listing.api.requestsPerSecond / listing.bare.requestsPerSecond;
  const versusFn = api.holdsPerSecond / flash.fn.holdsPerSecond;
  const noOversell = [api.stock, flash.a.stock, flash.fn.stock, flash.b.stock].every(
    (s) => s.oversell === 0,
  );

  const table = [
    row(['scenario', 'what', 'measured', 'baseline', 'ratio', 'target', 'met?']),
    row(['---', '---', '---:', '---:', '---:', '---', '---']),
    row([
      '1 flash sale',
      'holds/s until sold out: API vs A (bare conditional `UPDATE` over `pg`)',
      int(api.holdsPerSecond),
      int(flash.a.holdsPerSecond),
      versusA.toFixed(2),
      `≥ ${TARGETS.flashVsConditionalDecrement}`,
      met(versusA >= TARGETS.flashVsConditionalDecrement),
    ]),
    row([
      '1 flash sale',
      'holds/s until sold out: API vs B (Prisma interactive tx, `SELECT … FOR UPDATE`)',
      int(api.holdsPerSecond),
      int(flash.b.holdsPerSecond),
      `${versusB.toFixed(2)}×`,
      `≥ ${TARGETS.flashVsInteractiveTransaction}×`,
      met(versusB >= TARGETS.flashVsInteractiveTransaction),
    ]),
    row([
      '1 flash sale',
      'for context: holds/s, API vs its one-buyer hold function `eventflow_hold_order` over `pg` (no HTTP, no batching; the API batches)',
      int(api.holdsPerSecond),
      int(flash.fn.holdsPerSecond),
      versusFn.toFixed(2),
      '-',
      '-',
    ]),
    row([
      '1 flash sale',
      `latency p50 / p99, all ${int(api.requests)} requests (A / B: per attempt)`,
      `${ms(api.latency.p50)} / ${ms(api.latency.p99)}`,
      `A ${ms(flash.a.latency.p50)} / ${ms(flash.a.latency.p99)}; B ${ms(flash.b.latency.p50)} / ${ms(flash.b.latency.p99)}`,
      '-',
      '-',
      '-',
    ]),
    row([
      '1 flash sale',
      'answers 201 / 409 / other',
      `${int(api.created)} / ${int(api.soldOut)} / ${int(api.other)}`,
      '-',
      '-',
      `${int(api.stock.capacity)} / rest / 0`,
      met(api.created === api.stock.capacity && api.other === 0 && api.errors === 0),
    ]),
    row([
      '1 flash sale',
      'held in SQL / oversell (API; A, hold function, B)',
      `${int(api.stock.held)} / ${api.stock.oversell}`,
      `A ${int(flash.a.stock.capacity - flash.a.stock.available)} / ${flash.a.stock.oversell}; ` +
        `fn ${int(flash.fn.stock.held)} / ${flash.fn.stock.oversell}; B ${int(flash.b.stock.held)} / ${flash.b.stock.oversell}`,
      '-',
      `exactly ${int(api.stock.capacity)} / 0`,
      met(noOversell && api.stock.problems.length === 0),
    ]),
    row([
      '2 listing',
      `\`GET /api/events\` warm, ${listing.connections} connections: requests/s`,
      int(listing.api.requestsPerSecond),
      int(listing.bare.requestsPerSecond),
      listingRatio.toFixed(2),
      `≥ ${TARGETS.listingVsBareFastify}`,
      met(listingRatio >= TARGETS.listingVsBareFastify),
    ]),
    row([
      '2 listing',
      'latency p50',
      ms(listing.api.latency.p50),
      ms(listing.bare.latency.p50),
      '-',
      '-',
      '-',
    ]),
    row([
      '2 listing',
      'latency p99',
      ms(listing.api.latency.p99),
      ms(listing.bare.latency.p99),
      '-',
      `< ${TARGETS.listingP99Ms} ms`,
      met(listing.api.latency.p99 < TARGETS.listingP99Ms),
    ]),
    row([
      '2 listing',
      'for context: server CPU per request (steadier than requests/s on a shared machine)',
      `${cpuPerRequestUs(listing.api)} µs`,
      `${cpuPerRequestUs(listing.bare)} µs`,
      '-',
      '-',
      '-',
    ]),
    row([
      '3 cold start',
      `spawn → first 200 from \`/api/health\`, median of ${coldStart.startsMs.length} (min–max)`,
      `${ms(coldStart.medianMs)} (${ms(coldStart.minMs)}–${ms(coldStart.maxMs)})`,
      '-',
      '-',
      `< ${int(TARGETS.coldStartMs)} ms`,
      met(coldStart.medianMs < TARGETS.coldStartMs),
    ]),
    row([
      '3 memory',
      'API resident memory after scenario 1',
      mb(memory.afterSale.bytes),
      '-',
      '-',
      `< ${TARGETS.residentMemoryMb} MB`,
      met(memory.afterSale.bytes < TARGETS.residentMemoryMb * 1024 * 1024),
    ]),
    row([
      '4 pay',
      `pays/s until all ${int(pays.books.paid)} held orders are paid, ${pays.connections} connections (test provider): API vs the sale's holds/s`,
      int(pays.paysPerSecond),
      int(api.holdsPerSecond),
      (pays.paysPerSecond / api.holdsPerSecond).toFixed(2),
      '-',
      '-',
    ]),
    row([
      '4 pay',
      `latency p50 / p99, all ${int(pays.requests)} pays`,
      `${ms(pays.latency.p50)} / ${ms(pays.latency.p99)}`,
      '-',
      '-',
      '-',
      '-',
    ]),
    row([
      '4 pay',
      'in SQL: paid orders / succeeded payments / charges at the provider / valid tickets / refunds',
      `${int(pays.books.paid)} / ${int(pays.books.payments)} / ${int(pays.books.charges)} / ${int(pays.books.tickets)} / ${pays.books.refunds}`,
      '-',
      '-',
      `${int(flash.api.stock.capacity)} each, 0 refunds`,
      met(pays.books.problems.length === 0 && pays.other === 0 && pays.errors === 0),
    ]),
    row([
      '5 export',
      `attendee CSV of ${int(csv.tickets)} tickets, streamed: rows/s, API vs the same keyset reads over \`pg\` (no HTTP, no CSV)`,
      int(csv.tickets / csv.seconds),
      int(csv.baseline.rows / csv.baseline.seconds),
      (csv.tickets / csv.seconds / (csv.baseline.rows / csv.baseline.seconds)).toFixed(2),
      '-',
      '-',
    ]),
    row([
      '5 export',
      'API resident memory growth during the export (peak VmRSS − before)',
      mb(csvGrowth),
      '-',
      '-',
      `< ${TARGETS.exportGrowthMb} MB`,
      met(csvGrowth < TARGETS.exportGrowthMb * 1024 * 1024),
    ]),
    ...webhookRows(results.webhooks),
  ];

  const counts = (c) =>
    Object.entries(c)
      .map(([status, n]) => `${status}: ${int(n)}`)
      .join(', ') || 'none';
  const raw = [
    `- Flash sale, API: ${int(api.requests)} requests over ${flash.connections} connections, each a different buyer; ` +
      `statuses ${counts(api.counts)}; connection errors ${api.errors}, timeouts ${api.timeouts}; ` +
      `sold out after ${ms(api.untilSoldOutMs)}, all answered after ${ms(api.totalMs)}; max latency ${ms(api.latency.max)}.`,
    `- SQL after the sale: capacity ${int(api.stock.capacity)}, available ${api.stock.available}, held ${int(api.stock.held)} ` +
      `(${int(api.stock.pending_orders)} pending orders), sold ${api.stock.sold}; available = capacity − held − sold: ` +
      `${api.stock.available === api.stock.capacity - api.stock.held - api.stock.sold ? 'holds' : '**broken**'}.` +
      (api.stock.problems.length > 0 ? ` Problems: ${api.stock.problems.join('; ')}.` : ''),
    `- Pays: ${int(pays.requests)} requests over ${pays.connections} connections, one per held order, each by its buyer; ` +
      `statuses ${counts(pays.counts)}; connection errors ${pays.errors}, timeouts ${pays.timeouts}; all paid after ${ms(pays.untilAllPaidMs)}; ` +
      `max latency ${ms(pays.latency.max)}. Each pay records its attempt, asks the provider (its books are in PostgreSQL), ` +
      `records the outcome with the tickets, and reads the order back: four statements. The warm-up sale's 1,000 orders were paid first.` +
      (pays.books.problems.length > 0 ? ` Problems: ${pays.books.problems.join('; ')}.` : ''),
    `- Attendee export: ${int(csv.lines)} CSV lines (header included), ${mb(csv.bytes)} in ${ms(csv.seconds * 1000)}; ` +
      `VmRSS ${mb(csv.beforeBytes)} before, ${mb(csv.peakBytes)} at its peak (sampled every ${BENCH_SAMPLE_MS} ms); ` +
      `baseline: ${int(csv.baseline.rows)} rows in ${ms(csv.baseline.seconds * 1000)}, batches of 1,000 by ticket code, one connection.`,
    `- Baseline A: ${int(flash.a.held)} decrements in ${ms(flash.a.untilSoldOutMs)} by ${flash.connections} workers over ${meta.poolSize} connections; ` +
      `${int(flash.a.attempts)} statements; errors ${flash.a.errors}; available after: ${flash.a.stock.available}.`,
    `- Hold function over pg: ${int(flash.fn.held)} holds in ${ms(flash.fn.untilSoldOutMs)}; p50 / p99 ${ms(flash.fn.latency.p50)} / ${ms(flash.fn.latency.p99)}; ` +
      `errors ${flash.fn.errors}; SQL: held ${int(flash.fn.stock.held)}, available ${flash.fn.stock.available}.`,
    `- Baseline B: ${int(flash.b.held)} holds in ${ms(flash.b.untilSoldOutMs)} by ${flash.connections} workers over ${meta.poolSize} connections; ` +
      `${int(flash.b.attempts)} transactions; errors ${flash.b.errors}${flash.b.firstError ? ` (first: ${flash.b.firstError})` : ''}; ` +
      `SQL: held ${int(flash.b.stock.held)}, available ${flash.b.stock.available}.`,
    `- Warm-up before each measured sale (all four alike): a ${int(flash.warmup.capacity)}-ticket type sold out with ${int(flash.warmup.requests)} requests / attempts; ` +
      `\`VACUUM (ANALYZE)\` of ticket_types, orders and order_items just before each measured sale. Order: A, hold function, API, B.`,
    `- Listing: body ${int(listing.bodyBytes)} bytes (${listing.publishedEvents} published events, \`${listing.contentType}\`); ` +
      `API ${int(listing.api.requests)} requests in ${listing.seconds} s (non-2xx ${listing.api.non2xx}, errors ${listing.api.errors}); ` +
      `bare Fastify ${int(listing.bare.requests)} (non-2xx ${listing.bare.non2xx}, errors ${listing.bare.errors}); ` +
      `each after a ${listing.warmupSeconds} s warm-up with the same settings, then measured in ${listing.rounds} alternating rounds ` +
      `(requests/s per round: API ${listing.api.roundRequestsPerSecond.map(int).join(', ')}; bare ${listing.bare.roundRequestsPerSecond.map(int).join(', ')}; ` +
      `ratio per round ${roundRatios(listing)}); latency percentiles over every request of every round. Max latency API ${ms(listing.api.latency.max)}, bare ${ms(listing.bare.latency.max)}.`,
    ...webhookRaw(results.webhooks, results.emailsAccepted),
    `- Cold starts (ms): ${coldStart.startsMs.map((v) => v.toFixed(0)).join(', ')}; polled every ${coldStart.pollIntervalMs} ms. ` +
      `First start on the empty database, migrations included: ${ms(results.firstStartMs)}.`,
    `- Memory of the API (resident / V8 heap used / heap total / external): ${memoryLine(memory.afterBoot)} once healthy; ` +
      `${memoryLine(memory.afterSetup)} after the setup requests; ${memoryLine(memory.afterSale)} right after the sale; ` +
      `${memoryLine(memory.afterIdle)} after ${memory.afterIdle.idleSeconds.toFixed(0)} s idle (during baseline B) ` +
      `(from \`/metrics\`; kernel VmRSS after the sale ${memory.afterSale.vmRssBytes ? mb(memory.afterSale.vmRssBytes) : 'n/a'}).`,
    `- CPU during each measured run, in cores busy on average (of ${meta.cpus}): ` +
      [
        ['baseline A', flash.a.cpu, 'bench (pg client)'],
        ['hold function', flash.fn.cpu, 'bench (pg client)'],
        ['API sale', api.cpu, 'bench (autocannon)'],
        ['baseline B', flash.b.cpu, 'bench (Prisma client)'],
        ['API pays', pays.cpu, 'bench (autocannon)'],
        ['API listing', listing.api.cpu, 'bench (autocannon)'],
        ['bare listing', listing.bare.cpu, 'bench (autocannon)'],
        ['sale, outbox off', results.webhooks.off.cpu, 'bench (autocannon)'],
        ['baseline A beside it', results.webhooks.a.cpu, 'bench (pg client)'],
        ['sale, outbox on', results.webhooks.on.cpu, 'bench (autocannon and receiver)'],
        ['API deliveries', results.webhooks.deliveries.cpu, 'bench (receiver)'],
        ['bare deliveries', results.webhooks.bare.cpu, 'bench (loop and receiver)'],
      ]
        .map(([name, cpu, own]) => `${name}: ${cpuLine(cpu, own)}`)
        .join('; ') +
      '. "Rest" is PostgreSQL, Redis and whatever else the machine ran.',
  ];

  return [
    `# EventFlow benchmark${meta.profiled ? ' (PROFILED: the API ran under --cpu-prof, timings are not comparable)' : ''}`,
    '',
    `\`${meta.command}\` on ${meta.date}: Node ${meta.node}, ${meta.cpus} CPUs (${meta.cpuModel}), ` +
      `load average ${meta.loadAverage} at start, PostgreSQL ${meta.postgres}, Redis ${meta.redis}.`,
    `API: \`node ${meta.apiArgs}\`, NODE_ENV=production, NODE_OPTIONS=${meta.nodeOptions} (as in the Dockerfile), DATABASE_POOL_SIZE=${meta.poolSize} (the default), LOG_LEVEL=info and LOG_FORMAT=gcp (the image's) to /dev/null, ` +
      `rate limits raised out of the way, Redis on, email to an SMTP sink in the benchmark's process. Load from autocannon in the benchmark's own process, on the same machine. ` +
      `Scenarios 6 and 7 on an instance of their own, the only one running, with NODE_ENV=development and WEBHOOK_ALLOW_PRIVATE_URLS=true ` +
      `(production refuses it, and the receiver is on 127.0.0.1), otherwise the same settings.`,
    '',
    ...table,
    '',
    `Result: ${meta.failed ? '**FAILED** (see above)' : 'no oversell, invariants hold'}. Total run ${ms(meta.totalMs)}.`,
    '',
    '## Raw counts',
    '',
    ...raw,
    '',
  ].join('\n');
}

/**
 * Writes the report formatted as the repository's Prettier settings want it (so `format:check`
 * stays green when it is committed); returns the text written.
 */
export async function writeReport(file, text) {
  let formatted = text;
  try {
    const prettier = await import('prettier');
    const options = (await prettier.resolveConfig(file)) ?? {};
    formatted = await prettier.format(text, { ...options, filepath: file });
  } catch {
    // Prettier is a development dependency: without it the report is written as rendered.
  }
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, formatted);
  return formatted;
}
