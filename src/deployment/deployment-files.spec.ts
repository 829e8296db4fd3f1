import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, join, posix, resolve } from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../config/load-config.js';

/**
 * Static checks of the deployment files (no Docker engine needed): the Dockerfile, .dockerignore,
 * docker-compose.yml and the GitHub workflows, against each other and against the code they ship.
 */
const ROOT = resolve(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

// ---- Dockerfile --------------------------------------------------------------------------------

interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  image: string;
  name: string | undefined;
  instructions: Instruction[];
}

function parseDockerfile(text: string): Stage[] {
  const lines: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const whole = (pending + line).trim();
    pending = '';
    if (whole) lines.push(whole);
  }
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, keyword, args] = /^(\S+)\s*(.*)$/.exec(line)!;
    const upper = keyword.toUpperCase();
    if (upper === 'FROM') {
      const [image, as, name] = args.split(/\s+/);
      stages.push({
        image: image.replace(/\$\{(\w+)\}/g, (_, arg: string) => globalArgs.get(arg) ?? ''),
        name: as?.toUpperCase() === 'AS' ? name : undefined,
        instructions: [],
      });
    } else if (stages.length === 0 && upper === 'ARG') {
      const [name, value = ''] = args.split('=');
      globalArgs.set(name, value);
    } else {
      stages.at(-1)?.instructions.push({ keyword: upper, args });
    }
  }
  return stages;
}

const all = (stage: Stage, keyword: string) =>
  stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
const workdir = (stage: Stage) => all(stage, 'WORKDIR').at(-1) ?? '/';

interface Copy {
  from: string | undefined;
  sources: string[];
  destination: string;
}
function copies(stage: Stage): Copy[] {
  return all(stage, 'COPY').map((args) => {
    const words = args.split(/\s+/);
    const flags = words.filter((w) => w.startsWith('--'));
    const paths = words.filter((w) => !w.startsWith('--'));
    const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
    return {
      from,
      sources: paths.slice(0, -1),
      destination: posix.resolve(workdir(stage), paths.at(-1)!),
    };
  });
}

/** Where a file of the repository ends up in the stage's image, if a COPY from the context ships it. */
function pathInImage(stage: Stage, repoPath: string): string | undefined {
  for (const copy of copies(stage).filter((c) => c.from === undefined)) {
    for (const source of copy.sources) {
      const into = copy.sources.length > 1 || copy.destination.endsWith('/');
      if (repoPath === source) {
        return into ? posix.join(copy.destination, basename(source)) : copy.destination;
      }
      if (repoPath.startsWith(`${source}/`)) {
        return posix.join(copy.destination, repoPath.slice(source.length + 1));
      }
    }
  }
  return undefined;
}

/** The relative and bare imports of an ES module, by their specifiers. */
function importsOf(source: string): string[] {
  return [...source.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gm)].map((m) => m[1]);
}

const stages = parseDockerfile(read('Dockerfile'));
const build = stages[0];
const runtime = stages.at(-1)!;
/** The runtime stage's `ENV NAME=value ...` lines, which compose and Cloud Run add to. */
const imageEnvironment = Object.fromEntries(
  all(runtime, 'ENV').flatMap((args) =>
    [...args.matchAll(/(\w+)=(?:"([^"]*)"|(\S*))/g)].map(([, name, quoted, plain]) => [
      name,
      quoted ?? plain,
    ]),
  ),
) as Record<string, string>;
const packageJson = JSON.parse(read('package.json')) as {
  engines: { node: string };
  dependencies: Record<string, string>;
};

describe('Dockerfile', () => {
  const imageNode = `node:${read('.nvmrc').trim()}-bookworm-slim`;
  const modules = stages.find((stage) => stage.name === 'modules')!;

  it('builds, installs and runs on the Node major of .nvmrc (what CI and the bench run)', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(read('Dockerfile')).toContain(`ARG NODE_IMAGE=${imageNode}\n`);
    for (const stage of stages) expect(stage.image).toBe(imageNode);
    expect(runtime.name).not.toBe(build.name);
  });

  it('installs from the lockfile and compiles in the build stage', () => {
    const runs = all(build, 'RUN').join('\n');
    expect(runs).toMatch(/\bnpm ci\b/);
    expect(runs).toMatch(/\bnpm run build\b/);
  });

  it('installs only production dependencies, trimmed by the prune script against dist/', () => {
    const runs = all(modules, 'RUN');
    expect(runs[0]).toMatch(/\bnpm ci\b[^\n&]*--omit=dev/);
    expect(runs.at(-1)).toBe('node scripts/prune-runtime-modules.mjs');
    expect(copies(modules)).toContainEqual({
      from: build.name,
      sources: [posix.join(workdir(build), 'dist')],
      destination: posix.join(workdir(modules), 'dist'),
    });
    expect(pathInImage(modules, 'scripts/prune-runtime-modules.mjs')).toBe(
      posix.join(workdir(modules), 'scripts/prune-runtime-modules.mjs'),
    );
  });

  it('runs with the trimmed node_modules and the dist/ of the build, installing nothing itself', () => {
    expect(all(runtime, 'RUN').join('\n')).not.toMatch(/\bnpm\b/);
    const fromStages = copies(runtime).filter((c) => c.from !== undefined);
    expect(fromStages).toEqual([
      {
        from: 'modules',
        sources: [posix.join(workdir(modules), 'node_modules')],
        destination: posix.join(workdir(runtime), 'node_modules'),
      },
      {
        from: build.name,
        sources: [posix.join(workdir(build), 'dist')],
        destination: posix.join(workdir(runtime), 'dist'),
      },
    ]);
  });

  it('runs as a non-root user, set before the command', () => {
    const user = all(runtime, 'USER').at(-1);
    expect(user).toBeDefined();
    expect(user!.split(':')[0]).not.toMatch(/^(root|0)$/);
    const keywords = runtime.instructions.map((i) => i.keyword);
    expect(keywords.lastIndexOf('USER')).toBeLessThan(keywords.lastIndexOf('CMD'));
  });

  it('sets NODE_ENV=production, exposes 3000 and starts dist/main.js behind the tracing preload', () => {
    expect(imageEnvironment.NODE_ENV).toBe('production');
    expect(all(runtime, 'EXPOSE')).toContain('3000');
    expect(JSON.parse(all(runtime, 'CMD').at(-1)!)).toEqual([
      'node',
      '--import',
      './dist/infrastructure/tracing/register.js',
      'dist/main.js',
    ]);
  });

  it('writes Cloud Logging structured lines by default (LOG_FORMAT=gcp)', () => {
    expect(imageEnvironment.LOG_FORMAT).toBe('gcp');
  });

  it('caps the heap as the benchmark measures it (the same NODE_OPTIONS in bench/config.mjs)', () => {
    expect(imageEnvironment.NODE_OPTIONS).toMatch(
      /^--max-old-space-size=\d+ --max-semi-space-size=\d+$/,
    );
    const benchOptions = /apiNodeOptions: '([^']*)'/.exec(read('bench/config.mjs'))?.[1];
    expect(benchOptions).toBe(imageEnvironment.NODE_OPTIONS);
  });

  it('ships the migrations where the app looks for them (prisma/migrations under the working directory)', () => {
    expect(pathInImage(runtime, 'prisma/migrations')).toBe(
      posix.join(workdir(runtime), 'prisma/migrations'),
    );
  });

  it('ships scripts/prisma/migrator.mjs where dist/infrastructure/database/migrator.js imports it', () => {
    const specifier = importsOf(read('src/infrastructure/database/migrator.ts')).find((s) =>
      s.endsWith('migrator.mjs'),
    );
    expect(specifier).toBeDefined();
    const distDir = posix.join(workdir(runtime), 'dist/infrastructure/database');
    expect(pathInImage(runtime, 'scripts/prisma/migrator.mjs')).toBe(
      posix.resolve(distDir, specifier!),
    );
  });

  it('ships migrate-deploy.mjs with every module it imports, bare ones as production dependencies', () => {
    const seen = new Set<string>();
    const visit = (repoPath: string) => {
      if (seen.has(repoPath)) return;
      seen.add(repoPath);
      // Same layout as the repository: paths.mjs finds the migrations relative to itself.
      expect(pathInImage(runtime, repoPath)).toBe(posix.join(workdir(runtime), repoPath));
      for (const specifier of importsOf(read(repoPath))) {
        if (specifier.startsWith('.')) visit(posix.join(posix.dirname(repoPath), specifier));
        else if (!specifier.startsWith('node:')) {
          expect(packageJson.dependencies).toHaveProperty([specifier.split('/')[0]]);
        }
      }
    };
    visit('scripts/prisma/migrate-deploy.mjs');
    expect([...seen].sort()).toEqual(
      expect.arrayContaining(['scripts/prisma/migrator.mjs', 'scripts/prisma/paths.mjs']),
    );
  });

  describe('HEALTHCHECK', () => {
    const healthcheck = all(runtime, 'HEALTHCHECK').at(-1)!;
    const command = JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD') + 3)) as string[];

    it('asks GET /api/health with Node itself (no curl in slim images)', () => {
      expect(command.slice(0, 2)).toEqual(['node', '-e']);
      expect(command[2]).toContain('/api/health');
      expect(healthcheck).not.toMatch(/\b(curl|wget)\b/);
    });

    async function exitCodeAgainst(status: number): Promise<number | null> {
      const paths: string[] = [];
      const server = createServer((request, response) => {
        paths.push(request.url ?? '');
        response.writeHead(request.url === '/api/health' ? status : 404).end('{}');
      });
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      const { port } = server.address() as AddressInfo;
      try {
        return await new Promise((done) => {
          execFile(
            process.execPath,
            command.slice(1),
            { env: { ...process.env, PORT: String(port) }, timeout: 10_000 },
            (error) => done(error ? (typeof error.code === 'number' ? error.code : null) : 0),
          );
        });
      } finally {
        server.close();
        expect(paths).toEqual(['/api/health']);
      }
    }

    it('passes on 200 and fails on 503 (database unreachable), on $PORT', async () => {
      expect(await exitCodeAgainst(200)).toBe(0);
      expect(await exitCodeAgainst(503)).toBe(1);
    });
  });
});

// ---- .dockerignore -----------------------------------------------------------------------------

function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    if (pattern.startsWith('**/', i)) {
      source += '(?:.*/)?';
      i += 2;
    } else if (pattern.startsWith('**', i)) {
      source += '.*';
      i += 1;
    } else if (pattern[i] === '*') source += '[^/]*';
    else if (pattern[i] === '?') source += '[^/]';
    else source += pattern[i].replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** Docker's rules: the last matching line wins, and a line matching a parent directory counts. */
function excludedFromContext(rules: string[], path: string): boolean {
  const parts = path.split('/');
  let excluded = false;
  for (const rule of rules) {
    const negated = rule.startsWith('!');
    const pattern = globToRegExp((negated ? rule.slice(1) : rule).replace(/^\/+|\/+$/g, ''));
    if (parts.some((_, i) => pattern.test(parts.slice(0, i + 1).join('/')))) excluded = !negated;
  }
  return excluded;
}

describe('.dockerignore', () => {
  const rules = read('.dockerignore')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));

  it.each([
    'node_modules/pg/package.json',
    'dist/main.js',
    '.data/postgres/PG_VERSION',
    'coverage/lcov.info',
    '.git/HEAD',
    '.env',
    'test/auth.e2e-spec.ts',
    'src/generated/prisma/client.ts',
  ])('keeps %s out of the build context', (path) => {
    expect(excludedFromContext(rules, path)).toBe(true);
  });

  it('lets in every file the Dockerfile copies from the context', () => {
    const sources = stages.flatMap((stage) =>
      copies(stage)
        .filter((c) => c.from === undefined)
        .flatMap((c) => c.sources),
    );
    expect(sources.length).toBeGreaterThan(5);
    for (const source of sources) {
      expect(existsSync(join(ROOT, source))).toBe(true);
      const files = statSync(join(ROOT, source)).isDirectory()
        ? readdirSync(join(ROOT, source), { recursive: true, withFileTypes: true })
            .filter((entry) => entry.isFile())
            .map((entry) => posix.relative(ROOT, join(entry.parentPath, entry.name)))
            .filter((path) => !path.startsWith('src/generated/') && !path.endsWith('.spec.ts'))
        : [source];
      expect(files.length).toBeGreaterThan(0);
      for (const file of files)
        expect([file, excludedFromContext(rules, file)]).toEqual([file, false]);
    }
  });
});

// ---- docker-compose.yml ------------------------------------------------------------------------

interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  profiles?: string[];
  ports?: (string | { target: number; published?: string | number })[];
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test: string | string[] };
  volumes?: (string | { source?: string })[];
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** Compose's ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error} and $$. */
function interpolate(value: string, env: Record<string, string | undefined>): string {
  return value.replace(
    /\$\$|\$\{(\w+)(?:(:?[-?])([^}]*))?\}/g,
    (match, name: string, operator: string | undefined, argument: string) => {
      if (match === '$$') return '$';
      const set = env[name];
      const missing = set === undefined || (operator?.startsWith(':') === true && set === '');
      if (operator?.endsWith('-')) return missing ? argument : set;
      if (operator?.endsWith('?') && missing) throw new Error(`${name}: ${argument}`);
      return set ?? '';
    },
  );
}

function environmentOf(service: ComposeService): Record<string, string> {
  const environment = service.environment ?? {};
  const entries = Array.isArray(environment)
    ? environment.map((line) => line.split(/=(.*)/s).slice(0, 2))
    : Object.entries(environment).map(([name, value]) => [name, String(value ?? '')]);
  return Object.fromEntries(entries) as Record<string, string>;
}

function publishedContainerPorts(service: ComposeService): number[] {
  return (service.ports ?? []).map((port) =>
    typeof port === 'string' ? Number(port.split(':').at(-1)!.split('/')[0]) : port.target,
  );
}

/** The variables src/config/load-config.ts reads: `read.<kind>('NAME'`. */
function configVariableNames(): Set<string> {
  const source = read('src/config/load-config.ts');
  return new Set([...source.matchAll(/read\.\w+\(\s*'([A-Z][A-Z0-9_]*)'/g)].map((m) => m[1]));
}

describe('docker-compose.yml', () => {
  /** What `openssl rand -base64 48` prints: a production start accepts it. */
  const GENERATED_SECRET = randomBytes(48).toString('base64');
  const compose = parse(read('docker-compose.yml')) as ComposeFile;
  const { postgres, redis, api } = compose.services;
  const known = configVariableNames();

  it('publishes the demo api on loopback only: its accounts have published passwords', () => {
    expect(environmentOf(api).SEED_DEMO_DATA_IN_PRODUCTION).toBe('true');
    expect(api.ports).toEqual(['127.0.0.1:3000:3000']);
  });

  it('has postgres, redis, the api and a mail catcher for its emails', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'mailpit', 'postgres', 'redis']);
  });

  it('runs PostgreSQL 16 on 5432 with pg_isready and a named volume', () => {
    expect(postgres.image).toBe('postgres:16-alpine');
    expect(publishedContainerPorts(postgres)).toEqual([5432]);
    expect(JSON.stringify(postgres.healthcheck?.test)).toContain('pg_isready');
    const volume = postgres.volumes?.map((v) =>
      typeof v === 'string' ? v.split(':')[0] : v.source,
    );
    expect(Object.keys(compose.volumes ?? {})).toEqual(expect.arrayContaining(volume ?? ['none']));
  });

  it('runs Redis 7 on 6379 with redis-cli ping', () => {
    expect(redis.image).toBe('redis:7-alpine');
    expect(publishedContainerPorts(redis)).toEqual([6379]);
    expect(JSON.stringify(redis.healthcheck?.test)).toMatch(/redis-cli.*ping/);
  });

  it('starts the api only with the full profile, built from the Dockerfile, after healthy dependencies', () => {
    expect(api.profiles).toEqual(['full']);
    expect(postgres.profiles).toBeUndefined();
    expect(redis.profiles).toBeUndefined();
    const buildSpec = typeof api.build === 'string' ? { context: api.build } : api.build;
    expect(buildSpec?.context).toBe('.');
    expect(buildSpec?.dockerfile ?? 'Dockerfile').toBe('Dockerfile');
    expect(api.depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
      mailpit: { condition: 'service_started' },
    });
    expect(publishedContainerPorts(api)).toEqual([3000]);
  });

  it('passes the api only variables the config loader reads', () => {
    expect(known.size).toBeGreaterThan(10);
    expect(Object.keys(environmentOf(api)).filter((name) => !known.has(name))).toEqual([]);
  });

  it('gives the api a configuration the loader accepts, reaching the services by name', () => {
    const env = Object.fromEntries(
      Object.entries(environmentOf(api)).map(([name, value]) => [
        name,
        interpolate(value, { JWT_SECRET: GENERATED_SECRET }),
      ]),
    );
    const config = loadConfig({ ...imageEnvironment, ...env });
    expect(config.nodeEnv).toBe('production');
    expect(new URL(config.databaseUrl!).hostname).toBe('postgres');
    expect(new URL(config.redisUrl!).hostname).toBe('redis');
    expect(config.seedDemoData).toBe(true);
    // The demo data alone would bind loopback, which the port mapping cannot reach.
    expect(config.host).toBe('0.0.0.0');
    expect(config.jwt).toMatchObject({ secret: GENERATED_SECRET, secretGenerated: false });
    // A demo stack says which provider it uses: the test one, which takes no money.
    expect(config.payments).toMatchObject({ provider: 'test', providerChosen: true });
    expect(new URL(config.mail.smtpUrl!).host).toBe('mailpit:1025');

    const database = new URL(config.databaseUrl!);
    const postgresEnv = environmentOf(postgres);
    expect(database.port).toBe('5432');
    expect(decodeURIComponent(database.username)).toBe(postgresEnv.POSTGRES_USER);
    expect(decodeURIComponent(database.password)).toBe(postgresEnv.POSTGRES_PASSWORD);
    expect(database.pathname).toBe(`/${postgresEnv.POSTGRES_DB}`);
  });

  it('takes JWT_SECRET from the environment only, and the api refuses to start without it', () => {
    const value = environmentOf(api).JWT_SECRET;
    expect(value).toMatch(/^\$\{JWT_SECRET(:?[-?][^}]*)?\}$/);
    // Unset: either compose stops (`:?`) or the app does (NODE_ENV=production); both name it.
    const start = () => loadConfig({ ...imageEnvironment, JWT_SECRET: interpolate(value, {}) });
    expect(start).toThrow(/JWT_SECRET/);
  });
});

// ---- GitHub workflows --------------------------------------------------------------------------

interface WorkflowStep {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
}
interface Workflow {
  on: Record<string, { tags?: string[] } | null>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress'?: boolean };
  jobs: Record<
    string,
    {
      'runs-on': string;
      if?: string;
      needs?: string | string[];
      permissions?: Record<string, string>;
      concurrency?: { group: string; 'cancel-in-progress'?: boolean };
      strategy?: { matrix?: { node?: string[] } };
      env?: Record<string, string>;
      services?: Record<
        string,
        { image: string; env?: Record<string, string>; ports?: string[]; options?: string }
      >;
      steps: WorkflowStep[];
    }
  >;
}

const workflow = (name: string) => parse(read(`.github/workflows/${name}`)) as Workflow;
const steps = (flow: Workflow) => Object.values(flow.jobs).flatMap((job) => job.steps);
const runText = (flow: Workflow) =>
  steps(flow)
    .map((s) => s.run ?? '')
    .join('\n');

describe('.github/workflows/ci.yml', () => {
  const ci = workflow('ci.yml');
  const [job] = Object.values(ci.jobs);

  it('runs .ci/run on every push and pull request', () => {
    expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push']);
    expect(existsSync(join(ROOT, '.ci/run'))).toBe(true);
    expect(runText(ci)).toMatch(/^\s*bash \.ci\/run\s*$/m);
    expect(job['runs-on']).toBe('ubuntu-latest');
  });

  it('tests only on Node versions package.json "engines" allows', () => {
    const [, major, minor] = /^>=\s*(\d+)\.(\d+)/.exec(packageJson.engines.node)!.map(Number);
    const versions = job.strategy?.matrix?.node ?? [];
    expect(versions.length).toBeGreaterThan(0);
    for (const version of versions) {
      const [vMajor, vMinor = 0] = version.split('.').map(Number);
      expect(vMajor > major || (vMajor === major && vMinor >= minor)).toBe(true);
    }
    const setupNode = steps(ci).find((s) => s.uses?.startsWith('actions/setup-node@'));
    expect(setupNode?.with?.['node-version']).toBe('${{ matrix.node }}');
  });

  it("tests on the engines floor and on the image's Node major (.nvmrc)", () => {
    const floor = /^>=\s*(\d+\.\d+)/.exec(packageJson.engines.node)![1];
    expect(job.strategy?.matrix?.node).toEqual([floor, read('.nvmrc').trim()]);
    // .ci/run would otherwise run both legs on the image's major.
    expect(job.env?.CI_USE_MACHINE_NODE).toBe('true');
    expect(read('.ci/run')).toContain('"${CI_USE_MACHINE_NODE:-}" != "true"');
  });

  it('serves PostgreSQL 16 (trust) on 5432 and Redis 7 on 6379, with health checks', () => {
    const { postgres, redis } = job.services ?? {};
    expect(postgres.image).toBe('postgres:16');
    expect(postgres.env?.POSTGRES_HOST_AUTH_METHOD).toBe('trust');
    expect(postgres.ports).toEqual(['5432:5432']);
    expect(postgres.options).toContain('pg_isready');
    expect(redis.image).toBe('redis:7');
    expect(redis.ports).toEqual(['6379:6379']);
    expect(redis.options).toContain('redis-cli ping');
  });

  it('installs the programs .ci/run probes the servers with', () => {
    const ciRun = read('.ci/run');
    const installs = runText(ci);
    if (ciRun.includes('pg_isready')) expect(installs).toContain('postgresql-client');
    if (ciRun.includes('redis-cli')) expect(installs).toContain('redis-tools');
  });
});

describe('.github/workflows/deploy.yml', () => {
  const deploy = workflow('deploy.yml');
  const run = runText(deploy);
  const known = configVariableNames();
  /** The run text of the one step that runs `command`. */
  const commandOf = (command: string) => {
    const matching = steps(deploy).filter((s) => s.run?.includes(command));
    expect(matching).toHaveLength(1);
    return matching[0].run!;
  };
  const variablesSetBy = (command: string) =>
    [...command.matchAll(/--set-(?:env-vars|secrets)="?([^"\s]+)"?/g)].flatMap((m) =>
      m[1].split(',').map((pair) => pair.split('=')[0]),
    );

  it('runs by hand or on a v* tag, with Workload Identity Federation', () => {
    expect(deploy.on).toHaveProperty('workflow_dispatch');
    expect(deploy.on.push?.tags).toEqual(['v*']);
    expect(deploy.jobs.deploy.permissions?.['id-token']).toBe('write');
    const auth = steps(deploy).find((s) => s.uses?.startsWith('google-github-actions/auth@'));
    expect(auth?.with?.workload_identity_provider).toBeTruthy();
    expect(auth?.with).not.toHaveProperty('credentials_json');
  });

  it('migrates with a one-off job running a script the image ships', () => {
    const job = commandOf('gcloud run jobs deploy');
    const script = /--args[= ]([^\s\\]+)/.exec(job)?.[1];
    expect(job).toMatch(/--command[= ]node\b/);
    expect(script).toBe('scripts/prisma/migrate-deploy.mjs');
    expect(pathInImage(runtime, script!)).toBe(posix.join(workdir(runtime), script!));
    expect(job).toContain('--execute-now');
    expect(job).toContain('--wait');
    expect(variablesSetBy(job)).toEqual(['DATABASE_URL']);
    expect(run.indexOf('gcloud run jobs deploy')).toBeLessThan(run.indexOf('gcloud run deploy'));
  });

  it('deploys the service with its secrets from Secret Manager and no migration at start', () => {
    const service = commandOf('gcloud run deploy');
    const names = variablesSetBy(service);
    expect(names).toEqual(expect.arrayContaining(['DATABASE_URL', 'JWT_SECRET', 'REDIS_URL']));
    expect(names.filter((name) => !known.has(name))).toEqual([]);
    expect(service).toMatch(/--set-secrets="?[^"\s]*JWT_SECRET=/);
    expect(service).toContain('MIGRATE_ON_START=false');
    // Real money: Stripe, its two secrets from Secret Manager too.
    expect(service).toContain('PAYMENT_PROVIDER=stripe');
    expect(service).toMatch(
      /--set-secrets="?[^"\s]*STRIPE_SECRET_KEY=[^"\s]*STRIPE_WEBHOOK_SECRET=/,
    );
    expect(service).toContain(`--port=${all(runtime, 'EXPOSE').at(-1)}`);
    expect(service).toMatch(/--startup-probe="?httpGet\.path=\/api\/health\b/);
  });

  // ---- the rollout: CI first, no traffic until smoke-tested, traffic in steps, rollback ----

  const deployJob = deploy.jobs.deploy;
  const deploySteps = deployJob.steps;
  /** The index in the deploy job of the one step whose run text matches. */
  const stepIndex = (pattern: RegExp) => {
    const indexes = deploySteps.flatMap((s, i) => (pattern.test(s.run ?? '') ? [i] : []));
    expect([pattern.source, indexes.length]).toEqual([pattern.source, 1]);
    return indexes[0];
  };

  it('deploys only a commit whose CI runs passed, waiting for them first', () => {
    const needs = [deployJob.needs ?? []].flat();
    expect(needs).toEqual(['ci-passed']);
    expect(deployJob.if).toBeUndefined();
    const gate = deploy.jobs['ci-passed'];
    expect(gate.permissions?.actions).toBe('read');
    const wait = gate.steps.find((s) => s.run?.includes('deploy/wait-for-ci.mjs'));
    expect(wait?.run?.trim()).toBe('node deploy/wait-for-ci.mjs "$GITHUB_SHA"');
    expect(existsSync(join(ROOT, 'deploy/wait-for-ci.mjs'))).toBe(true);
    // The workflow it waits for exists and runs on the push of the tag itself.
    expect(wait?.env?.CI_WORKFLOW).toBe('ci.yml');
    const ci = workflow('ci.yml');
    expect(ci.on).toHaveProperty('push');
    expect(ci.on.push === null || (ci.on.push.tags ?? []).includes('v*')).toBe(true);
  });

  it('builds the image under the commit sha and deploys it with no traffic at a sha- tag', () => {
    const check = deploySteps[stepIndex(/>> "\$GITHUB_ENV"[\s\S]*TAG=/)].run!;
    expect(check).toContain(
      'IMAGE=${REGION}-docker.pkg.dev/${PROJECT_ID}/${REPOSITORY}/eventflow:${GITHUB_SHA}',
    );
    expect(check).toContain('TAG=sha-${GITHUB_SHA::7}');
    const service = commandOf('gcloud run deploy');
    expect(service).toContain('--image="$IMAGE"');
    expect(service).toMatch(/traffic_flags=\(--no-traffic "--tag=\$\{TAG\}"\)/);
    expect(service).toContain('"${traffic_flags[@]}"');
  });

  it('smoke-tests the tagged revision before any traffic moves to it', () => {
    const deployed = stepIndex(/gcloud run deploy/);
    const smoke = stepIndex(/smoke-test\.mjs "\$REVISION_URL" --ready-seconds/);
    const firstTrafficChange = deploySteps.findIndex((s) => s.run?.includes('update-traffic'));
    expect(deployed).toBeLessThan(smoke);
    expect(smoke).toBeLessThan(firstTrafficChange);
    expect(deploySteps[smoke].if).toBeUndefined();
    // REVISION_URL is the tag's own URL, found in the service's traffic list by the tag.
    expect(deploySteps[deployed].run).toMatch(/select\(\.tag == \$tag\) \| \.url/);
  });

  it('moves traffic in rising steps, each watched before the next, then all of it', () => {
    const rollout = deploySteps[stepIndex(/for percent in/)].run!;
    const percents = /for percent in ([\d ]+);/.exec(rollout)![1].trim().split(/\s+/).map(Number);
    expect(percents.length).toBeGreaterThanOrEqual(2);
    expect(percents.every((p, i) => p > 0 && p < 100 && (i === 0 || p > percents[i - 1]))).toBe(
      true,
    );
    const loop = rollout.slice(rollout.indexOf('for percent in'), rollout.indexOf('\ndone'));
    const order = [
      'update-traffic',
      '--to-revisions="${NEW_REVISION}=${percent},${PREVIOUS_REVISION}=$((100 - percent))"',
      'smoke-test.mjs "$SERVICE_URL" --soak-seconds',
      'smoke-test.mjs "$REVISION_URL"',
      'error_rate_ok',
    ].map((text) => loop.indexOf(text));
    expect(order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1]))).toBe(true);
    // The error rate is the new revision's own 5xx share, from its request logs.
    expect(rollout).toMatch(/gcloud logging read[^\n]*httpRequest\.status>=500/);
    expect(rollout).toContain('resource.labels.revision_name=\\"${NEW_REVISION}\\"');
    expect(rollout.slice(rollout.indexOf('\ndone'))).toContain('--to-latest');
  });

  it('rolls all traffic back to the revision serving before, on any failure or cancel', () => {
    const noted = stepIndex(/PREVIOUS_REVISION=\$\{serving\}" >> "\$GITHUB_ENV"/);
    expect(noted).toBeLessThan(stepIndex(/gcloud run jobs deploy/));
    const rollback = deploySteps.at(-1)!;
    expect(rollback.if).toMatch(/failure\(\)/);
    expect(rollback.if).toMatch(/cancelled\(\)/);
    expect(rollback.if).toContain("env.PREVIOUS_REVISION != ''");
    expect(rollback.run).toMatch(
      /gcloud run services update-traffic "\$SERVICE"[^\n]*\\\n\s*--to-revisions="\$\{PREVIOUS_REVISION\}=100"/,
    );
    // Every other step runs only while all before it succeeded: none hides a failure.
    for (const step of deploySteps.slice(0, -1))
      expect(step.if ?? '').not.toMatch(/always|failure/);
  });

  it('gives the service METRICS_TOKEN only from its secret, and the smoke tests the same token', () => {
    expect(known.has('METRICS_TOKEN')).toBe(true);
    expect(run).toContain('METRICS_TOKEN_SECRET=,METRICS_TOKEN=${SECRET_METRICS_TOKEN}:latest');
    expect(commandOf('gcloud run deploy')).toMatch(
      /--set-secrets="[^"]*:latest\$\{METRICS_TOKEN_SECRET\}"/,
    );
    const read = deploySteps[stepIndex(/gcloud secrets versions access latest/)];
    expect(read.if).toBe("env.SECRET_METRICS_TOKEN != ''");
    expect(read.run).toContain('::add-mask::');
  });

  it('has only run blocks bash can parse', async () => {
    const blocks = steps(deploy).flatMap((s) => (s.run ? [s.run] : []));
    expect(blocks.length).toBeGreaterThan(5);
    for (const block of blocks) {
      const error = await new Promise<string | null>((done) =>
        execFile('bash', ['-n', '-c', block], (failure, _out, stderr) =>
          done(failure ? stderr : null),
        ),
      );
      expect([block.slice(0, 60), error]).toEqual([block.slice(0, 60), null]);
    }
  });

  it('never runs two rollouts at once, nor cancels one halfway', () => {
    expect(deployJob.concurrency).toEqual({
      group: 'deploy-production',
      'cancel-in-progress': false,
    });
    expect(deploy.concurrency).toBeUndefined();
  });
});
