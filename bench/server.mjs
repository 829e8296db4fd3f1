// Child servers (the built API, the bare Fastify baseline): spawned as production runs them,
// polled until healthy, stopped with SIGTERM. Every live one is tracked so a failure anywhere
// still takes them all down.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

const OUTPUT_LINES_KEPT = 200;
const live = new Set();

export { freePort } from '../scripts/lib/scratch.mjs';

/** One HTTP request on a fresh connection: `{status, headers, body}` (body as a Buffer). */
export function request(url, { method = 'GET', headers = {}, body, timeoutMs = 10_000 } = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(
      url,
      {
        method,
        agent: false,
        timeout: timeoutMs,
        headers: payload
          ? { 'content-type': 'application/json', 'content-length': payload.length, ...headers }
          : headers,
      },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.once('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.once('error', reject);
    req.end(payload);
  });
}

/** JSON request that must answer `expected`; returns the parsed body. */
export async function requestJson(url, { expected = 200, ...options } = {}) {
  const response = await request(url, options);
  if (response.status !== expected) {
    throw new Error(
      `${options.method ?? 'GET'} ${url} answered ${response.status} (expected ${expected}): ${response.body.toString('utf8').slice(0, 500)}`,
    );
  }
  return response.body.length > 0 ? JSON.parse(response.body.toString('utf8')) : undefined;
}

async function statusOf(url) {
  try {
    return (await request(url, { timeoutMs: 1_000 })).status;
  } catch {
    return undefined;
  }
}

export class ChildServer {
  /**
   * @param {object} options
   * @param {string} options.name shown in errors
   * @param {string[]} options.args node arguments (flags, then the script)
   * @param {Record<string, string>} options.env the whole environment of the child
   * @param {string} options.cwd
   * @param {string} [options.stdoutFile] where stdout goes (default: nowhere, as `> /dev/null`)
   */
  constructor({ name, args, env, cwd, stdoutFile }) {
    Object.assign(this, { name, args, env, cwd, stdoutFile });
    this.output = [];
  }

  start() {
    const stdout = this.stdoutFile ? openSync(this.stdoutFile, 'a') : 'ignore';
    this.spawnedAt = performance.now();
    this.child = spawn(process.execPath, this.args, {
      cwd: this.cwd,
      env: this.env,
      stdio: ['ignore', stdout, 'pipe'],
    });
    if (typeof stdout === 'number') closeSync(stdout);
    this.child.stderr.on('data', (chunk) => this.keep(chunk));
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        live.delete(this);
        resolve({ code, signal });
      });
    });
    live.add(this);
    return this;
  }

  get pid() {
    return this.child?.pid;
  }

  get running() {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  keep(chunk) {
    const lines = chunk
      .toString('utf8')
      .split('\n')
      .filter((line) => line !== '');
    this.output.push(...lines);
    if (this.output.length > OUTPUT_LINES_KEPT) {
      this.output.splice(0, this.output.length - OUTPUT_LINES_KEPT);
    }
  }

  describeOutput() {
    const lines = this.output.length > 0 ? this.output : ['(nothing on stderr)'];
    return lines.map((line) => `  | ${line}`).join('\n');
  }

  /** Polls `url` until it answers 200; returns milliseconds since spawn. */
  async waitUntilHealthy(url, { timeoutMs = 30_000, intervalMs = 10 } = {}) {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      if (!this.running) {
        throw new Error(
          `${this.name} exited during start (code ${this.child.exitCode}, signal ${this.child.signalCode}):\n${this.describeOutput()}`,
        );
      }
      if ((await statusOf(url)) === 200) return performance.now() - this.spawnedAt;
      await sleep(intervalMs);
    }
    throw new Error(`${this.name}: ${url} did not answer 200 within ${timeoutMs} ms`);
  }

  /** SIGTERM, then SIGKILL after `timeoutMs`. Returns how it exited. */
  async stop({ timeoutMs = 10_000 } = {}) {
    if (!this.running) return this.child ? this.exited : { code: null, signal: null };
    this.child.kill('SIGTERM');
    const stopped = await Promise.race([this.exited, sleep(timeoutMs).then(() => undefined)]);
    if (stopped) return stopped;
    this.child.kill('SIGKILL');
    const killed = await this.exited;
    return { ...killed, forced: true };
  }

  /** Resident memory from the kernel (Linux), in bytes, or undefined elsewhere. */
  residentBytes() {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
      return kb ? Number(kb[1]) * 1024 : undefined;
    } catch {
      return undefined;
    }
  }
}

/** Stops every child server still running. */
export async function stopAllServers() {
  await Promise.all([...live].map((server) => server.stop({ timeoutMs: 5_000 })));
}
