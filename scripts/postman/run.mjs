// The Postman collection against a live server, as CI runs it: a fresh database on the local
// PostgreSQL, `npm run start:prod`'s command on a free port with its own Redis key prefix, newman, a check
// that the docs are served, then everything taken down again (on failure too). Exits with the
// number of failures (0 = all passed).
//
//   npm run build && node scripts/postman/run.mjs
//
// TEST_DATABASE_URL and TEST_REDIS_URL name the servers, as for `npm test`.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import newman from 'newman';
import {
  createDatabase,
  databaseUrl,
  deleteRedisKeys,
  dropDatabase,
  freePort,
} from '../lib/scratch.mjs';

// The answer check is the e2e suite's own, in TypeScript: loaded through the same SWC hook.
const require = createRequire(import.meta.url);
require('../ts-register.cjs');
const { OpenApiContract } = require('../../test/support/openapi-contract.ts');

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIN = path.join(ROOT, 'dist', 'main.js');
/** Node's arguments as `npm run start:prod` and the image's CMD give them (the tracing preload). */
const API_ARGS = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
  .scripts['start:prod'].split(/\s+/)
  .slice(1);
const COLLECTION = path.join(ROOT, 'docs', 'eventflow.postman_collection.json');

const POSTGRES_URL =
  process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;
/** Lines of the server's output kept to show when something goes wrong. */
const OUTPUT_LINES_KEPT = 400;

/** Everything started so far, so a failure at any step takes down exactly what exists. */
const state = {
  databaseName: undefined,
  redisPrefix: undefined,
  server: undefined,
  serverOutput: [],
};

function log(line) {
  console.error(`[postman] ${line}`);
}

/** GET `url`: status, content type and body, or undefined when nothing answers in time. */
function fetchText(url, timeoutMs = 5_000) {
  return new Promise((resolve) => {
    const request = http.get(url, { timeout: timeoutMs }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode,
          type: response.headers['content-type'] ?? '',
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    request.once('timeout', () => request.destroy());
    request.once('error', () => resolve(undefined));
  });
}

/**
 * What the collection does not call but the built server must serve too: Swagger UI, its assets
 * (from the swagger-ui-dist package) and the OpenAPI document. Returns the problems found.
 */
async function checkDocs(origin) {
  const problems = [];
  const page = await fetchText(`${origin}/docs`);
  if (page?.status !== 200 || !page.type.startsWith('text/html')) {
    problems.push(`GET /docs answered ${page?.status} ${page?.type}`);
  }
  const assets = [...(page?.body ?? '').matchAll(/(?:src|href)="\.\/(docs\/[^"]+)"/g)];
  if (assets.length === 0) problems.push('GET /docs names no Swagger UI assets');
  for (const [, asset] of assets) {
    const answer = await fetchText(`${origin}/${asset}`);
    if (answer?.status !== 200) problems.push(`GET /${asset} answered ${answer?.status}`);
  }
  const document = await fetchText(`${origin}/docs-json`);
  let paths;
  try {
    paths = JSON.parse(document?.body ?? '').paths;
  } catch {
    paths = undefined;
  }
  if (document?.status !== 200 || !paths?.['/api/events']) {
    problems.push(`GET /docs-json answered ${document?.status} without the /api/events path`);
  }
  return problems;
}

/** Status code of GET `url`, or undefined when nothing answers. */
async function statusOf(url) {
  return (await fetchText(url, 2_000))?.status;
}

function keepOutput(chunk) {
  const lines = chunk.toString('utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  state.serverOutput.push(...lines);
  if (state.serverOutput.length > OUTPUT_LINES_KEPT) {
    state.serverOutput.splice(0, state.serverOutput.length - OUTPUT_LINES_KEPT);
  }
}

function printServerOutput(reason) {
  log(`${reason}; the server's output (last ${OUTPUT_LINES_KEPT} lines at most):`);
  const output = state.serverOutput.length > 0 ? state.serverOutput : ['(no output)'];
  for (const line of output) console.error(`  | ${line}`);
}

function startServer(port, dbUrl, redisPrefix) {
  const env = {
    ...process.env,
    // Set explicitly, so neither the caller's environment nor a `.env` file changes the run.
    NODE_ENV: 'development',
    PORT: String(port),
    DATABASE_URL: dbUrl,
    REDIS_URL,
    REDIS_KEY_PREFIX: redisPrefix,
    JWT_SECRET: randomBytes(36).toString('base64url'), // 48 characters
    JWT_EXPIRES_IN: '15m',
    SEED_DEMO_DATA: 'true',
    MIGRATE_ON_START: 'true',
    LOG_LEVEL: 'warn',
    THROTTLE_TTL: '60',
    THROTTLE_LIMIT: '1000000',
    ORDER_HOLD_SECONDS: '900',
  };
  // The app reads prisma/migrations relative to its working directory.
  const child = spawn(process.execPath, API_ARGS, {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', keepOutput);
  child.stderr.on('data', keepOutput);
  child.exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  state.server = child;
  return child;
}

async function waitForHealth(child, healthUrl) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new ServerStartError(
        `the server exited during start (code ${child.exitCode}, signal ${child.signalCode})`,
      );
    }
    if ((await statusOf(healthUrl)) === 200) return;
    await sleep(200);
  }
  throw new ServerStartError(`GET ${healthUrl} did not answer 200 within ${START_TIMEOUT_MS} ms`);
}

class ServerStartError extends Error {}

/**
 * Runs the collection; every answer is also checked against openapi.json (the same check as the
 * e2e suite's, test/support/openapi-contract.ts), and what does not match is returned.
 */
async function runNewman(baseUrl) {
  const contract = await OpenApiContract.load();
  const violations = [];
  const summary = await new Promise((resolve, reject) => {
    newman
      .run(
        {
          collection: COLLECTION,
          envVar: [{ key: 'baseUrl', value: baseUrl }],
          reporters: 'cli',
        },
        (error, summary) => (error ? reject(error) : resolve(summary)),
      )
      .on('request', (error, { request, response }) => {
        if (error || !response) return;
        const headers = Object.fromEntries(
          response.headers.all().map((header) => [header.key.toLowerCase(), header.value]),
        );
        const text = response.stream?.toString('utf8') ?? '';
        let body = text;
        if (/json/.test(headers['content-type'] ?? '')) body = JSON.parse(text);
        violations.push(
          ...contract.check({
            method: request.method,
            url: request.url.getPathWithQuery(),
            status: response.code,
            headers,
            body,
          }),
        );
      });
  });
  return { summary, violations };
}

async function stopServer() {
  const child = state.server;
  if (!child) return;
  state.server = undefined;
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const stopped = await Promise.race([child.exited, sleep(STOP_TIMEOUT_MS).then(() => false)]);
  if (stopped === false) {
    log(`the server did not stop within ${STOP_TIMEOUT_MS / 1000} s of SIGTERM; killing it`);
    child.kill('SIGKILL');
    await child.exited;
    throw new Error('the server had to be killed: SIGTERM did not stop it');
  }
  if (stopped.code !== 0) {
    printServerOutput(`the server exited with code ${stopped.code} on SIGTERM`);
    throw new Error(`the server exited with code ${stopped.code} on SIGTERM`);
  }
}

async function dropOwnDatabase() {
  if (!state.databaseName) return;
  await dropDatabase(POSTGRES_URL, state.databaseName);
  state.databaseName = undefined;
}

/** Deletes the Redis keys the server wrote under its own prefix (cache generations, counters). */
async function deleteOwnRedisKeys() {
  if (!state.redisPrefix) return;
  await deleteRedisKeys(REDIS_URL, state.redisPrefix);
  state.redisPrefix = undefined;
}

/** Takes down whatever exists; returns false when something could not be cleaned up. */
async function cleanUp() {
  let clean = true;
  for (const [what, step] of [
    ['stop the server', stopServer],
    ['drop the database', dropOwnDatabase],
    ['delete the Redis keys', deleteOwnRedisKeys],
  ]) {
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

async function main() {
  if (!existsSync(MAIN)) {
    log(`${path.relative(ROOT, MAIN)} is missing: run \`npm run build\` first.`);
    return 1;
  }
  if (!existsSync(COLLECTION)) {
    log(`${path.relative(ROOT, COLLECTION)} is missing.`);
    return 1;
  }

  const suffix = `${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const name = `eventflow_postman_${suffix}`;
  await createDatabase(POSTGRES_URL, name);
  state.databaseName = name;
  state.redisPrefix = `eventflow-postman:${suffix}:`;

  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  log(`database ${name}, Redis prefix ${state.redisPrefix}, server on ${origin}`);
  const child = startServer(port, databaseUrl(POSTGRES_URL, name), state.redisPrefix);
  const startedAt = Date.now();
  await waitForHealth(child, `${origin}/api/health`);
  log(`the server is up (${Date.now() - startedAt} ms); running the collection`);

  const { summary, violations } = await runNewman(origin);
  for (const violation of violations) log(`openapi.json: ${violation}`);
  if (violations.length === 0) log('openapi.json: every answer matches the document');
  const docsProblems = await checkDocs(origin);
  for (const problem of docsProblems) log(`docs: ${problem}`);
  if (docsProblems.length === 0)
    log('docs: Swagger UI, its assets and the OpenAPI document are served');
  const failures = summary.run.failures.length + violations.length + docsProblems.length;
  if (summary.run.error) log(`newman stopped early: ${summary.run.error.message}`);
  if (failures > 0) printServerOutput(`${failures} failure(s)`);
  if (failures === 0 && summary.run.error) return 1;
  // An exit status is one byte: 256 failures must not read as success.
  return Math.min(failures, 255);
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: cleaning up`);
    void cleanUp().finally(() => process.exit(130));
  });
}

let status;
try {
  status = await main();
} catch (error) {
  if (error instanceof ServerStartError) {
    printServerOutput(`the server did not start: ${error.message}`);
  } else {
    log(`failed: ${error?.stack ?? error}`);
  }
  status = 1;
}
if (!interrupted) {
  const clean = await cleanUp();
  process.exit(status === 0 && !clean ? 1 : status);
}
