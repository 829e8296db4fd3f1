// `prisma generate` offline. Every Prisma CLI command first makes sure it has the native schema
// engine and downloads it if missing, which fails with no network; `generate` never runs that
// engine, so pointing PRISMA_SCHEMA_ENGINE_BINARY at any existing file (the node binary here)
// skips the download. Extra arguments are passed through.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ROOT } from './paths.mjs';

let prismaPackage;
try {
  prismaPackage = createRequire(import.meta.url).resolve('prisma/package.json');
} catch {
  // A production install (`npm ci --omit=dev`) has no Prisma CLI and needs none: the client is
  // compiled into dist/ by the build. Nothing to generate.
  console.log('prisma is not installed (production install): skipping prisma generate');
  process.exit(0);
}
const cli = path.join(path.dirname(prismaPackage), 'build', 'index.js');

const result = spawnSync(process.execPath, [cli, 'generate', ...process.argv.slice(2)], {
  cwd: ROOT,
  stdio: 'inherit',
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || process.execPath,
    CHECKPOINT_DISABLE: '1', // no update check: it would only wait on the network
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
  },
});
if (result.error) throw result.error;
process.exit(result.status ?? 1);
