import { execFile } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';

/**
 * The two scripts .github/workflows/deploy.yml runs between gcloud calls, run here as the
 * workflow runs them (a child Node process) against local HTTP servers standing in for a deployed
 * EventFlow and for GitHub's API; and the workflow's own traffic and rollback steps, run by bash
 * with a stand-in gcloud that records what it is asked.
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
      // Long enough for several polls even when a busy machine makes the first one slow.
      const outcome = await wait(github.url, { CI_WAIT_SECONDS: '2' });
      expect(outcome.code).toBe(1);
      expect(outcome.stderr).toContain(`no successful CI run of ${SHA} within 2 s`);
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

// ---- deploy.yml's traffic steps and rollback, with a stand-in gcloud --------------------------

interface WorkflowFile {
  jobs: Record<string, { steps: { name?: string; run?: string }[] }>;
}

describe("deploy.yml's traffic steps and rollback", () => {
  const workflow = parse(
    readFileSync(join(ROOT, '.github/workflows/deploy.yml'), 'utf8'),
  ) as WorkflowFile;
  const stepRun = (name: RegExp) =>
    workflow.jobs.deploy.steps.find((s) => name.test(s.name ?? ''))!.run!;
  const service = {
    status: {
      url: 'https://eventflow.example.run.app',
      traffic: [
        { revisionName: 'eventflow-00042-old', percent: 100 },
        {
          revisionName: 'eventflow-00043-new',
          tag: 'sha-1234567',
          url: 'https://sha-1234567.example',
        },
        {
          revisionName: 'eventflow-00040-older',
          tag: 'sha-aaaaaaa',
          url: 'https://sha-aaaaaaa.example',
        },
      ],
    },
  };

  let work: string;
  beforeEach(() => {
    // The step's working directory: the checkout's deploy/ scripts, and the service.json an
    // earlier step wrote. The stand-in gcloud logs its arguments and answers `logging read` with
    // FAKE_5XX lines for the 5xx query and FAKE_TOTAL lines for the other.
    work = mkdtempSync(join(tmpdir(), 'eventflow-rollout-'));
    symlinkSync(join(ROOT, 'deploy'), join(work, 'deploy'));
    writeFileSync(join(work, 'service.json'), JSON.stringify(service));
    mkdirSync(join(work, 'bin'));
    writeFileSync(
      join(work, 'bin', 'gcloud'),
      [
        '#!/bin/bash',
        'echo "$*" >> "$GCLOUD_CALLS"',
        'if [ "$1 $2" = "logging read" ]; then',
        '  [ -n "$FAKE_LOGGING_FAILS" ] && { echo "PERMISSION_DENIED" >&2; exit 1; }',
        '  case "$3" in *">=500"*) n="$FAKE_5XX" ;; *) n="$FAKE_TOTAL" ;; esac',
        '  for ((i = 0; i < n; i++)); do echo 200; done',
        'fi',
      ].join('\n'),
    );
    chmodSync(join(work, 'bin', 'gcloud'), 0o755);
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  /** Runs a step's script as GitHub does (`bash -e`), against the fake app as both URLs. */
  async function runStep(run: string, appUrl: string, env: Record<string, string> = {}) {
    const calls = join(work, 'gcloud-calls');
    writeFileSync(calls, '');
    const outcome = await new Promise<Outcome>((done) => {
      execFile(
        'bash',
        ['--noprofile', '--norc', '-e', '-c', run],
        {
          cwd: work,
          timeout: 30_000,
          env: {
            PATH: `${join(work, 'bin')}:${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
            GCLOUD_CALLS: calls,
            SERVICE: 'eventflow',
            PROJECT_ID: 'acme-prod',
            REGION: 'europe-west1',
            TAG: 'sha-1234567',
            IMAGE: 'europe-west1-docker.pkg.dev/acme-prod/eventflow/eventflow:1234567',
            PREVIOUS_REVISION: 'eventflow-00042-old',
            NEW_REVISION: 'eventflow-00043-new',
            SERVICE_URL: appUrl,
            REVISION_URL: appUrl,
            GITHUB_STEP_SUMMARY: join(work, 'summary'),
            SOAK_SECONDS: '0',
            MAX_ERROR_PERCENT: '1',
            FAKE_5XX: '0',
            FAKE_TOTAL: '200',
            ...env,
          },
        },
        (error, stdout, stderr) =>
          done({
            code: error ? (typeof error.code === 'number' ? error.code : null) : 0,
            stdout,
            stderr,
          }),
      );
    });
    const trafficCalls = readFileSync(calls, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('run services update-traffic'))
      .map((line) => /--to-\S+(?: --remove-tags=\S+)?/.exec(line)![0]);
    return { ...outcome, trafficCalls };
  }

  it('moves 10%, then 50%, then all traffic when every check passes, dropping older tags', async () => {
    const app = await fakeApp({});
    try {
      const outcome = await runStep(stepRun(/^Shift traffic/), app.url);
      expect(outcome.code).toBe(0);
      expect(outcome.trafficCalls).toEqual([
        '--to-revisions=eventflow-00043-new=10,eventflow-00042-old=90',
        '--to-revisions=eventflow-00043-new=50,eventflow-00042-old=50',
        '--to-latest --remove-tags=sha-aaaaaaa',
      ]);
      expect(outcome.stdout).toContain('eventflow-00043-new since');
      expect(outcome.stdout).toContain('0 5xx of 200 requests');
    } finally {
      await app.close();
    }
  });

  it('stops at the first step when the new revision answers too many 5xx', async () => {
    const app = await fakeApp({});
    try {
      const outcome = await runStep(stepRun(/^Shift traffic/), app.url, {
        FAKE_5XX: '3',
        FAKE_TOTAL: '200',
      });
      expect(outcome.code).not.toBe(0);
      expect(outcome.stdout).toContain('3 5xx of 200 requests (at most 1%)');
      expect(outcome.trafficCalls).toEqual([
        '--to-revisions=eventflow-00043-new=10,eventflow-00042-old=90',
      ]);
    } finally {
      await app.close();
    }
  });

  it('stops when the error rate cannot be read, rather than counting it as none', async () => {
    const app = await fakeApp({});
    try {
      const outcome = await runStep(stepRun(/^Shift traffic/), app.url, {
        FAKE_LOGGING_FAILS: '1',
      });
      expect(outcome.code).not.toBe(0);
      expect(outcome.trafficCalls).toHaveLength(1);
    } finally {
      await app.close();
    }
  });

  it('stops when a smoke request during the soak fails', async () => {
    const app = await fakeApp({ eventsBeforeFailing: 0 });
    try {
      const outcome = await runStep(stepRun(/^Shift traffic/), app.url);
      expect(outcome.code).not.toBe(0);
      expect(outcome.stderr).toContain('GET /api/events: expected 200, got 500');
      expect(outcome.trafficCalls).toHaveLength(1);
    } finally {
      await app.close();
    }
  });

  it('rolls back by sending all traffic to the revision noted before, then smoke-tests it', async () => {
    const app = await fakeApp({});
    try {
      const outcome = await runStep(stepRun(/^Roll back/), app.url);
      expect(outcome.code).toBe(0);
      expect(outcome.trafficCalls).toEqual(['--to-revisions=eventflow-00042-old=100']);
      expect(outcome.stdout).toContain('::error::Rolled back: all traffic on eventflow-00042-old');
      expect(app.paths).toContain('/api/events');
      expect(readFileSync(join(work, 'summary'), 'utf8')).toContain(
        'Rolled back to eventflow-00042-old',
      );
    } finally {
      await app.close();
    }
  });
});
