// Scenario 2: the cached public listing, warm, against a bare Fastify server returning the same
// bytes. Both are separate processes driven by the same autocannon settings, one after the other.
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from './config.mjs';
import { startCpuAccounting } from './cpu.mjs';
import { runAutocannon, statusCounts } from './measure.mjs';
import { ChildServer, freePort, request } from './server.mjs';

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

async function load(url, { serverPid, connections, seconds, warmupSeconds }) {
  await runAutocannon({ url, connections, duration: warmupSeconds });
  const fromUs = monotonicUs();
  const cpuUsed = startCpuAccounting(serverPid);
  const result = await runAutocannon({ url, connections, duration: seconds });
  const cpu = cpuUsed();
  const toUs = monotonicUs();
  const counts = statusCounts(result);
  return {
    requestsPerSecond: result.requests.total / (result.duration || seconds),
    requests: result.requests.total,
    latency: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    counts,
    cpu,
    /** The measured run on the monotonic clock, to cut a CPU profile to it. */
    window: { fromUs, toUs },
  };
}

async function fetchListing(url) {
  const response = await request(url);
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}`);
  return response;
}

export async function runListing({ api, apiPid, connections, seconds, warmupSeconds }) {
  const apiUrl = `${api}/api/events`;
  await fetchListing(apiUrl); // fills the cache
  const listing = await fetchListing(apiUrl);
  const apiResult = await load(apiUrl, { serverPid: apiPid, connections, seconds, warmupSeconds });

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
    const bareResult = await load(bareUrl, {
      serverPid: bare.pid,
      connections,
      seconds,
      warmupSeconds,
    });
    return {
      bodyBytes: listing.body.length,
      contentType: listing.headers['content-type'],
      api: apiResult,
      bare: bareResult,
    };
  } finally {
    await bare.stop();
    rmSync(bodyFile, { force: true });
  }
}
