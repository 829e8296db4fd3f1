import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import type {
  AppConfig,
  MetricsConfig,
  PaymentsConfig,
  StripeSettings,
  TracingConfig,
} from './app-config.js';
import { secretProblems, secretWeakness } from './jwt-secret-rules.js';

/** Named in the refusal so an operator sees what exactly would be exposed. */
export const DEMO_ADMIN_SIGN_IN = 'admin@ticketmaster.test / admin1234';

/** A configuration problem that must stop the start, naming the variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  string(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === '' ? undefined : value;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      this.problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return Number(raw);
  }

  boolean(name: string, fallback: boolean): boolean {
    const raw = this.string(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['true', '1', 'yes'].includes(raw)) return true;
    if (['false', '0', 'no'].includes(raw)) return false;
    this.problems.push(`${name} must be true or false (got "${raw}")`);
    return fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      this.problems.push(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
      return fallback;
    }
    return raw as T;
  }

  url(name: string, protocols: string[]): string | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    let protocol: string;
    try {
      protocol = new URL(raw).protocol;
    } catch {
      this.problems.push(`${name} is not a valid URL`);
      return undefined;
    }
    if (!protocols.includes(protocol)) {
      this.problems.push(`${name} must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
      return undefined;
    }
    return raw;
  }

  /** Comma-separated values, trimmed; empty entries dropped. */
  list(name: string): string[] {
    return (this.string(name) ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '');
  }

  /** `15m`, `1h`, `900s` or a bare number of seconds, as JWT_EXPIRES_IN is usually written. */
  duration(name: string, fallbackSeconds: number): number {
    const raw = this.string(name);
    if (raw === undefined) return fallbackSeconds;
    const match = /^(\d+)\s*([smhd]?)$/.exec(raw);
    const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 } as const;
    const seconds = match ? Number(match[1]) * unit[match[2] as keyof typeof unit] : NaN;
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > 86400) {
      this.problems.push(
        `${name} must be a duration such as 15m, 1h or 900 (1 s to 24 h; got "${raw}")`,
      );
      return fallbackSeconds;
    }
    return seconds;
  }
}

/**
 * The slow-client timeouts. Headers come first, so their limit cannot exceed the whole request's
 * (Node refuses to start otherwise); the keep-alive default outlasts the 60 s idle timeout of
 * common load balancers, so they, not we, close an idle connection and never race our close.
 */
function readHttpTimeouts(read: EnvReader): AppConfig['http'] {
  const requestTimeoutMs = read.integer('HTTP_REQUEST_TIMEOUT_MS', 20_000, 100, 600_000);
  const headersTimeoutMs = read.integer('HTTP_HEADERS_TIMEOUT_MS', 10_000, 100, 600_000);
  if (headersTimeoutMs > requestTimeoutMs) {
    read.problems.push('HTTP_HEADERS_TIMEOUT_MS must not be longer than HTTP_REQUEST_TIMEOUT_MS');
  }
  return {
    requestTimeoutMs,
    headersTimeoutMs,
    keepAliveTimeoutMs: read.integer('HTTP_KEEP_ALIVE_TIMEOUT_MS', 65_000, 100, 600_000),
  };
}

/**
 * A deployment says where its money goes: in production there is no default, because the test
 * provider approves any card; elsewhere the test provider is the default.
 */
function readPayments(read: EnvReader, nodeEnv: AppConfig['nodeEnv']): PaymentsConfig {
  const given = read.string('PAYMENT_PROVIDER');
  if (given === undefined && nodeEnv === 'production') {
    read.problems.push(
      'PAYMENT_PROVIDER is required when NODE_ENV=production: stripe (real money) or test (no money moves)',
    );
  }
  const provider = read.oneOf('PAYMENT_PROVIDER', ['test', 'stripe'] as const, 'test');
  let stripe: StripeSettings | undefined;
  if (provider === 'stripe') {
    const secretKey = read.string('STRIPE_SECRET_KEY');
    const webhookSecret = read.string('STRIPE_WEBHOOK_SECRET');
    if (secretKey === undefined || !/^(sk|rk)_(test|live)_\w+$/.test(secretKey)) {
      read.problems.push(
        'STRIPE_SECRET_KEY must be a Stripe secret or restricted key (sk_live_..., sk_test_..., rk_...) when PAYMENT_PROVIDER=stripe',
      );
    }
    if (webhookSecret === undefined || !/^whsec_\w+$/.test(webhookSecret)) {
      read.problems.push(
        "STRIPE_WEBHOOK_SECRET must be the webhook endpoint's signing secret (whsec_...) when PAYMENT_PROVIDER=stripe",
      );
    }
    const apiUrl = read.url('STRIPE_API_URL', ['http:', 'https:']);
    stripe = {
      secretKey: secretKey ?? '',
      webhookSecret: webhookSecret ?? '',
      apiUrl: apiUrl === undefined ? undefined : new URL(apiUrl),
    };
  }
  return {
    provider,
    providerChosen: given !== undefined,
    stripe,
    attemptLeaseSeconds: read.integer('PAYMENT_ATTEMPT_LEASE_SECONDS', 60, 1, 3600),
  };
}

/**
 * The demo accounts have published passwords (an ADMIN among them), so a production database gets
 * them only when the deployment says so twice; by default production loads nothing.
 */
function readDemoData(read: EnvReader, nodeEnv: AppConfig['nodeEnv'], warnings: string[]): boolean {
  const production = nodeEnv === 'production';
  const seed = read.boolean(
    'SEED_DEMO_DATA',
    read.string('DATABASE_URL') === undefined && !production,
  );
  const allowedInProduction = read.boolean('SEED_DEMO_DATA_IN_PRODUCTION', false);
  if (seed && production && !allowedInProduction) {
    read.problems.push(
      `SEED_DEMO_DATA=true is refused when NODE_ENV=production: the demo accounts have published passwords (${DEMO_ADMIN_SIGN_IN}). ` +
        'Create the first organizer with `npm run admin:create`, or set SEED_DEMO_DATA_IN_PRODUCTION=true for a throwaway demo',
    );
  }
  if (seed && production && allowedInProduction) {
    warnings.push(
      `SEED_DEMO_DATA_IN_PRODUCTION=true: an empty database gets the demo accounts, whose passwords are published (${DEMO_ADMIN_SIGN_IN})`,
    );
  }
  return seed;
}

export const LOOPBACK = /^(127(\.\d{1,3}){3}|::1|localhost)$/i;

/**
 * The demo data's admin password is published, so a start that serves it listens on loopback
 * unless HOST says otherwise (a container needs 0.0.0.0 for its port mapping); then it warns.
 */
function readHost(read: EnvReader, seedDemoData: boolean, warnings: string[]): string {
  const given = read.string('HOST');
  if (given === undefined) return seedDemoData ? '127.0.0.1' : '0.0.0.0';
  if (
    isIP(given) === 0 &&
    !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(given)
  ) {
    read.problems.push(
      `HOST must be an IP address or a host name, such as 0.0.0.0 or 127.0.0.1 (got "${given}")`,
    );
    return '127.0.0.1';
  }
  if (seedDemoData && !LOOPBACK.test(given)) {
    warnings.push(
      `HOST=${given} serves the demo data beyond this machine: its accounts' passwords are published (${DEMO_ADMIN_SIGN_IN})`,
    );
  }
  return given;
}

/**
 * /metrics counts sales: outside production it is open as a developer expects; in production it
 * is served only when the deployment says how it is protected, by a token or by a port of its own
 * that only the internal network reaches.
 */
function readMetrics(
  read: EnvReader,
  nodeEnv: AppConfig['nodeEnv'],
  apiPort: number,
  warnings: string[],
): MetricsConfig {
  const token = read.string('METRICS_TOKEN');
  if (token !== undefined && !/^[\x21-\x7e]{24,}$/.test(token)) {
    read.problems.push(
      'METRICS_TOKEN must be at least 24 printable characters without spaces, such as the output of `openssl rand -hex 32`',
    );
  }
  const port =
    read.string('METRICS_PORT') === undefined
      ? undefined
      : read.integer('METRICS_PORT', 0, 0, 65535);
  if (port !== undefined && port !== 0 && port === apiPort) {
    read.problems.push(`METRICS_PORT must differ from PORT (both are ${port})`);
  }
  if (port !== undefined) return { exposure: 'own-port', port, token };
  if (token !== undefined || nodeEnv !== 'production') return { exposure: 'api-port', port, token };
  warnings.push(
    '/metrics is closed (404): in production it needs METRICS_TOKEN (scrapes send Authorization: Bearer <token>) or METRICS_PORT (a listener of its own, for the internal network)',
  );
  return { exposure: 'closed', port, token };
}

function readJobs(read: EnvReader): AppConfig['jobs'] {
  return {
    workerEnabled: read.boolean('JOB_WORKER_ENABLED', true),
    concurrency: read.integer('JOB_CONCURRENCY', 8, 1, 100),
    pollIntervalMs: read.integer('JOB_POLL_INTERVAL_MS', 1_000, 50, 60_000),
    staleLockSeconds: read.integer('JOB_STALE_LOCK_SECONDS', 300, 1, 14_400),
  };
}

function readWebhooks(read: EnvReader, nodeEnv: AppConfig['nodeEnv']): AppConfig['webhooks'] {
  const allowPrivateUrls = read.boolean('WEBHOOK_ALLOW_PRIVATE_URLS', false);
  if (allowPrivateUrls && nodeEnv === 'production') {
    read.problems.push(
      'WEBHOOK_ALLOW_PRIVATE_URLS=true is for development and tests only: in production it would let an endpoint reach internal services',
    );
  }
  const rawScale = read.string('WEBHOOK_RETRY_SCALE');
  let retryScale = 1;
  if (rawScale !== undefined) {
    retryScale = Number(rawScale);
    if (!/^\d*\.?\d+(e-?\d+)?$/i.test(rawScale) || !(retryScale > 0) || retryScale > 1) {
      read.problems.push(
        `WEBHOOK_RETRY_SCALE must be a number above 0 and at most 1 (got "${rawScale}")`,
      );
      retryScale = 1;
    }
  }
  return {
    allowPrivateUrls,
    retryScale,
    timeoutMs: read.integer('WEBHOOK_TIMEOUT_MS', 15_000, 100, 60_000),
  };
}

function readMail(read: EnvReader, nodeEnv: AppConfig['nodeEnv'], port: number): AppConfig['mail'] {
  const smtpUrl = read.url('SMTP_URL', ['smtp:', 'smtps:']);
  if (smtpUrl === undefined && nodeEnv === 'production') {
    read.problems.push(
      'SMTP_URL is required when NODE_ENV=production: order confirmations and password resets are sent by email',
    );
  }
  const passwordResetUrl = read.url('PASSWORD_RESET_URL', ['http:', 'https:']);
  if (
    passwordResetUrl === undefined &&
    nodeEnv === 'production' &&
    read.string('PASSWORD_RESET_URL') === undefined
  ) {
    read.problems.push(
      'PASSWORD_RESET_URL is required when NODE_ENV=production: the page a password-reset email links to (the default, this API on localhost, is no address for a user)',
    );
  }
  return {
    smtpUrl,
    from: read.string('MAIL_FROM') ?? 'EventFlow <no-reply@eventflow.invalid>',
    passwordResetUrl:
      passwordResetUrl ?? `http://localhost:${port}/api/auth/password-reset/confirm`,
  };
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const LOG_FORMATS = ['json', 'gcp', 'pretty'] as const;

/**
 * OpenTelemetry's own variable names and meanings (the base URL gets `/v1/traces`; the traces
 * endpoint is used as given), so a collector's usual settings work unchanged. Unset: no tracing.
 */
function readTracing(read: EnvReader): TracingConfig | undefined {
  const tracesEndpoint = read.url('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', ['http:', 'https:']);
  const baseEndpoint = read.url('OTEL_EXPORTER_OTLP_ENDPOINT', ['http:', 'https:']);
  const rawRatio = read.string('OTEL_TRACES_SAMPLER_ARG');
  let samplerRatio = 1;
  if (rawRatio !== undefined) {
    samplerRatio = Number(rawRatio);
    if (!/^\d*\.?\d+$/.test(rawRatio) || samplerRatio > 1) {
      read.problems.push(`OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1 (got "${rawRatio}")`);
      samplerRatio = 1;
    }
  }
  const serviceName = read.string('OTEL_SERVICE_NAME') ?? 'eventflow';
  const exportDelayMs = read.integer('OTEL_BSP_SCHEDULE_DELAY', 5_000, 1, 600_000);
  const tracesUrl = tracesEndpoint ?? baseEndpoint?.replace(/\/*$/, '/v1/traces');
  if (tracesUrl === undefined) return undefined;
  return { tracesUrl, serviceName, samplerRatio, exportDelayMs };
}

/**
 * The tracing part alone, for the preload that must install tracing before the app's modules load
 * (src/infrastructure/tracing/register.ts). A problem here is left for loadConfig to report with
 * all the others: tracing is then simply not installed.
 */
export function loadTracingConfig(env: Env): TracingConfig | undefined {
  const read = new EnvReader(env);
  const tracing = readTracing(read);
  return read.problems.length === 0 ? tracing : undefined;
}

/**
 * Reads and validates the environment once. Every problem is collected so a bad start names
 * all of them at once rather than one per restart.
 */
export function loadConfig(
  env: Env,
  cwd: string = process.cwd(),
  stdoutIsTty: boolean = process.stdout.isTTY === true,
): AppConfig {
  const read = new EnvReader(env);
  const nodeEnv = read.oneOf(
    'NODE_ENV',
    ['development', 'production', 'test'] as const,
    'development',
  );

  const warnings: string[] = [];
  const givenSecret = read.string('JWT_SECRET');
  if (givenSecret === undefined && nodeEnv === 'production') {
    read.problems.push('JWT_SECRET is required when NODE_ENV=production');
  }
  if (givenSecret !== undefined) {
    read.problems.push(...secretProblems(givenSecret));
    const weakness = secretWeakness(givenSecret);
    if (weakness !== undefined)
      (nodeEnv === 'production' ? read.problems : warnings).push(weakness);
  }

  const databaseUrl = read.url('DATABASE_URL', ['postgres:', 'postgresql:']);
  const seedDemoData = readDemoData(read, nodeEnv, warnings);
  const orderHoldSeconds = read.integer('ORDER_HOLD_SECONDS', 900, 1, 86400);
  const port = read.integer('PORT', 3000, 0, 65535);
  const config: AppConfig = {
    nodeEnv,
    port,
    host: readHost(read, seedDemoData, warnings),
    hostExplicit: read.string('HOST') !== undefined,
    docsEnabled: read.boolean('DOCS_ENABLED', true),
    metrics: readMetrics(read, nodeEnv, port, warnings),
    databaseUrl,
    databasePoolSize: read.integer('DATABASE_POOL_SIZE', 10, 1, 500),
    databasePoolTimeoutMs: read.integer('DATABASE_POOL_TIMEOUT_MS', 5_000, 50, 60_000),
    databaseStatementTimeoutMs: read.integer('DATABASE_STATEMENT_TIMEOUT_MS', 30_000, 100, 600_000),
    redisUrl: read.url('REDIS_URL', ['redis:', 'rediss:']),
    redisKeyPrefix: read.string('REDIS_KEY_PREFIX') ?? 'eventflow:',
    redisCommandTimeoutMs: read.integer('REDIS_COMMAND_TIMEOUT_MS', 200, 10, 10000),
    jwt: {
      secret: givenSecret ?? randomBytes(48).toString('base64url'),
      secretGenerated: givenSecret === undefined,
      accessTtlSeconds: read.duration('JWT_EXPIRES_IN', 15 * 60),
      refreshTtlSeconds: read.integer('REFRESH_TOKEN_TTL_DAYS', 30, 1, 365) * 86400,
    },
    throttle: {
      ttlSeconds: read.integer('THROTTLE_TTL', 60, 1, 86400),
      limit: read.integer('THROTTLE_LIMIT', 100, 1, 100_000_000),
    },
    loginThrottle: {
      ttlSeconds: read.integer('LOGIN_THROTTLE_TTL', 60, 1, 86400),
      limit: read.integer('LOGIN_THROTTLE_LIMIT', 5, 1, 100_000_000),
    },
    purchaseThrottle: {
      ttlSeconds: read.integer('PURCHASE_THROTTLE_TTL', 60, 1, 86400),
      limit: read.integer('PURCHASE_THROTTLE_LIMIT', 20, 1, 100_000_000),
    },
    probeThrottle: {
      ttlSeconds: read.integer('PROBE_THROTTLE_TTL', 10, 1, 86400),
      limit: read.integer('PROBE_THROTTLE_LIMIT', 300, 1, 100_000_000),
    },
    apiKeyThrottle: {
      ttlSeconds: read.integer('API_KEY_THROTTLE_TTL', 60, 1, 86400),
      limit: read.integer('API_KEY_THROTTLE_LIMIT', 600, 1, 100_000_000),
    },
    http: readHttpTimeouts(read),
    trustProxyHops: read.integer('TRUST_PROXY_HOPS', 0, 0, 10),
    corsOrigins: read.list('CORS_ORIGINS'),
    cacheTtlSeconds: read.integer('CACHE_TTL', 30, 1, 86400),
    orderHoldSeconds,
    payments: readPayments(read, nodeEnv),
    // A quarter of the hold, between 250 ms and 5 s: stock comes back soon after a hold ends.
    orderSweepIntervalMs: read.integer(
      'ORDER_SWEEP_INTERVAL_MS',
      Math.min(5_000, Math.max(250, orderHoldSeconds * 250)),
      0,
      3_600_000,
    ),
    logLevel: read.oneOf('LOG_LEVEL', LOG_LEVELS, nodeEnv === 'test' ? 'silent' : 'info'),
    logFormat: read.oneOf('LOG_FORMAT', LOG_FORMATS, stdoutIsTty ? 'pretty' : 'json'),
    googleCloudProject: read.string('GOOGLE_CLOUD_PROJECT'),
    tracing: readTracing(read),
    seedDemoData,
    migrateOnStart: read.boolean('MIGRATE_ON_START', true),
    dataDir: resolve(cwd, read.string('DATA_DIR') ?? '.data'),
    jobs: readJobs(read),
    webhooks: readWebhooks(read, nodeEnv),
    mail: readMail(read, nodeEnv, port),
    warnings,
  };

  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return config;
}
