// `npm run bench`: builds, then measures the API as production runs it (`npm run start:prod`'s command on the
// image's Node major, .nvmrc, fetched by scripts/image-node.mjs when the machine's is older; a
// fresh database, Redis, logging on) against its baselines, prints one table and writes it to
// bench/results/latest.md. Exits non-zero when anything oversold or an invariant broke; targets
// missed are reported in the table, not as a failure.
//
//   npm run bench                 the benchmark
//   npm run bench -- --profile    the same with the API under `node --cpu-prof`; adds the hottest
//                                 functions of the flash sale (report: bench/results/latest-profiled.md)
//
// TEST_DATABASE_URL and TEST_REDIS_URL name the servers, as for `npm test`. BENCH_API_STDOUT=<file>
// keeps the API's log lines (default: discarded, as `> /dev/null`).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import {
  conditionalDecrement,
  holdFunction,
  interactiveTransaction,
  verifyDecrements,
} from './baselines.mjs';
import { measureColdStarts } from './cold-start.mjs';
import { API_ARGS, BENCH, MAIN, POSTGRES_URL, REDIS_URL, RESULTS_DIR, ROOT } from './config.mjs';
import {
  createDatabase,
  databaseUrl,
  deleteRedisKeys,
  dropDatabase,
  redisVersion,
  vacuumHotTables,
} from './database.mjs';
import {
  BuyerTokens,
  createEvents,
  createOutboxSaleEvents,
  createUsers,
  signAccessToken,
} from './fixtures.mjs';
import { createExportEvent, keysetBaseline, runExport } from './attendee-export.mjs';
import { runFlashSale, verifyStock } from './flash-sale.mjs';
import { runListing } from './listing.mjs';
import { pendingOrders, runPays, verifyPays } from './pay.mjs';
import { renderProfileSummary, summariseProfile } from './profile-summary.mjs';
import { renderReport, writeReport } from './report.mjs';
import { ChildServer, freePort, request, stopAllServers } from './server.mjs';
import { SmtpSink } from './smtp-sink.mjs';
import { bareDeliveries, runDeliveries, runOutboxSales, WebhookReceiver } from './webhooks.mjs';

const profiled = process.argv.includes('--profile');
const runId = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
const began = performance.now();

/** Everything created so far, so a failure at any step removes exactly what exists. */
const state = {
  databaseName: undefined,
  redisPrefix: undefined,
  sql: undefined,
  smtpSink: undefined,
  receiver: undefined,
};

function log(line) {
  const seconds = ((performance.now() - began) / 1000).toFixed(1).padStart(5);
  console.error(`[bench ${seconds}s] ${line}`);
}

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);
/** Production closes /metrics unless a token opens it. */
const metricsToken = randomBytes(24).toString('base64url');

/** The API's memory from /metrics (bytes), with the kernel's VmRSS to cross-check. */
async function memoryOf(api, server) {
  const metrics = (
    await request(`${api}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } })
  ).body.toString('utf8');
  const read = (name) => {
    const match = new RegExp(`^eventflow_${name} (\\S+)$`, 'm').exec(metrics);
    if (!match) throw new Error(`/metrics has no eventflow_${name}`);
    return Number(match[1]);
  };
  return {
    bytes: read('process_resident_memory_bytes'),
    heapUsedBytes: read('nodejs_heap_size_used_bytes'),
    heapTotalBytes: read('nodejs_heap_size_total_bytes'),
    externalBytes: read('nodejs_external_memory_bytes'),
    vmRssBytes: server.residentBytes(),
  };
}

/**
 * Scenarios 6 and 7 on an instance of their own, the only one running (its job worker is the
 * one delivering). It runs with NODE_ENV=development: production refuses
 * WEBHOOK_ALLOW_PRIVATE_URLS=true, and without it no delivery may reach a receiver on 127.0.0.1.
 * Nothing else of the API reads NODE_ENV but its start-up checks and Prisma's error format;
 * scenario 7's sale without an endpoint shows the difference to scenario 1, if any.
 */
async function webhookPhase({
  newApiServer,
  healthUrl,
  api,
  sql,
  dbUrl,
  jwtSecret,
  adminToken,
  flashEventId,
  profileFile,
}) {
  const { flashSale, webhooks: settings, poolSize } = BENCH;
  state.receiver = new WebhookReceiver();
  await state.receiver.start();
  const nodeFlags = profileFile
    ? [
        '--cpu-prof',
        `--cpu-prof-dir=${path.dirname(profileFile)}`,
        `--cpu-prof-name=${path.basename(profileFile)}`,
      ]
    : [];
  const server = newApiServer(nodeFlags, {
    NODE_ENV: 'development',
    WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
  });
  server.start();
  await server.waitUntilHealthy(healthUrl, { timeoutMs: 60_000 });

  // Buyers of their own: every request of every sale is still a different buyer.
  const perSale = flashSale.capacity + flashSale.extraRequests + flashSale.connections;
  const perWarmup =
    flashSale.warmupCapacity + flashSale.warmupExtraRequests + flashSale.connections;
  const buyerIds = await createUsers(sql, {
    count: 2 * (perSale + perWarmup) + 100,
    role: 'USER',
    tag: `outbox-buyer-${runId}`,
  });
  const buyers = new BuyerTokens(
    buyerIds.map((id) => signAccessToken(jwtSecret, id, 'USER', BENCH.accessTokenTtlSeconds)),
  );
  const types = await createOutboxSaleEvents(api, adminToken, flashSale);

  log('outbox sales: without an endpoint, baseline A, then with one subscribed to order.created');
  const sales = await runOutboxSales({
    api,
    sql,
    serverPid: server.pid,
    receiver: state.receiver,
    adminToken,
    buyers,
    types,
    flashSale,
    baseline: { databaseUrl: dbUrl, poolSize, workers: flashSale.connections },
    log,
  });
  log(
    `outbox sales: off ${sales.off.holdsPerSecond.toFixed(0)}, on ${sales.on.holdsPerSecond.toFixed(0)}, ` +
      `A ${sales.a.holdsPerSecond.toFixed(0)} holds/s; first attempt p50 ${sales.on.delay.p50?.toFixed(0)} ms, p99 ${sales.on.delay.p99?.toFixed(0)} ms`,
  );

  log(`deliveries: ${settings.messages} messages queued at once, then the bare node:http loop`);
  const deliveryOptions = {
    sql,
    receiver: state.receiver,
    serverPid: server.pid,
    eventId: flashEventId,
  };
  await runDeliveries({ ...deliveryOptions, messages: settings.warmupMessages });
  const deliveriesFromUs = monotonicUs();
  const deliveries = await runDeliveries({ ...deliveryOptions, messages: settings.messages });
  deliveries.window = { fromUs: deliveriesFromUs, toUs: monotonicUs() };
  const bareOptions = { receiver: state.receiver, concurrency: settings.jobConcurrency };
  await bareDeliveries({ ...bareOptions, messages: settings.warmupMessages });
  const bare = await bareDeliveries({ ...bareOptions, messages: settings.messages });
  log(`deliveries: ${deliveries.perSecond.toFixed(0)}/s, bare ${bare.perSecond.toFixed(0)}/s`);

  const stopped = await server.stop();
  if (stopped.code !== 0) {
    throw new Error(`the webhook API exited with ${stopped.code ?? stopped.signal} on SIGTERM`);
  }
  const problems = [
    ...sales.off.stock.problems,
    ...sales.on.stock.problems,
    ...sales.a.stock.problems,
  ];
  for (const [name, sale] of [
    ['off', sales.off],
    ['on', sales.on],
  ]) {
    if (sale.other > 0 || sale.errors > 0) {
      problems.push(
        `${sale.other} unexpected answers and ${sale.errors} errors in the outbox-${name} sale`,
      );
    }
  }
  if (sales.on.delay.attempted !== sales.on.delay.messages) {
    problems.push(
      `${sales.on.delay.attempted} of ${sales.on.delay.messages} order.created messages were attempted`,
    );
  }
  if (
    deliveries.log.succeeded !== deliveries.messages ||
    deliveries.distinctIds !== deliveries.messages
  ) {
    problems.push(
      `deliveries: ${deliveries.log.succeeded} succeeded in the log, ${deliveries.distinctIds} distinct ids received, of ${deliveries.messages}`,
    );
  }
  return { ...sales, deliveries, bare, settings, problems };
}

async function main() {
  if (!existsSync(MAIN)) throw new Error('dist/main.js is missing: run `npm run build` first');
  const { flashSale, listing: listingSettings, coldStart: coldSettings, poolSize } = BENCH;

  const databaseName = `eventflow_bench_${runId}`;
  await createDatabase(POSTGRES_URL, databaseName);
  state.databaseName = databaseName;
  state.redisPrefix = `eventflow-bench:${runId}:`;
  const dbUrl = databaseUrl(POSTGRES_URL, databaseName);
  const jwtSecret = randomBytes(36).toString('base64url');
  const port = await freePort();
  const api = `http://127.0.0.1:${port}`;
  const healthUrl = `${api}/api/health`;
  const profileDir = path.join(RESULTS_DIR, 'profiles');
  const profileName = `api-${runId}.cpuprofile`;
  state.smtpSink = new SmtpSink();
  const smtpUrl = await state.smtpSink.start();

  /** `env` adds to or overrides the production environment (scenarios 6 and 7). */
  const newApiServer = (nodeFlags = [], env = {}) =>
    new ChildServer({
      name: 'API',
      args: [...nodeFlags, ...API_ARGS],
      cwd: ROOT, // the migrator reads prisma/migrations from here
      stdoutFile: process.env.BENCH_API_STDOUT,
      // The whole environment, so neither the caller's shell nor the run changes it.
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        // No money moves in a benchmark; the API warns so at its start.
        PAYMENT_PROVIDER: 'test',
        NODE_OPTIONS: BENCH.apiNodeOptions,
        PORT: String(port),
        DATABASE_URL: dbUrl,
        DATABASE_POOL_SIZE: String(poolSize),
        REDIS_URL,
        REDIS_KEY_PREFIX: state.redisPrefix,
        JWT_SECRET: jwtSecret,
        THROTTLE_LIMIT: String(BENCH.throttleLimit),
        LOGIN_THROTTLE_LIMIT: String(BENCH.throttleLimit),
        PURCHASE_THROTTLE_LIMIT: String(BENCH.throttleLimit),
        LOG_LEVEL: 'info',
        LOG_FORMAT: 'gcp', // the image's default
        METRICS_TOKEN: metricsToken,
        ORDER_HOLD_SECONDS: String(BENCH.orderHoldSeconds),
        MIGRATE_ON_START: 'true',
        SEED_DEMO_DATA: 'false',
        // Production needs a mail server: confirmations go to the sink in this process.
        SMTP_URL: smtpUrl,
        PASSWORD_RESET_URL: 'https://tickets.example.com/reset-password',
        JOB_CONCURRENCY: String(BENCH.webhooks.jobConcurrency),
        ...env,
      },
    });

  const meta = {
    command: `npm run bench${profiled ? ' -- --profile' : ''}`,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    node: process.versions.node,
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model?.trim() ?? 'unknown',
    loadAverage: os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
    poolSize,
    nodeOptions: BENCH.apiNodeOptions,
    apiArgs: API_ARGS.join(' '),
    redis: await redisVersion(REDIS_URL),
    profiled,
  };

  log(`database ${state.databaseName}, Redis prefix ${state.redisPrefix}, API on ${api}`);
  const server = newApiServer(
    profiled
      ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${profileName}`]
      : [],
  ).start();
  const firstStartMs = await server.waitUntilHealthy(healthUrl, { timeoutMs: 60_000 });
  log(`API up in ${firstStartMs.toFixed(0)} ms (migrations applied)`);
  const afterBoot = await memoryOf(api, server);

  state.sql = new pg.Pool({ connectionString: dbUrl, max: 2 });
  const sql = state.sql;
  meta.postgres = (await sql.query('SHOW server_version')).rows[0].server_version;

  const [adminId] = await createUsers(sql, { count: 1, role: 'ADMIN', tag: `admin-${runId}` });
  const adminToken = signAccessToken(jwtSecret, adminId, 'ADMIN', BENCH.accessTokenTtlSeconds);
  // Every request of both API sales is a different buyer; autocannon builds one request ahead
  // per connection, hence the connections added.
  const buyerCount =
    flashSale.warmupCapacity +
    flashSale.warmupExtraRequests +
    flashSale.capacity +
    flashSale.extraRequests +
    2 * flashSale.connections +
    100;
  const buyerIds = await createUsers(sql, {
    count: buyerCount,
    role: 'USER',
    tag: `buyer-${runId}`,
  });
  const buyers = new BuyerTokens(
    buyerIds.map((id) => signAccessToken(jwtSecret, id, 'USER', BENCH.accessTokenTtlSeconds)),
  );
  const types = await createEvents(api, adminToken, {
    capacity: flashSale.capacity,
    warmupCapacity: flashSale.warmupCapacity,
    publishedEvents: listingSettings.publishedEvents,
  });
  log(`${buyerCount} buyers, ${listingSettings.publishedEvents} published events`);
  const afterSetup = await memoryOf(api, server);

  const workers = flashSale.connections;
  const baselineOptions = { databaseUrl: dbUrl, poolSize, workers };

  log('baseline A (conditional decrement over pg): warm-up, then the sale');
  await conditionalDecrement({ ...baselineOptions, ticketTypeId: types.baselineAWarmup });
  await vacuumHotTables(sql);
  const a = await conditionalDecrement({ ...baselineOptions, ticketTypeId: types.baselineA });
  a.stock = await verifyDecrements(sql, types.baselineA, a.held);
  log(`baseline A: ${a.holdsPerSecond.toFixed(0)} holds/s`);

  log("the API's hold function over pg, for context: warm-up, then the sale");
  const holdOptions = { ...baselineOptions, buyerIds, holdSeconds: BENCH.orderHoldSeconds };
  await holdFunction({ ...holdOptions, ticketTypeId: types.holdFunctionWarmup });
  await vacuumHotTables(sql);
  const fn = await holdFunction({ ...holdOptions, ticketTypeId: types.holdFunction });
  fn.stock = await verifyStock(sql, types.holdFunction, {
    expectedHeld: flashSale.capacity,
    createdAnswers: fn.held,
  });
  log(`hold function: ${fn.holdsPerSecond.toFixed(0)} holds/s`);

  log('API flash sale: warm-up, then the sale');
  await runFlashSale({
    api,
    serverPid: server.pid,
    ticketTypeId: types.flashWarmup,
    buyers,
    connections: flashSale.connections,
    amount: flashSale.warmupCapacity + flashSale.warmupExtraRequests,
  });
  await vacuumHotTables(sql);
  const windowFromUs = monotonicUs();
  const sale = await runFlashSale({
    api,
    serverPid: server.pid,
    ticketTypeId: types.flash,
    buyers,
    connections: flashSale.connections,
    amount: flashSale.capacity + flashSale.extraRequests,
  });
  const windowToUs = monotonicUs();
  sale.stock = await verifyStock(sql, types.flash, {
    expectedHeld: flashSale.capacity,
    createdAnswers: sale.created,
  });
  const afterSale = await memoryOf(api, server);
  const saleEndedAt = performance.now();
  log(
    `API: ${sale.holdsPerSecond.toFixed(0)} holds/s, 201 ${sale.created}, 409 ${sale.soldOut}, other ${sale.other}`,
  );

  log('baseline B (Prisma interactive transaction, FOR UPDATE): warm-up, then the sale');
  await interactiveTransaction({
    ...baselineOptions,
    ticketTypeId: types.baselineBWarmup,
    buyerIds,
    holdSeconds: BENCH.orderHoldSeconds,
  });
  await vacuumHotTables(sql);
  const b = await interactiveTransaction({
    ...baselineOptions,
    ticketTypeId: types.baselineB,
    buyerIds,
    holdSeconds: BENCH.orderHoldSeconds,
  });
  b.stock = await verifyStock(sql, types.baselineB, {
    expectedHeld: flashSale.capacity,
    createdAnswers: b.held,
  });
  log(`baseline B: ${b.holdsPerSecond.toFixed(0)} holds/s`);
  // The API sat idle through baseline B: what of its memory after the sale was only garbage.
  const afterIdle = await memoryOf(api, server);
  afterIdle.idleSeconds = (performance.now() - saleEndedAt) / 1000;

  log('pays: the warm-up sale’s buyers pay, then the measured sale’s');
  const payOptions = { jwtSecret, ttlSeconds: BENCH.accessTokenTtlSeconds };
  await runPays({
    api,
    serverPid: server.pid,
    orders: await pendingOrders(sql, types.flashWarmup, payOptions),
    connections: BENCH.pay.connections,
  });
  await vacuumHotTables(sql);
  const paysFromUs = monotonicUs();
  const pays = await runPays({
    api,
    serverPid: server.pid,
    orders: await pendingOrders(sql, types.flash, payOptions),
    connections: BENCH.pay.connections,
  });
  const paysToUs = monotonicUs();
  pays.books = await verifyPays(sql, types.flash, flashSale.capacity);
  log(`pays: ${pays.paysPerSecond.toFixed(0)} pays/s, 200 ${pays.paid}, other ${pays.other}`);

  log(`listing: API, then bare Fastify, ${listingSettings.seconds} s each`);
  const listing = await runListing({
    api,
    apiPid: server.pid,
    connections: listingSettings.connections,
    seconds: listingSettings.seconds,
    rounds: listingSettings.rounds,
    warmupSeconds: listingSettings.warmupSeconds,
  });
  Object.assign(listing, listingSettings);

  const { tickets: exportTickets, sampleMs } = BENCH.attendeeExport;
  log(`attendee export: ${exportTickets} tickets as CSV, then the same rows over pg`);
  const exportEventId = await createExportEvent(sql, {
    api,
    adminToken,
    buyerId: buyerIds[0],
    tickets: exportTickets,
  });
  const attendeeExport = await runExport({
    api,
    eventId: exportEventId,
    adminToken,
    server,
    sampleMs,
  });
  attendeeExport.tickets = exportTickets;
  attendeeExport.baseline = await keysetBaseline({ databaseUrl: dbUrl, eventId: exportEventId });
  if (attendeeExport.status !== 200 || attendeeExport.lines !== exportTickets + 1) {
    throw new Error(
      `the export answered ${attendeeExport.status} with ${attendeeExport.lines} lines (expected ${exportTickets + 1})`,
    );
  }
  log(
    `export: ${(attendeeExport.tickets / attendeeExport.seconds).toFixed(0)} rows/s, resident memory +${((attendeeExport.peakBytes - attendeeExport.beforeBytes) / 1048576).toFixed(1)} MB`,
  );

  const stopped = await server.stop();
  if (stopped.code !== 0) {
    throw new Error(`the API exited with ${stopped.code ?? stopped.signal} on SIGTERM`);
  }

  let profileSummary;
  if (profiled) {
    const file = path.join(profileDir, profileName);
    if (!existsSync(file)) {
      throw new Error(`no profile at ${file} (found: ${readdirSync(profileDir).join(', ')})`);
    }
    const profile = JSON.parse(readFileSync(file, 'utf8'));
    const section = (title, window) =>
      `## ${title}\n\n${renderProfileSummary(summariseProfile(profile, window), { top: 30 })}\n`;
    profileSummary = [
      `# Where the API spent its CPU (self time)\n\nProfile: \`${path.relative(ROOT, file)}\` ` +
        '(summarise any window again with `node bench/profile-summary.mjs <file> --from-us N --to-us N`).\n',
      section('During the measured flash sale', { fromUs: windowFromUs, toUs: windowToUs }),
      section('During the measured pays', { fromUs: paysFromUs, toUs: paysToUs }),
      section('During the measured listing run', listing.api.window),
    ].join('\n');
  }

  log(`cold start: ${coldSettings.runs} starts against the migrated database`);
  const coldStart = await measureColdStarts({
    newServer: async (run) => ({
      server: newApiServer(
        profiled && run === 0
          ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=cold-${profileName}`]
          : [],
      ),
      healthUrl,
    }),
    runs: coldSettings.runs,
    pollIntervalMs: coldSettings.pollIntervalMs,
    timeoutMs: coldSettings.timeoutMs,
  });
  coldStart.pollIntervalMs = coldSettings.pollIntervalMs;
  if (profiled) {
    const file = path.join(profileDir, `cold-${profileName}`);
    const summary = summariseProfile(JSON.parse(readFileSync(file, 'utf8')));
    profileSummary += `\n## The first cold start, whole process (\`${path.relative(ROOT, file)}\`)\n\n${renderProfileSummary(summary, { top: 30 })}\n`;
  }

  const webhooks = await webhookPhase({
    newApiServer,
    healthUrl,
    api,
    sql,
    dbUrl,
    jwtSecret,
    adminToken,
    flashEventId: types.flashEventId,
    profileFile: profiled ? path.join(profileDir, `webhooks-${profileName}`) : undefined,
  });
  if (profiled) {
    const file = path.join(profileDir, `webhooks-${profileName}`);
    const profile = JSON.parse(readFileSync(file, 'utf8'));
    const section = (title, window) =>
      `\n## ${title} (\`${path.relative(ROOT, file)}\`)\n\n${renderProfileSummary(summariseProfile(profile, window), { top: 30 })}\n`;
    profileSummary +=
      section('Scenario 7: the sale with the outbox on, to its last delivery', webhooks.on.window) +
      section('Scenario 6: the measured deliveries', webhooks.deliveries.window);
  }

  const problems = [
    ...webhooks.problems,
    ...a.stock.problems,
    ...fn.stock.problems,
    ...sale.stock.problems,
    ...b.stock.problems,
    ...pays.books.problems,
  ];
  if (sale.other > 0 || sale.errors > 0) {
    problems.push(`${sale.other} unexpected answers and ${sale.errors} errors in the API sale`);
  }
  meta.failed = problems.length > 0;
  meta.totalMs = performance.now() - began;
  return {
    meta,
    problems,
    firstStartMs,
    flash: {
      connections: flashSale.connections,
      warmup: {
        capacity: flashSale.warmupCapacity,
        requests: flashSale.warmupCapacity + flashSale.warmupExtraRequests,
      },
      api: sale,
      a,
      fn,
      b,
    },
    pays: { ...pays, connections: BENCH.pay.connections },
    listing,
    attendeeExport,
    coldStart,
    webhooks,
    emailsAccepted: state.smtpSink.accepted,
    memory: { afterBoot, afterSetup, afterSale, afterIdle },
    profileSummary,
  };
}

async function cleanUp() {
  let clean = true;
  const steps = [
    ['stop the servers', () => stopAllServers()],
    ['close the SQL pool', async () => state.sql?.end()],
    ['close the webhook receiver', async () => state.receiver?.close()],
    ['close the SMTP sink', async () => state.smtpSink?.close()],
    [
      'drop the database',
      async () => {
        if (state.databaseName) await dropDatabase(POSTGRES_URL, state.databaseName);
        state.databaseName = undefined;
      },
    ],
    [
      'delete the Redis keys',
      async () => {
        if (state.redisPrefix) await deleteRedisKeys(REDIS_URL, state.redisPrefix);
      },
    ],
  ];
  for (const [what, step] of steps) {
    try {
      await step();
    } catch (error) {
      clean = false;
      log(`could not ${what}: ${error.message}`);
    }
  }
  if (state.databaseName) log(`database ${state.databaseName} is left behind; drop it by hand`);
  return clean;
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    interrupted = true;
    log(`${signal}: cleaning up`);
    void cleanUp().finally(() => process.exit(130));
  });
}

let status = 0;
try {
  const results = await main();
  const report = renderReport(results);
  const name = profiled ? 'latest-profiled' : 'latest';
  const text = results.profileSummary ? `${report}\n${results.profileSummary}` : report;
  const written = await writeReport(path.join(RESULTS_DIR, `${name}.md`), text);
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(
    path.join(RESULTS_DIR, `${name}.json`),
    `${JSON.stringify({ ...results, profileSummary: undefined }, null, 2)}\n`,
  );
  console.log(written);
  if (results.problems.length > 0) {
    log(`FAILED: ${results.problems.join('; ')}`);
    status = 1;
  }
} catch (error) {
  log(`failed: ${error?.stack ?? error}`);
  status = 1;
}
if (!interrupted) {
  const clean = await cleanUp();
  log(`done in ${((performance.now() - began) / 1000).toFixed(1)} s`);
  process.exit(status === 0 && !clean ? 1 : status);
}
