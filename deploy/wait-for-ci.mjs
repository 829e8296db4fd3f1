#!/usr/bin/env node
/* global fetch, AbortSignal -- Node's own, outside the repository's list of globals */
// The gate of .github/workflows/deploy.yml: waits for the CI workflow's runs of one commit and
// says whether that commit may be deployed.
//
//   node deploy/wait-for-ci.mjs <commit sha>
//
// Reads GITHUB_API_URL, GITHUB_REPOSITORY and GITHUB_TOKEN (the job's token, `actions: read`);
// CI_WORKFLOW (default ci.yml), CI_WAIT_SECONDS (default 2700) and CI_POLL_SECONDS (default 20).
//
// The rule, over every run of the CI workflow whose head is exactly this commit (the push of a
// branch, of the tag, a pull request):
// - one that finished in failure (or timed out, or needs approval) refuses the deploy at once,
//   whatever the others say: the same commit failed its checks once;
// - otherwise, while one is queued or running, wait for it;
// - otherwise deploy if at least one succeeded. Cancelled and skipped runs count for nothing: CI
//   cancels a run superseded on the same ref.
// A commit with no run yet (CI's run of a fresh tag appears a few seconds after the push) is
// waited for too, up to CI_WAIT_SECONDS, then refused.

const sha = process.argv[2];
const { GITHUB_REPOSITORY: repository, GITHUB_TOKEN: token } = process.env;
const api = (process.env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, '');
const workflow = process.env.CI_WORKFLOW ?? 'ci.yml';
const waitSeconds = Number(process.env.CI_WAIT_SECONDS ?? 2700);
const pollSeconds = Number(process.env.CI_POLL_SECONDS ?? 20);

// Any other conclusion of a finished run (failure, timed_out, action_required, startup_failure,
// stale) refuses the deploy.
const IGNORED = new Set(['cancelled', 'skipped', 'neutral']);

function fail(message) {
  console.error(`::error::${message}`);
  process.exit(1);
}

if (!sha || !/^[0-9a-f]{40}$/.test(sha))
  fail(`a full commit sha is required, got ${sha ?? 'nothing'}`);
if (!repository || !token) fail('GITHUB_REPOSITORY and GITHUB_TOKEN are required');
if (!(waitSeconds >= 0) || !(pollSeconds > 0))
  fail('CI_WAIT_SECONDS and CI_POLL_SECONDS must be positive numbers');

async function runsOfCommit() {
  const url = `${api}/repos/${repository}/actions/workflows/${encodeURIComponent(workflow)}/runs?head_sha=${sha}&per_page=100`;
  const response = await fetch(url, {
    headers: {
      accept: 'application/vnd.github+json',
      authorization: `Bearer ${token}`,
      'x-github-api-version': '2022-11-28',
    },
    signal: AbortSignal.timeout(15_000),
  });
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  const body = await response.json();
  return body.workflow_runs ?? [];
}

const describe = (run) =>
  `${run.event} on ${run.head_branch ?? '?'} (${run.html_url ?? `run ${run.id}`})`;
const pause = (ms) => new Promise((done) => setTimeout(done, ms));

async function main() {
  const deadline = Date.now() + waitSeconds * 1000;
  for (;;) {
    let runs;
    try {
      runs = await runsOfCommit();
    } catch (error) {
      // The API answering badly once is no verdict on the commit: ask again until the deadline.
      runs = undefined;
      console.log(
        `could not list CI runs: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (runs) {
      const refusing = runs.find(
        (run) =>
          run.status === 'completed' &&
          !IGNORED.has(run.conclusion) &&
          run.conclusion !== 'success',
      );
      if (refusing) {
        fail(`CI ${refusing.conclusion} for ${sha}: ${describe(refusing)}; not deploying`);
      }
      const pending = runs.filter((run) => run.status !== 'completed');
      const passed = runs.filter(
        (run) => run.status === 'completed' && run.conclusion === 'success',
      );
      if (pending.length === 0 && passed.length > 0) {
        console.log(`CI passed for ${sha}: ${passed.map(describe).join(', ')}`);
        return;
      }
      console.log(
        pending.length > 0
          ? `waiting for ${pending.length} CI run(s) of ${sha}: ${pending.map(describe).join(', ')}`
          : `no finished CI run of ${sha} yet`,
      );
    }
    if (Date.now() + pollSeconds * 1000 > deadline) {
      fail(`no successful CI run of ${sha} within ${waitSeconds} s; not deploying`);
    }
    await pause(pollSeconds * 1000);
  }
}

main().catch((error) => fail(error instanceof Error ? error.message : String(error)));
