#!/usr/bin/env node
/* global fetch, AbortSignal -- Node's own, outside the repository's list of globals */
// Smoke test of a deployed EventFlow, run by .github/workflows/deploy.yml against a revision's own
// tagged URL before it takes traffic, and against the service URL between traffic steps.
//
//   node deploy/smoke-test.mjs <base URL> [--ready-seconds N] [--soak-seconds N]
//
// 1. GET /api/health until it answers 200 with status "ok": a revision with no traffic may have
//    no warm instance, so connection errors and 5xx are retried for --ready-seconds (default 120).
// 2. Once healthy, every check must pass the first time: GET /api/health 200, GET /api/events 200
//    with a list, an unknown route answers a 404 problem document (RFC 9457), and, only when
//    METRICS_TOKEN is set, GET /metrics refuses a scrape without it and answers Prometheus text to
//    one that sends it as a Bearer token.
// 3. With --soak-seconds N the checks of 2 repeat, one round every two seconds, for N seconds; any
//    failure fails the run. Behind a traffic split each round reaches either revision.
//
// Exits 0 when every check passed, 1 with the failed check on stderr otherwise. Node's fetch
// only: the runner needs nothing installed.

const REQUEST_TIMEOUT_MS = 10_000;
const RETRY_EVERY_MS = 2_000;
const SOAK_ROUND_MS = 2_000;

function usage(message) {
  console.error(
    `${message}\nusage: node deploy/smoke-test.mjs <base URL> [--ready-seconds N] [--soak-seconds N]`,
  );
  process.exit(2);
}

function parseArguments(argv) {
  const options = { base: undefined, readySeconds: 120, soakSeconds: 0 };
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i];
    if (argument === '--ready-seconds' || argument === '--soak-seconds') {
      const value = Number(argv[++i]);
      if (!Number.isFinite(value) || value < 0) usage(`${argument} needs a number of seconds`);
      options[argument === '--ready-seconds' ? 'readySeconds' : 'soakSeconds'] = value;
    } else if (options.base === undefined) {
      options.base = argument;
    } else {
      usage(`unexpected argument ${argument}`);
    }
  }
  if (!options.base) usage('a base URL is required');
  if (!/^https?:\/\//.test(options.base)) usage(`not an http(s) URL: ${options.base}`);
  options.base = options.base.replace(/\/+$/, '');
  return options;
}

class CheckFailed extends Error {}

async function get(url, headers = {}) {
  const response = await fetch(url, {
    headers: { accept: 'application/json', ...headers },
    redirect: 'manual',
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type') ?? '', text };
}

function json(answer, what) {
  try {
    return JSON.parse(answer.text);
  } catch {
    throw new CheckFailed(`${what}: the body is not JSON: ${answer.text.slice(0, 200)}`);
  }
}

function expectStatus(answer, status, what) {
  if (answer.status !== status) {
    throw new CheckFailed(
      `${what}: expected ${status}, got ${answer.status}: ${answer.text.slice(0, 200)}`,
    );
  }
}

async function checkHealth(base) {
  const answer = await get(`${base}/api/health`);
  expectStatus(answer, 200, 'GET /api/health');
  const body = json(answer, 'GET /api/health');
  if (body.status !== 'ok')
    throw new CheckFailed(`GET /api/health: status is ${JSON.stringify(body.status)}`);
}

const checks = [
  ['GET /api/health', checkHealth],
  [
    'GET /api/events',
    async (base) => {
      const answer = await get(`${base}/api/events`);
      expectStatus(answer, 200, 'GET /api/events');
      const body = json(answer, 'GET /api/events');
      if (!Array.isArray(body.data))
        throw new CheckFailed('GET /api/events: no data list in the answer');
    },
  ],
  [
    'an unknown route',
    async (base) => {
      const path = `/api/smoke-test-${Date.now().toString(36)}-not-a-route`;
      const answer = await get(`${base}${path}`);
      const what = `GET ${path}`;
      expectStatus(answer, 404, what);
      if (!answer.type.startsWith('application/problem+json')) {
        throw new CheckFailed(
          `${what}: Content-Type is ${answer.type || 'missing'}, not application/problem+json`,
        );
      }
      const body = json(answer, what);
      if (body.status !== 404 || typeof body.type !== 'string' || typeof body.title !== 'string') {
        throw new CheckFailed(`${what}: not a problem document: ${answer.text.slice(0, 200)}`);
      }
    },
  ],
  [
    'GET /metrics',
    async (base) => {
      const token = process.env.METRICS_TOKEN;
      // Without a token here nothing may be assumed: production closes /metrics (404) unless it
      // has METRICS_TOKEN or a METRICS_PORT of its own.
      if (!token) return;
      const anonymous = await get(`${base}/metrics`, { accept: 'text/plain' });
      if (anonymous.status === 200) throw new CheckFailed('GET /metrics: served without the token');
      const answer = await get(`${base}/metrics`, {
        accept: 'text/plain',
        authorization: `Bearer ${token}`,
      });
      expectStatus(answer, 200, 'GET /metrics (with METRICS_TOKEN)');
      if (!answer.text.includes('# TYPE '))
        throw new CheckFailed('GET /metrics: not Prometheus text');
    },
  ],
];

const pause = (ms) => new Promise((done) => setTimeout(done, ms));

async function waitUntilHealthy(base, readySeconds) {
  const deadline = Date.now() + readySeconds * 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      await checkHealth(base);
      console.log(`healthy after ${attempt} attempt(s)`);
      return;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (Date.now() + RETRY_EVERY_MS > deadline) {
        throw new CheckFailed(`not healthy within ${readySeconds} s: ${reason}`);
      }
      console.log(`not healthy yet (${reason}); retrying`);
      await pause(RETRY_EVERY_MS);
    }
  }
}

async function round(base) {
  for (const [name, check] of checks) {
    try {
      await check(base);
    } catch (error) {
      if (error instanceof CheckFailed) throw error;
      throw new CheckFailed(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

async function main() {
  const { base, readySeconds, soakSeconds } = parseArguments(process.argv.slice(2));
  await waitUntilHealthy(base, readySeconds);
  const start = Date.now();
  await round(base);
  let rounds = 1;
  // On a fixed schedule (every SOAK_ROUND_MS from the first round) rather than a pause after each
  // round, so a slow answer does not stretch the soak.
  for (
    let next = start + SOAK_ROUND_MS;
    next <= start + soakSeconds * 1000;
    next += SOAK_ROUND_MS
  ) {
    await pause(Math.max(0, next - Date.now()));
    await round(base);
    rounds++;
  }
  console.log(`smoke test of ${base} passed: ${rounds} round(s) of ${checks.length} checks`);
}

main().catch((error) => {
  console.error(`smoke test failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
