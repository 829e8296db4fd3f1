import { defineConfig } from 'prisma/config';

// The fallback keeps `prisma generate` and `prisma validate` working with no environment at all
// (they never connect); commands that do connect then aim at the local development server.
const FALLBACK_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/eventflow';

// Migrations are created and applied by scripts/prisma/*.mjs, because the native schema engine
// that `prisma migrate` needs cannot always be downloaded (offline machines, CI without egress); the
// README's "Migrations" says how they work instead.
// The two paths below are repeated in scripts/prisma/paths.mjs, which cannot load this file.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: {
    path: 'prisma/migrations',
    seed: 'node dist/cli/seed.js',
  },
  datasource: {
    url: process.env.DATABASE_URL || FALLBACK_DATABASE_URL,
  },
});
