/** Everything the service reads from its environment, validated once at start. */
export interface AppConfig {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  /**
   * Bind address of the listeners: loopback when the demo data (published passwords) is served,
   * every interface otherwise; HOST overrides.
   */
  host: string;
  /**
   * HOST was set. Unset, a database whose demo admin still has its published password is served on
   * loopback only, whatever SEED_DEMO_DATA says (`decideListenHost`).
   */
  hostExplicit: boolean;
  /** Swagger UI at /docs and the document at /docs-json and /docs-yaml; false: all 404. */
  docsEnabled: boolean;
  metrics: MetricsConfig;
  /** Absent: an embedded PostgreSQL under `.data/` is started before the app. */
  databaseUrl: string | undefined;
  databasePoolSize: number;
  /**
   * Longest a request waits for a free database connection before a 503 with Retry-After; also
   * the longest any statement waits for a row lock (lock_timeout), so no request waits on a lock
   * longer than it would wait for a connection.
   */
  databasePoolTimeoutMs: number;
  /** Longest one statement may run (statement_timeout): a 503, not a request that never ends. */
  databaseStatementTimeoutMs: number;
  /** Absent: cache and rate-limit counters live in process memory. */
  redisUrl: string | undefined;
  /** Prefix of every Redis key, so several deployments (or test files) can share one Redis. */
  redisKeyPrefix: string;
  /** No Redis command may hold a request longer than this. */
  redisCommandTimeoutMs: number;
  jwt: {
    secret: string;
    /** True when no JWT_SECRET was given and a random one was made for this process. */
    secretGenerated: boolean;
    accessTtlSeconds: number;
    refreshTtlSeconds: number;
  };
  /** Rate limits: per client everywhere, per account and client on sign-in, per account on purchases. */
  throttle: { ttlSeconds: number; limit: number };
  loginThrottle: { ttlSeconds: number; limit: number };
  purchaseThrottle: { ttlSeconds: number; limit: number };
  /** Health checks and metric scrapes, per client: generous, but a flood is a 429, not load. */
  probeThrottle: { ttlSeconds: number; limit: number };
  /** Requests per API key, on top of the per-client limit: one integration cannot starve the rest. */
  apiKeyThrottle: { ttlSeconds: number; limit: number };
  /**
   * Slow clients: a request's headers must arrive within `headersTimeoutMs` and the whole request
   * within `requestTimeoutMs` (else 408); an idle keep-alive connection closes after
   * `keepAliveTimeoutMs` (longer than a load balancer's idle timeout, so it is the one to close).
   */
  http: { requestTimeoutMs: number; headersTimeoutMs: number; keepAliveTimeoutMs: number };
  /** How many proxies in front of the service to trust for the client address (X-Forwarded-For). */
  trustProxyHops: number;
  /** Origins allowed to call the API from a browser; empty: no cross-origin access. `*`: any. */
  corsOrigins: string[];
  cacheTtlSeconds: number;
  orderHoldSeconds: number;
  payments: PaymentsConfig;
  /** How often each instance expires pending orders past their hold (0: never, for tests that sweep by hand). */
  orderSweepIntervalMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /**
   * `json`: pino's lines; `gcp`: Cloud Logging's structured fields (severity, message, httpRequest,
   * trace); `pretty`: one readable line each, for a terminal (the default when stdout is one).
   */
  logFormat: 'json' | 'gcp' | 'pretty';
  /** The project a `gcp` log line's trace belongs to; absent: the line carries `traceId` instead. */
  googleCloudProject: string | undefined;
  /** OpenTelemetry traces over OTLP/HTTP; absent (no OTEL_EXPORTER_OTLP_*ENDPOINT): none. */
  tracing: TracingConfig | undefined;
  /** Load the demo accounts and events on start when the database has no users yet. */
  seedDemoData: boolean;
  /** Apply pending migrations on start (serialised across instances by an advisory lock). */
  migrateOnStart: boolean;
  /** Where the embedded PostgreSQL keeps its files when DATABASE_URL is absent. */
  dataDir: string;
  /** The PostgreSQL job queue (graphile-worker) that delivers webhooks and emails. */
  jobs: JobsConfig;
  webhooks: WebhooksConfig;
  mail: MailConfig;
  /** What is allowed but unwise (a low-variety JWT_SECRET outside production): logged at start. */
  warnings: string[];
}

export interface MetricsConfig {
  /**
   * Where GET /metrics is served: on the API's port, on a listener of its own (METRICS_PORT), or
   * nowhere (production with neither METRICS_TOKEN nor METRICS_PORT: sales counts are not public).
   */
  exposure: 'api-port' | 'own-port' | 'closed';
  /** With `own-port` only; 0 picks a free port (tests). */
  port: number | undefined;
  /** Set: a scrape must send `Authorization: Bearer <token>`, on whichever port serves it. */
  token: string | undefined;
}

export interface TracingConfig {
  /** Where spans are POSTed as OTLP/JSON. */
  tracesUrl: string;
  serviceName: string;
  /** Share of new traces recorded (a caller's sampled flag is followed either way). */
  samplerRatio: number;
  /** How long finished spans wait to be sent in one batch. */
  exportDelayMs: number;
}

export interface JobsConfig {
  /** Run queued jobs in this instance (false: it only enqueues; another instance delivers). */
  workerEnabled: boolean;
  /** Jobs one instance runs at once. */
  concurrency: number;
  /** How often an idle worker looks for jobs whose time has come (new jobs wake it at once). */
  pollIntervalMs: number;
  /**
   * A job locked longer than this belongs to an instance that died (no job of ours runs that
   * long): it is unlocked and runs again. graphile-worker alone would wait four hours.
   */
  staleLockSeconds: number;
}

export interface WebhooksConfig {
  /**
   * Deliver to loopback, private and link-local addresses: for development and tests only (the
   * start refuses it in production). Off, such endpoints are refused on creation and at delivery.
   */
  allowPrivateUrls: boolean;
  /**
   * Multiplies the retry schedule and the five days after which a failing endpoint is disabled:
   * 1 in production; tests make it small to watch a whole schedule run.
   */
  retryScale: number;
  /** Longest one delivery may take, connection to last byte. */
  timeoutMs: number;
}

export interface MailConfig {
  /** smtp:// or smtps:// with credentials; absent: mail is written to the log (not in production). */
  smtpUrl: string | undefined;
  from: string;
  /** The link in a password-reset email; the token is appended as `?token=` (or `&token=`). */
  passwordResetUrl: string;
}

export interface PaymentsConfig {
  provider: 'test' | 'stripe';
  /** False when PAYMENT_PROVIDER was not set and the test provider was picked by default. */
  providerChosen: boolean;
  /** Only with PAYMENT_PROVIDER=stripe. */
  stripe: StripeSettings | undefined;
  /**
   * How long a payment attempt may stay unsettled before the sweeper asks the provider what became
   * of it. Longer than any provider call can take.
   */
  attemptLeaseSeconds: number;
}

export interface StripeSettings {
  secretKey: string;
  webhookSecret: string;
  /** Another address for Stripe's API (a local mock such as stripe-mock); absent: Stripe itself. */
  apiUrl: URL | undefined;
}

export const APP_CONFIG = Symbol('APP_CONFIG');
