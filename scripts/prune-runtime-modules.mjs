#!/usr/bin/env node
// Trims an `npm ci --omit=dev` node_modules down to what the running API can load; the Docker
// image runs it after the install. `--omit=dev` alone keeps about 500 MB: npm counts optional peer
// dependencies as production ones (@prisma/client's optional peer `prisma` brings the CLI, Studio,
// TypeScript, effect and pglite), and packages ship source maps, type declarations and, in
// @prisma/client, a query compiler for every database it supports.
//
// What stays: the closure of package.json "dependencies" over each package's dependencies,
// optionalDependencies and non-optional peerDependencies, resolved as Node resolves them (nearest
// node_modules up the tree), as recorded in package-lock.json; of @prisma/client's query
// compilers, only the ones the compiled app (dist/) names. What goes: everything else, plus
// *.map, *.d.ts and Markdown files. Licences stay.
//
//   node scripts/prune-runtime-modules.mjs [appDir]      (default: the current directory)
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

const appDir = path.resolve(process.argv[2] ?? '.');
const lock = JSON.parse(readFileSync(path.join(appDir, 'package-lock.json'), 'utf8'));
const packages = lock.packages;

/** Where Node finds `name` when required from the package at `from` ('' is the app itself). */
function resolveLocation(from, name) {
  let base = from;
  for (;;) {
    const candidate = base === '' ? `node_modules/${name}` : `${base}/node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (base === '') return undefined;
    const parent = base.lastIndexOf('/node_modules/');
    base = parent === -1 ? '' : base.slice(0, parent);
  }
}

function requiredNames(entry) {
  const optionalPeers = entry.peerDependenciesMeta ?? {};
  return [
    ...Object.keys(entry.dependencies ?? {}),
    ...Object.keys(entry.optionalDependencies ?? {}),
    ...Object.keys(entry.peerDependencies ?? {}).filter((name) => !optionalPeers[name]?.optional),
  ];
}

const keep = new Set();
const pending = [''];
while (pending.length > 0) {
  const location = pending.pop();
  const entry = location === '' ? { dependencies: packages[''].dependencies } : packages[location];
  for (const name of requiredNames(entry)) {
    const found = resolveLocation(location, name);
    if (found && !keep.has(found)) {
      keep.add(found);
      pending.push(found);
    }
  }
}

let removedBytes = 0;
function remove(target) {
  removedBytes += sizeOf(target);
  rmSync(target, { recursive: true, force: true });
}
function sizeOf(target) {
  const stats = statSync(target, { throwIfNoEntry: false });
  if (!stats) return 0;
  if (!stats.isDirectory()) return stats.size;
  return readdirSync(target).reduce((sum, child) => sum + sizeOf(path.join(target, child)), 0);
}

// Unreachable packages. A kept package is never nested in an unreachable one: a nested package is
// only ever resolved from inside its parent.
const unreachable = Object.keys(packages)
  .filter((location) => location.startsWith('node_modules/') && !keep.has(location))
  .filter((location) => !packages[location].link)
  .filter((location) => existsSync(path.join(appDir, location)));
for (const location of unreachable) remove(path.join(appDir, location));

// A scope whose packages all went (node_modules/@electric-sql/) goes too.
for (const entry of readdirSync(path.join(appDir, 'node_modules'))) {
  const scope = path.join(appDir, 'node_modules', entry);
  if (entry.startsWith('@') && readdirSync(scope).length === 0) rmSync(scope, { recursive: true });
}

// The query compiler the generated client loads is named in the compiled app; the others (other
// databases, the larger "fast" builds) are never loaded.
const prismaRuntime = path.join(appDir, 'node_modules/@prisma/client/runtime');
if (existsSync(prismaRuntime)) {
  const named = new Set(
    [...collectFiles(path.join(appDir, 'dist'), /\.js$/)].flatMap((file) =>
      [
        ...readFileSync(file, 'utf8').matchAll(
          /@prisma\/client\/runtime\/(query_compiler_[\w.-]+?)(?:\.m?js)?['"]/g,
        ),
      ].map((match) => match[1]),
    ),
  );
  if (named.size === 0)
    throw new Error('dist/ names no Prisma query compiler: build the app first');
  for (const file of readdirSync(prismaRuntime)) {
    if (file.startsWith('query_compiler_') && ![...named].some((stem) => file.startsWith(stem))) {
      remove(path.join(prismaRuntime, file));
    }
  }
}

for (const file of collectFiles(path.join(appDir, 'node_modules'), /(\.map|\.d\.[mc]?ts|\.md)$/i)) {
  if (!/licen[cs]e/i.test(path.basename(file))) remove(file);
}

function* collectFiles(directory, pattern) {
  if (!existsSync(directory)) return;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) yield* collectFiles(full, pattern);
    else if (entry.isFile() && pattern.test(entry.name)) yield full;
  }
}

process.stdout.write(
  `Pruned ${unreachable.length} unreachable packages and build leftovers: ${(removedBytes / 1e6).toFixed(0)} MB removed\n`,
);
