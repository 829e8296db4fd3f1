// Scenario 2: the cached public listing, warm, against a bare Fastify server returning the same
// bytes. Both are separate processes driven by the same autocannon settings. The measured time of
// each is split into rounds that alternate (API, bare, API, bare, ...), so a shared machine whose
// speed drifts during the run slows both alike instead of skewing the ratio.
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from './config.mjs';
import { startCpuAccounting } from './cpu.mjs';
import { percentile, runAutocannon, statusCounts } from './measure.mjs';
import { ChildServer, freePort, request } from './server.mjs';

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);
const sum = (values) => values.reduce((total, value) => total + value, 0);
const highest = (values) => Math.max(...values);

async function measureRound(url, { serverPid, connections, seconds }) {
  const cpuUsed = startCpuAccounting(serverPid);
  const latenciesMs = [];
  const result = await runAutocannon({ url, connections, duration: seconds }, (instance) => {
    instance.on('response', (_client, _status, _bytes, responseTimeMs) => {
      latenciesMs.push(responseTimeMs);
    });
  });
  return { result, cpu: cpuUsed(), latenciesMs };
}

/** All rounds of one server as one run: latency percentiles over every request of every round. */
function combineRounds(rounds) {
  const results = rounds.map((round) => round.result);
  const latenciesMs = rounds.flatMap((round) => round.latenciesMs);
  const requests = sum(results.map((result) => result.requests.total));
  const seconds = sum(results.map((result) => result.duration));
  const counts = {};
  for (const result of results) {
    for (const [status, count] of Object.entries(statusCounts(result))) {
      counts[status] = (counts[status] ?? 0) + count;
    }
  }
  const averageOf = (field) => sum(rounds.map((round) => round.cpu[field])) / rounds.length;
  return {
    requestsPerSecond: requests / seconds,
    roundRequestsPerSecond: results.map((result) => result.requests.total / result.duration),
    requests,
    latency: {
      p50: percentile(latenciesMs, 50),
      p99: percentile(latenciesMs, 99),
      max: highest(results.map((result) => result.latency.max)),
    },
    non2xx: sum(results.map((result) => result.non2xx)),
    errors: sum(results.map((result) => result.errors)),
    timeouts: sum(results.map((result) => result.timeouts)),
    counts,
    cpu: Object.fromEntries(['machine', 'server', 'bench', 'rest'].map((f) => [f, averageOf(f)])),
  };
}

async function fetchListing(url) {
  const response = await request(url);
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}`);
  return response;
}

export async function runListing({ api, apiPid, connections, seconds, rounds, warmupSeconds }) {
  const apiUrl = `${api}/api/events`;
  await fetchListing(apiUrl); // fills the cache
  const listing = await fetchListing(apiUrl);

  const bodyFile = path.join(tmpdir(), `eventflow-bench-listing-${process.pid}.json`);
  writeFileSync(bodyFile, listing.body);
  const port = await freePort();
  const bare = new ChildServer({
    name: 'bare Fastify',
    args: [path.join(ROOT, 'bench', 'bare-fastify.mjs')],
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      BENCH_BODY_FILE: bodyFile,
      BENCH_CONTENT_TYPE: listing.headers['content-type'] ?? 'application/json',
    },
  }).start();
  try {
    const bareOrigin = `http://127.0.0.1:${port}`;
    await bare.waitUntilHealthy(`${bareOrigin}/health`);
    const bareUrl = `${bareOrigin}/api/events`;
    const same = (await fetchListing(bareUrl)).body.equals(listing.body);
    if (!same) throw new Error('the bare Fastify server does not answer the same bytes');

    await runAutocannon({ url: apiUrl, connections, duration: warmupSeconds });
    await runAutocannon({ url: bareUrl, connections, duration: warmupSeconds });
    const roundSeconds = seconds / rounds;
    const apiRounds = [];
    const bareRounds = [];
    const fromUs = monotonicUs();
    let toUs = fromUs;
    for (let round = 0; round < rounds; round++) {
      apiRounds.push(
        await measureRound(apiUrl, { serverPid: apiPid, connections, seconds: roundSeconds }),
      );
      toUs = monotonicUs();
      bareRounds.push(
        await measureRound(bareUrl, { serverPid: bare.pid, connections, seconds: roundSeconds }),
      );
    }
    return {
      bodyBytes: listing.body.length,
      contentType: listing.headers['content-type'],
      // The API's rounds lie in this window (with the bare rounds between them, where it idles),
      // to cut a CPU profile to it.
      api: { ...combineRounds(apiRounds), window: { fromUs, toUs } },
      bare: combineRounds(bareRounds),
    };
  } finally {
    await bare.stop();
    rmSync(bodyFile, { force: true });
  }
}
