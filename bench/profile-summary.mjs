// Summarises a V8 .cpuprofile (`node --cpu-prof`): the hottest functions by self time, and self
// time by package. Optionally only the samples inside a window of the monotonic clock (the
// profile's timestamps are CLOCK_MONOTONIC microseconds, the same clock as process.hrtime).
//
//   node bench/profile-summary.mjs <file.cpuprofile> [--top 30] [--from-us N] [--to-us N]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { ROOT } from './config.mjs';

const SPECIAL = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

/** Where a function lives: `dist/...`, `node_modules/<package>/...`, `node:...`, or its URL. */
function shortLocation(url) {
  if (url === '') return '';
  let file = url;
  if (url.startsWith('file://')) file = fileURLToPath(url);
  if (path.isAbsolute(file)) {
    const inModules = file.lastIndexOf(`${path.sep}node_modules${path.sep}`);
    if (inModules >= 0) return file.slice(inModules + 1);
    return path.relative(ROOT, file);
  }
  return file;
}

/** The package a location belongs to, for the rollup. */
function packageOf(name, location) {
  if (SPECIAL.has(name) && location === '') return name;
  if (location === '') return '(native / V8 builtins)';
  const modules = /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(location);
  if (modules) return modules[1];
  if (location.startsWith('dist/')) return 'eventflow (dist/)';
  if (location.startsWith('node:') || !location.includes('/')) return 'node core';
  return location;
}

/**
 * Self time per function and per package, in milliseconds. Each sample is charged the interval to
 * the next sample, as the Chrome profiler does.
 */
export function summariseProfile(profile, { fromUs = -Infinity, toUs = Infinity } = {}) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map();
  let timestamp = profile.startTime;
  let windowStart;
  let windowEnd;
  for (let i = 0; i < profile.samples.length; i++) {
    timestamp += profile.timeDeltas[i];
    const interval = i + 1 < profile.timeDeltas.length ? profile.timeDeltas[i + 1] : 0;
    if (timestamp < fromUs || timestamp >= toUs || interval <= 0) continue;
    windowStart ??= timestamp;
    windowEnd = timestamp + interval;
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + interval);
  }

  const functions = new Map();
  const packages = new Map();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = nodes.get(id).callFrame;
    const name = functionName || '(anonymous)';
    const location = shortLocation(url);
    const where = location === '' ? '' : `${location}:${lineNumber + 1}`;
    const key = `${name}\u0000${where}`;
    const entry = functions.get(key) ?? { name, where, selfMs: 0 };
    entry.selfMs += us / 1000;
    functions.set(key, entry);
    const pkg = packageOf(name, location);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us / 1000);
    totalUs += us;
    if (name === '(idle)') idleUs += us;
  }
  const byTime = (a, b) => b.selfMs - a.selfMs;
  return {
    sampledMs: totalUs / 1000,
    busyMs: (totalUs - idleUs) / 1000,
    windowMs: windowStart === undefined ? 0 : (windowEnd - windowStart) / 1000,
    functions: [...functions.values()].sort(byTime),
    packages: [...packages].map(([name, selfMs]) => ({ name, selfMs })).sort(byTime),
  };
}

function pct(part, whole) {
  return whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '-';
}

/** Markdown: percentages are of busy time (everything but idle). */
export function renderProfileSummary(summary, { top = 25 } = {}) {
  const lines = [
    `Sampled ${summary.sampledMs.toFixed(0)} ms over a ${summary.windowMs.toFixed(0)} ms window; ` +
      `busy (not idle) ${summary.busyMs.toFixed(0)} ms. Percentages are of busy time.`,
    '',
    '| self ms | % busy | function | where |',
    '| ---: | ---: | --- | --- |',
    ...summary.functions
      .filter((f) => f.name !== '(idle)')
      .slice(0, top)
      .map(
        (f) =>
          `| ${f.selfMs.toFixed(1)} | ${pct(f.selfMs, summary.busyMs)} | \`${f.name}\` | ${f.where || '-'} |`,
      ),
    '',
    '| self ms | % busy | package |',
    '| ---: | ---: | --- |',
    ...summary.packages
      .filter((p) => p.name !== '(idle)')
      .slice(0, top)
      .map((p) => `| ${p.selfMs.toFixed(1)} | ${pct(p.selfMs, summary.busyMs)} | ${p.name} |`),
  ];
  return lines.join('\n');
}

function option(args, name) {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : undefined;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const file = args.find((arg, i) => !arg.startsWith('--') && !args[i - 1]?.startsWith('--'));
  if (!file) {
    console.error(
      'usage: node bench/profile-summary.mjs <file.cpuprofile> [--top N] [--from-us N] [--to-us N]',
    );
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const summary = summariseProfile(profile, {
    fromUs: option(args, '--from-us'),
    toUs: option(args, '--to-us'),
  });
  console.log(renderProfileSummary(summary, { top: option(args, '--top') ?? 25 }));
}
