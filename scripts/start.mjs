// `npm start`: builds only when the sources changed since the last build (a build takes ~20 s and
// a start from dist/ about 2), then runs package.json's `start:prod` command, so that a change
// to how dist/main.js is launched (a --import preload, say) is made in one place.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
/** What a build reads. src/generated is left out: the build writes it from prisma/schema.prisma. */
const INPUTS = [
  'src',
  'prisma/schema.prisma',
  'tsconfig.json',
  'tsconfig.build.json',
  'nest-cli.json',
  'package-lock.json',
];
const IGNORED = new Set([path.join('src', 'generated')]);
const STAMP = path.join(ROOT, 'dist', '.sources-stamp');

function sourcesDigest() {
  const hash = createHash('sha256');
  const visit = (relative) => {
    if (IGNORED.has(relative)) return;
    const absolute = path.join(ROOT, relative);
    if (!existsSync(absolute)) return;
    if (statSync(absolute).isDirectory()) {
      for (const name of readdirSync(absolute).sort()) visit(path.join(relative, name));
      return;
    }
    hash.update(`${relative}\0`).update(readFileSync(absolute)).update('\0');
  };
  for (const input of INPUTS) visit(input);
  return hash.digest('hex');
}

const digest = sourcesDigest();
const built =
  existsSync(path.join(ROOT, 'dist', 'main.js')) &&
  existsSync(STAMP) &&
  readFileSync(STAMP, 'utf8').trim() === digest;
if (!built) {
  process.stderr.write('Building EventFlow (sources changed) …\n');
  const startedAt = process.hrtime.bigint();
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) {
    process.stderr.write(`The build failed (${build.status ?? build.signal}); not starting.\n`);
    process.exit(build.status ?? 1);
  }
  const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
  process.stderr.write(`… built in ${seconds.toFixed(1)} s\n`);
  // Written after the build: nest build empties dist/ first (deleteOutDir).
  writeFileSync(STAMP, `${digest}\n`);
}

const { scripts } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const command = scripts['start:prod'];
// `exec`: the shell becomes the server, so signals reach it directly. Only for a simple command;
// a chain (`a && b`) runs as written.
const child = spawn(/[;&|]/.test(command) ? command : `exec ${command}`, {
  cwd: ROOT,
  shell: true,
  stdio: 'inherit',
});
// A terminal's Ctrl-C reaches the server by itself (same process group); a signal sent to npm or
// to this process alone is passed on. Either way this process waits for the server to finish.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', (code, signal) => {
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  } else {
    process.exit(code ?? 1);
  }
});
