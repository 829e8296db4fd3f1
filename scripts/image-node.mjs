#!/usr/bin/env node
// Prints the path of a Node binary of the major the Docker image runs (.nvmrc), so that CI
// (`.ci/run`) and `npm run bench` test and measure what production runs even on a machine whose
// own Node is older. The machine's Node is used when its major matches; otherwise npm's
// `node-linux-<arch>` package (the official binary, no install script) is fetched once with
// `npm pack` into ~/.cache/eventflow/. Uses nothing but Node itself: it runs before `npm ci`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function imageNodeMajor() {
  const major = readFileSync(path.join(root, '.nvmrc'), 'utf8').trim();
  if (!/^\d+$/.test(major)) throw new Error(`.nvmrc must hold a Node major, got "${major}"`);
  return Number(major);
}

export function imageNodeBinary() {
  const major = imageNodeMajor();
  if (Number(process.versions.node.split('.')[0]) === major) return process.execPath;
  if (process.platform !== 'linux' || !['x64', 'arm64'].includes(process.arch)) {
    throw new Error(
      `Node ${major} is needed (this is ${process.version}); install it, e.g. with nvm: nvm install ${major}`,
    );
  }
  const cacheRoot = path.join(
    process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'),
    'eventflow',
  );
  const target = path.join(cacheRoot, `node-${major}-linux-${process.arch}`);
  const binary = path.join(target, 'bin', 'node');
  if (existsSync(binary)) return binary;

  mkdirSync(cacheRoot, { recursive: true });
  const scratch = mkdtempSync(path.join(cacheRoot, 'download-'));
  try {
    const tarball = execFileSync(
      'npm',
      ['pack', '--silent', `node-linux-${process.arch}@${major}`, '--pack-destination', scratch],
      { cwd: scratch, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    ).trim();
    const unpacked = path.join(scratch, 'unpacked');
    mkdirSync(unpacked);
    execFileSync('tar', [
      'xzf',
      path.join(scratch, tarball),
      '-C',
      unpacked,
      '--strip-components=1',
    ]);
    // A rename, so that a download cut short never leaves a half-written binary at `target`.
    renameSync(unpacked, target);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return binary;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.stdout.write(`${imageNodeBinary()}\n`);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
