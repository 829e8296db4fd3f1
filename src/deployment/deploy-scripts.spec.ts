import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';

/**
 * The two scripts .github/workflows/deploy.yml runs between gcloud calls, run here as the
 * workflow runs them (a child Node process) against local HTTP servers standing in for a deployed
 * EventFlow and for GitHub's API.
 */
const ROOT = resolve(__dirname, '..', '..');

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runScript(script: string, args: string[], env: Record<string, string>): Promise<Outcome> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [join(ROOT, 'deploy', script), ...args],
      // Only what the script is given: no METRICS_TOKEN or GITHUB_TOKEN of the machine leaks in.
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 },
      (error, stdout, stderr) =>
        done({
          code: error ? (typeof error.code === 'number' ? error.code : null) : 0,
          stdout,
          stderr,
        }),
    );
  });
}

async function serve(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

// ---- deploy/smoke-test.mjs ---------------------------------------------------------------------

interface FakeApp {
  /** Health answers 503 this many times before 200. */
  healthFailures?: number;
  /** GET /api/events answers 200 this many times, then 500. */
  eventsBeforeFailing?: number;
  notFoundContentType?: string;
  metricsToken?: string;
  /** /metrics answers 200 with or without the token. */
  metricsOpen?: boolean;
}

/** What EventFlow answers on the routes the smoke test reads, with the faults asked for. */
async function fakeApp(app: FakeApp) {
  const paths: string[] = [];
  let healthCalls = 0;
  let eventsCalls = 0;
  const server = await serve((request, response) => {
    const path = request.url ?? '';
    paths.push(path);
    const json = (status: number, body: unknown, type = 'application/json; charset=utf-8') =>
      response.writeHead(status, { 'content-type': type }).end(JSON.stringify(body));
    if (path === '/api/health') {
      healthCalls++;
      return healthCalls > (app.healthFailures ?? 0)
        ? json(200, { status: 'ok', info: { database: { status: 'up' } } })
        : json(503, { status: 'error', info: { database: { status: 'down' } } });
    }
    if (path === '/api/events') {
      eventsCalls++;
      return eventsCalls > (app.eventsBeforeFailing ?? Infinity)
        ? json(500, { status: 500, title: 'Internal Server Error', type: 'about:blank' })
        : json(200, { data: [], meta: { page: 1, limit: 20, total: 0, totalPages: 0 } });
    }
    if (path === '/metrics') {
      const sent = request.headers.authorization;
      if (app.metricsOpen || (app.metricsToken && sent === `Bearer ${app.metricsToken}`)) {
        return response
          .writeHead(200, { 'content-type': 'text/plain' })
          .end('# TYPE http_requests_total counter\nhttp_requests_total 1\n');
      }
      return json(
        401,
        { status: 401, title: 'Unauthorized', type: 'about:blank' },
        'application/problem+json',
      );
    }
    return json(
      404,
      { type: 'about:blank', title: 'Not Found', status: 404, detail: `No route ${path}` },
      app.notFoundContentType ?? 'application/problem+json; charset=utf-8',
    );
  });
  return { ...server, paths };
}

describe('deploy/smoke-test.mjs', () => {
  const smoke = (url: string, args: string[] = [], env: Record<string, string> = {}) =>
    runScript('smoke-test.mjs', [url, ...args], env);

  it('passes against a healthy app: health, the listing and a 404 problem, no /metrics without a token', async () => {
    const app = await fakeApp({});
    try {
      const outcome = await smoke(`${app.url}/`);
      expect(outcome).toMatchObject({ code: 0, stderr: '' });
      expect(app.paths.slice(0, 3)).toEqual(['/api/health', '/api/health', '/api/events']);
      expect(app.paths[3]).toMatch(/^\/api\/smoke-test-[a-z0-9]+-not-a-route$/);
      expect(app.paths).toHaveLength(4);
    } finally {
      await app.close();
    }
  });

  it('retries the health check while the revision starts, then runs the checks', async () => {
    const app = await fakeApp({ healthFailures: 1 });
    try {
      const outcome = await smoke(app.url, ['--ready-seconds', '20']);
      expect(outcome.code).toBe(0);
      expect(outcome.stdout).toContain('healthy after 2 attempt(s)');
    } finally {
      await app.close();
    }
  });

  it('fails when the app never becomes healthy within --ready-seconds', async () => {
    const app = await fakeApp({ healthFailures: Infinity });
    try {
      const outcome = await smoke(app.url, ['--ready-seconds', '1']);
      expect(outcome.code).toBe(1);
      expect(outcome.stderr).toMatch(
        /not healthy within 1 s: GET \/api\/health: expected 200, got 503/,
      );
      expect(app.paths.every((path) => path === '/api/health')).toBe(true);
    } finally {
      await app.close();
    }
  });

  it('fails when nothing listens at all', async () => {
    const app = await fakeApp({});
    await app.close();
    const outcome = await smoke(app.url, ['--ready-seconds', '0']);
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain('not healthy within 0 s');
  });

  it('fails when the listing answers 500', async () => {
    const app = await fakeApp({ eventsBeforeFailing: 0 });
    try {
      const outcome = await smoke(app.url);
      expect(outcome.code).toBe(1);
      expect(outcome.stderr).toContain('GET /api/events: expected 200, got 500');
    } finally {
      await app.close();
    }
  });

  it('fails when an unknown route is not answered with a problem document', async () => {
    const app = await fakeApp({ notFoundContentType: 'text/html' });
    try {
      const outcome = await smoke(app.url);
      expect(outcome.code).toBe(1);
      expect(outcome.stderr).toContain('Content-Type is text/html, not application/problem+json');
    } finally {
      await app.close();
    }
  });

  it('with METRICS_TOKEN, reads /metrics with it and refuses a /metrics open to anyone', async () => {
    const token = 'a'.repeat(32);
    const guarded = await fakeApp({ metricsToken: token });
    const open = await fakeApp({ metricsOpen: true });
    const wrongToken = await fakeApp({ metricsToken: 'b'.repeat(32) });
    try {
      expect((await smoke(guarded.url, [], { METRICS_TOKEN: token })).code).toBe(0);
      expect(guarded.paths.filter((path) => path === '/metrics')).toHaveLength(2);

      const served = await smoke(open.url, [], { METRICS_TOKEN: token });
      expect(served.code).toBe(1);
      expect(served.stderr).toContain('served without the token');

      const refused = await smoke(wrongToken.url, [], { METRICS_TOKEN: token });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('GET /metrics (with METRICS_TOKEN): expected 200, got 401');
    } finally {
      await Promise.all([guarded.close(), open.close(), wrongToken.close()]);
    }
  });

  it('repeats the checks through a soak and fails on a failure in any round', async () => {
    const steady = await fakeApp({});
    const degrading = await fakeApp({ eventsBeforeFailing: 2 });
    try {
      const passed = await smoke(steady.url, ['--soak-seconds', '4']);
      expect(passed.code).toBe(0);
      expect(passed.stdout).toMatch(/passed: 3 round\(s\) of 4 checks/);

      const failed = await smoke(degrading.url, ['--soak-seconds', '10']);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain('GET /api/events: expected 200, got 500');
      expect(degrading.paths.filter((path) => path === '/api/events')).toHaveLength(3);
    } finally {
      await Promise.all([steady.close(), degrading.close()]);
    }
  });

  it('refuses to run without an http(s) URL', async () => {
    expect((await smoke('eventflow.example.com')).code).toBe(2);
  });
});

// ---- deploy/wait-for-ci.mjs --------------------------------------------------------------------

const SHA = 'c0e489e0f9d1b7a1c2d3e4f5a6b7c8d9e0f1a2b3';
const TOKEN = 'ghs_test-token';

interface Run {
  status: 'queued' | 'in_progress' | 'completed';
  conclusion?: string | null;
  event?: string;
}

/** GitHub's "list workflow runs" for the one commit: each call answers the next entry, the last one repeats. */
async function fakeGitHub(answers: (Run[] | 'error')[]) {
  const requests: { url: string; authorization?: string }[] = [];
  const server = await serve((request, response) => {
    requests.push({ url: request.url ?? '', authorization: request.headers.authorization });
    const answer = answers[Math.min(requests.length - 1, answers.length - 1)];
    if (answer === 'error') return response.writeHead(502).end('bad gateway');
    const workflowRuns = answer.map((run, i) => ({
      id: i + 1,
      event: run.event ?? 'push',
      head_branch: 'v1.2.3',
      head_sha: SHA,
      status: run.status,
      conclusion: run.status === 'completed' ? run.conclusion : null,
      html_url: `https://github.com/acme/eventflow/actions/runs/${i + 1}`,
    }));
    response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ total_count: workflowRuns.length, workflow_runs: workflowRuns }));
  });
  return { ...server, requests };
}

describe('deploy/wait-for-ci.mjs', () => {
  const wait = (api: string, env: Record<string, string> = {}, sha = SHA) =>
    runScript('wait-for-ci.mjs', [sha], {
      GITHUB_API_URL: api,
      GITHUB_REPOSITORY: 'acme/eventflow',
      GITHUB_TOKEN: TOKEN,
      CI_POLL_SECONDS: '0.05',
      CI_WAIT_SECONDS: '5',
      ...env,
    });
  const success: Run = { status: 'completed', conclusion: 'success' };

  it("asks for the CI workflow's runs of exactly this commit, with the job's token", async () => {
    const github = await fakeGitHub([[success]]);
    try {
      const outcome = await wait(github.url, { CI_WORKFLOW: 'ci.yml' });
      expect(outcome.code).toBe(0);
      expect(outcome.stdout).toContain(`CI passed for ${SHA}`);
      expect(github.requests).toEqual([
        {
          url: `/repos/acme/eventflow/actions/workflows/ci.yml/runs?head_sha=${SHA}&per_page=100`,
          authorization: `Bearer ${TOKEN}`,
        },
      ]);
    } finally {
      await github.close();
    }
  });

  it('waits while a run is queued or in progress, and for a run that has not appeared yet', async () => {
    const github = await fakeGitHub([
      [],
      [{ status: 'queued' }],
      [success, { status: 'in_progress', event: 'pull_request' }],
      [success, success],
    ]);
    try {
      const outcome = await wait(github.url);
      expect(outcome.code).toBe(0);
      expect(github.requests).toHaveLength(4);
      expect(outcome.stdout).toContain('no finished CI run');
      expect(outcome.stdout).toContain('waiting for 1 CI run(s)');
    } finally {
      await github.close();
    }
  });

  it.each(['failure', 'timed_out', 'action_required', 'startup_failure'])(
    'refuses at once when any run of the commit ended %s, even beside a success',
    async (conclusion) => {
      const github = await fakeGitHub([[success, { status: 'completed', conclusion }]]);
      try {
        const outcome = await wait(github.url);
        expect(outcome.code).toBe(1);
        expect(outcome.stderr).toContain(`CI ${conclusion} for ${SHA}`);
        expect(github.requests).toHaveLength(1);
      } finally {
        await github.close();
      }
    },
  );

  it('counts cancelled runs for nothing: only cancelled until the deadline is a refusal', async () => {
    const github = await fakeGitHub([[{ status: 'completed', conclusion: 'cancelled' }]]);
    try {
      const outcome = await wait(github.url, { CI_WAIT_SECONDS: '0.3' });
      expect(outcome.code).toBe(1);
      expect(outcome.stderr).toContain(`no successful CI run of ${SHA} within 0.3 s`);
      expect(github.requests.length).toBeGreaterThan(1);
    } finally {
      await github.close();
    }
  });

  it('asks again after an API error instead of deciding on it', async () => {
    const github = await fakeGitHub(['error', [success]]);
    try {
      const outcome = await wait(github.url);
      expect(outcome.code).toBe(0);
      expect(outcome.stdout).toContain('could not list CI runs');
      expect(github.requests).toHaveLength(2);
    } finally {
      await github.close();
    }
  });

  it('refuses a commit that is not a full sha, without asking GitHub', async () => {
    const github = await fakeGitHub([[success]]);
    try {
      const outcome = await wait(github.url, {}, 'main');
      expect(outcome.code).toBe(1);
      expect(github.requests).toHaveLength(0);
    } finally {
      await github.close();
    }
  });
});
