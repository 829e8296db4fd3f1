# syntax=docker/dockerfile:1
# EventFlow API image. Build: docker build -t eventflow .
# Run: docker run -e DATABASE_URL=... -e JWT_SECRET=... -p 3000:3000 eventflow
# (or `docker compose --profile full up -d --build`; Cloud Run: deploy/README.md).

# The Node major is the one in .nvmrc (CI and `npm run bench` run on it too): Node 26, the Active LTS.
ARG NODE_IMAGE=node:26-bookworm-slim

# ---- build: install everything from the lockfile, generate the Prisma client, compile to dist/ ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV CHECKPOINT_DISABLE=1 \
    PRISMA_HIDE_UPDATE_MESSAGE=1 \
    SCARF_ANALYTICS=false
# Manifests, schema and the Prisma scripts first, so this layer is rebuilt only when they change.
COPY package.json package-lock.json ./
COPY prisma ./prisma
COPY prisma.config.ts ./
COPY scripts/prisma ./scripts/prisma
# --ignore-scripts: no dependency install scripts (as with npm 11 on the project's machines); the
# project's own postinstall (`prisma generate`) is run by `npm run build` below anyway.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
# prisma generate (offline, into src/generated) + nest build: dist/, generated client included.
RUN npm run build

# ---- modules: the production dependencies, trimmed to what the running app can load ----
# `npm ci --omit=dev` still brings about 500 MB (npm counts @prisma/client's optional peer, the
# Prisma CLI with Studio, TypeScript and pglite, as production); scripts/prune-runtime-modules.mjs
# keeps only what package.json's dependencies reach, and of Prisma's query compilers only the one
# dist/ names: about 90 MB.
FROM ${NODE_IMAGE} AS modules
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the client is already compiled into dist/.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY --from=build /app/dist ./dist
COPY scripts/prune-runtime-modules.mjs ./scripts/prune-runtime-modules.mjs
RUN node scripts/prune-runtime-modules.mjs

# ---- runtime: the trimmed dependencies, the compiled app, the migrations and the migrator ----
FROM ${NODE_IMAGE} AS runtime
# V8's heap sizes, fixed so that the image behaves the same whatever memory its host has (Node would
# size them from it: in Cloud Run's 512Mi, deploy.yml, an old generation of 256 MB and 1 MB
# semi-spaces, which means many more young collections; on a large host about 4 GB and 16 MB, and
# the heap may then grow to 4x what is live before a full collection). The app lives in about 50 MB.
# `npm run bench` runs with exactly these (bench/config.mjs). With more instance memory, raise the
# old generation to about half of it; a NODE_OPTIONS given at deploy time replaces this whole line.
ENV NODE_ENV=production \
    PORT=3000 \
    LOG_FORMAT=gcp \
    NODE_OPTIONS="--max-old-space-size=256 --max-semi-space-size=16"
WORKDIR /app
COPY package.json ./
COPY --from=modules /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Applied at start by the migrator (MIGRATE_ON_START=true, under an advisory lock), or by the
# one-off job `node scripts/prisma/migrate-deploy.mjs`. dist/infrastructure/database/migrator.js
# imports ../../../scripts/prisma/migrator.mjs, so scripts/ sits beside dist/.
COPY prisma/migrations ./prisma/migrations
COPY scripts/prisma/migrator.mjs scripts/prisma/migrate-deploy.mjs scripts/prisma/paths.mjs ./scripts/prisma/
# Files stay root-owned and read-only to the app; the app writes nothing but its logs (stdout).
USER node
EXPOSE 3000
# Slim images have no curl: Node's own fetch. 503 (database unreachable) fails the check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/api/health', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node is PID 1: main.ts handles SIGTERM and SIGINT itself (drains requests, closes connections).
# The tracing preload installs OpenTelemetry before the app loads, and only when
# OTEL_EXPORTER_OTLP_ENDPOINT is set; otherwise it loads nothing of it.
CMD ["node", "--import", "./dist/infrastructure/tracing/register.js", "dist/main.js"]
