import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_ACCOUNTS } from '../infrastructure/database/demo-data.js';
import { EXAMPLE_PLACEHOLDER_SECRET, secretWeakness } from './jwt-secret-rules.js';
import { ConfigError, loadConfig, loadTracingConfig } from './load-config.js';

/** 32 different characters: what a generated secret looks like to the variety rule. */
const STRONG_SECRET = 'k3Xv9Qp2Lm7Rz4Tn8Wc1Yb6Hd5Fg0JsE';
const PRODUCTION = {
  NODE_ENV: 'production',
  PAYMENT_PROVIDER: 'test',
  JWT_SECRET: STRONG_SECRET,
  SMTP_URL: 'smtp://mail.example.com:587',
  PASSWORD_RESET_URL: 'https://tickets.example.com/reset-password',
};

describe('loadConfig', () => {
  it('starts with no environment at all, with the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      databaseUrl: undefined,
      redisUrl: undefined,
      throttle: { ttlSeconds: 60, limit: 100 },
      cacheTtlSeconds: 30,
      orderHoldSeconds: 900,
      seedDemoData: true,
      migrateOnStart: true,
    });
    expect(config.jwt.accessTtlSeconds).toBe(900);
    expect(config.jwt.secretGenerated).toBe(true);
    expect(config.jwt.secret.length).toBeGreaterThanOrEqual(32);
  });

  it('reads every variable of API.md', () => {
    const config = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgresql://app@db:5432/eventflow',
      REDIS_URL: 'redis://cache:6379',
      JWT_SECRET: 'a'.repeat(40),
      JWT_EXPIRES_IN: '1h',
      THROTTLE_TTL: '10',
      THROTTLE_LIMIT: '5',
      CACHE_TTL: '7',
      ORDER_HOLD_SECONDS: '120',
      PROBE_THROTTLE_TTL: '5',
      PROBE_THROTTLE_LIMIT: '50',
      HTTP_HEADERS_TIMEOUT_MS: '2000',
      HTTP_REQUEST_TIMEOUT_MS: '3000',
      HTTP_KEEP_ALIVE_TIMEOUT_MS: '4000',
    });
    expect(config).toMatchObject({
      port: 8080,
      databaseUrl: 'postgresql://app@db:5432/eventflow',
      redisUrl: 'redis://cache:6379',
      jwt: { secret: 'a'.repeat(40), secretGenerated: false, accessTtlSeconds: 3600 },
      throttle: { ttlSeconds: 10, limit: 5 },
      cacheTtlSeconds: 7,
      orderHoldSeconds: 120,
      seedDemoData: false,
      probeThrottle: { ttlSeconds: 5, limit: 50 },
      http: { headersTimeoutMs: 2000, requestTimeoutMs: 3000, keepAliveTimeoutMs: 4000 },
    });
  });

  it('refuses a headers timeout longer than the whole request’s', () => {
    expect(() =>
      loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '5000', HTTP_REQUEST_TIMEOUT_MS: '1000' }),
    ).toThrow(/HTTP_HEADERS_TIMEOUT_MS must not be longer than HTTP_REQUEST_TIMEOUT_MS/);
  });

  it('names every bad variable at once', () => {
    const attempt = () =>
      loadConfig({
        PORT: 'eighty',
        DATABASE_URL: 'mysql://x',
        CACHE_TTL: '-1',
        JWT_EXPIRES_IN: 'soon',
      });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const message = (error as ConfigError).message;
      for (const name of ['PORT', 'DATABASE_URL', 'CACHE_TTL', 'JWT_EXPIRES_IN'])
        expect(message).toContain(name);
    }
  });

  it('requires JWT_SECRET in production, and a long one anywhere', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET is required/);
    expect(() => loadConfig({ JWT_SECRET: 'short' })).toThrow(/JWT_SECRET must be at least 32/);
  });

  it('refuses a production start that does not say where the money goes, naming PAYMENT_PROVIDER', () => {
    const production = {
      NODE_ENV: 'production',
      JWT_SECRET: STRONG_SECRET,
      SMTP_URL: 'smtp://mail.example.com',
      PASSWORD_RESET_URL: 'https://tickets.example.com/reset-password',
    };
    expect(() => loadConfig(production)).toThrow(
      /PAYMENT_PROVIDER is required when NODE_ENV=production/,
    );
    expect(loadConfig({ ...production, PAYMENT_PROVIDER: 'test' }).payments).toMatchObject({
      provider: 'test',
      providerChosen: true,
    });
    expect(loadConfig({}).payments).toMatchObject({ provider: 'test', providerChosen: false });
    expect(() => loadConfig({ PAYMENT_PROVIDER: 'paypal' })).toThrow(
      /PAYMENT_PROVIDER must be one of test, stripe/,
    );
  });

  it('needs Stripe’s secret key and webhook secret with PAYMENT_PROVIDER=stripe', () => {
    const attempt = () =>
      loadConfig({ PAYMENT_PROVIDER: 'stripe', STRIPE_SECRET_KEY: 'pk_test_publishable' });
    expect(attempt).toThrow(/STRIPE_SECRET_KEY must be a Stripe secret or restricted key/);
    expect(attempt).toThrow(/STRIPE_WEBHOOK_SECRET must be/);
    const config = loadConfig({
      PAYMENT_PROVIDER: 'stripe',
      STRIPE_SECRET_KEY: 'sk_live_abc123',
      STRIPE_WEBHOOK_SECRET: 'whsec_abc123',
      STRIPE_API_URL: 'http://127.0.0.1:12111',
    });
    expect(config.payments.stripe).toEqual({
      secretKey: 'sk_live_abc123',
      webhookSecret: 'whsec_abc123',
      apiUrl: new URL('http://127.0.0.1:12111'),
    });
    expect(() =>
      loadConfig({
        PAYMENT_PROVIDER: 'stripe',
        STRIPE_SECRET_KEY: 'sk_live_abc123',
        STRIPE_WEBHOOK_SECRET: 'whsec_abc123',
        STRIPE_API_URL: 'ftp://x',
      }),
    ).toThrow(/STRIPE_API_URL/);
  });

  describe('JWT_SECRET', () => {
    it('refuses .env.example’s placeholder in every environment', () => {
      const example = readFileSync(join(__dirname, '..', '..', '.env.example'), 'utf8');
      expect(example).toContain(`# JWT_SECRET=${EXAMPLE_PLACEHOLDER_SECRET}\n`);
      for (const NODE_ENV of ['development', 'test', 'production']) {
        expect(() =>
          loadConfig({ ...PRODUCTION, NODE_ENV, JWT_SECRET: EXAMPLE_PLACEHOLDER_SECRET }),
        ).toThrow(/JWT_SECRET is the placeholder of \.env\.example/);
      }
    });

    it.each([
      ['one character', 'a'.repeat(40), /only 1 different characters/],
      ['two alternating', 'ab'.repeat(20), /only 2 different characters/],
      ['few characters, mostly one', `${'a'.repeat(30)}bcdefghijkl`, /bits per character/],
      ['a piece repeated', 'abcdefghijklmnop'.repeat(2), /repeats its first 16 characters/],
      ['a word repeated', 'Summer-2026!Winter'.repeat(2), /repeats its first 18 characters/],
      [
        'the tests’ own secret',
        'test-secret-that-is-long-enough-for-hs256-signing',
        /published in this repository/,
      ],
    ])('refuses a production start with too little variety: %s', (_, secret, reason) => {
      expect(() => loadConfig({ ...PRODUCTION, JWT_SECRET: secret })).toThrow(reason);
      expect(() => loadConfig({ ...PRODUCTION, JWT_SECRET: secret })).toThrow(
        /openssl rand -base64 48/,
      );
    });

    it('only warns about too little variety outside production', () => {
      const config = loadConfig({ JWT_SECRET: 'a'.repeat(40) });
      expect(config.jwt.secret).toBe('a'.repeat(40));
      expect(config.warnings).toEqual([expect.stringMatching(/^JWT_SECRET has only 1 different/)]);
      expect(loadConfig({ JWT_SECRET: STRONG_SECRET }).warnings).toEqual([]);
    });

    it('accepts whatever openssl rand -hex 32, -base64 32 and -base64 48 print', () => {
      const generated = Array.from({ length: 3_000 }, () => [
        randomBytes(32).toString('hex'),
        randomBytes(32).toString('base64'),
        randomBytes(48).toString('base64'),
      ]).flat();
      expect(generated.filter((secret) => secretWeakness(secret) !== undefined)).toEqual([]);
      expect(loadConfig({ ...PRODUCTION, JWT_SECRET: generated[0] }).jwt.secret).toBe(generated[0]);
    });

    it('names every problem of one secret at once', () => {
      expect(() => loadConfig({ ...PRODUCTION, JWT_SECRET: 'aaaa' })).toThrow(
        /at least 32 characters[\s\S]*only 1 different characters/,
      );
    });
  });

  describe('demo data', () => {
    const admin = DEMO_ACCOUNTS.find((account) => account.role === 'ADMIN')!;

    it('is refused in production, naming the published admin sign-in and the way out', () => {
      const attempt = () => loadConfig({ ...PRODUCTION, SEED_DEMO_DATA: 'true' });
      expect(attempt).toThrow(/SEED_DEMO_DATA=true is refused when NODE_ENV=production/);
      expect(attempt).toThrow(`${admin.email} / ${admin.password}`);
      expect(attempt).toThrow(/npm run admin:create/);
      expect(attempt).toThrow(/SEED_DEMO_DATA_IN_PRODUCTION=true/);
    });

    it('is loaded in production only when forced, with a warning at every start', () => {
      const config = loadConfig({
        ...PRODUCTION,
        SEED_DEMO_DATA: 'true',
        SEED_DEMO_DATA_IN_PRODUCTION: 'true',
      });
      expect(config.seedDemoData).toBe(true);
      expect(config.warnings).toEqual([
        expect.stringContaining(`SEED_DEMO_DATA_IN_PRODUCTION=true`),
        expect.stringMatching(/^\/metrics is closed/),
      ]);
    });

    it('is off by default in production, even on the embedded database', () => {
      expect(loadConfig(PRODUCTION).seedDemoData).toBe(false);
      expect(loadConfig({}).seedDemoData).toBe(true);
      expect(() => loadConfig({ SEED_DEMO_DATA_IN_PRODUCTION: 'maybe' })).toThrow(
        /SEED_DEMO_DATA_IN_PRODUCTION must be true or false/,
      );
    });
  });

  describe('HOST', () => {
    it('is loopback whenever the demo data is served, every interface otherwise', () => {
      expect(loadConfig({}).host).toBe('127.0.0.1'); // the zero-config start: embedded, demo data
      expect(loadConfig({ SEED_DEMO_DATA: 'true', DATABASE_URL: 'postgresql://db/x' }).host).toBe(
        '127.0.0.1',
      );
      expect(loadConfig({ DATABASE_URL: 'postgresql://db/x' }).host).toBe('0.0.0.0');
      expect(loadConfig({ SEED_DEMO_DATA: 'false' }).host).toBe('0.0.0.0');
      expect(loadConfig(PRODUCTION).host).toBe('0.0.0.0');
      expect(
        loadConfig({ ...PRODUCTION, SEED_DEMO_DATA: 'true', SEED_DEMO_DATA_IN_PRODUCTION: 'true' })
          .host,
      ).toBe('127.0.0.1');
    });

    it('is taken as given, with a warning when the demo data would reach the network', () => {
      const open = loadConfig({ HOST: '0.0.0.0' });
      expect(open.host).toBe('0.0.0.0');
      expect(open.warnings).toEqual([
        expect.stringMatching(/^HOST=0\.0\.0\.0 serves the demo data .*admin1234/),
      ]);
      expect(loadConfig({ HOST: '::1' })).toMatchObject({ host: '::1', warnings: [] });
      expect(loadConfig({ HOST: 'localhost' }).warnings).toEqual([]);
      expect(loadConfig({ HOST: '10.0.0.5', SEED_DEMO_DATA: 'false' })).toMatchObject({
        host: '10.0.0.5',
        warnings: [],
      });
      expect(() => loadConfig({ HOST: 'http://0.0.0.0' })).toThrow(
        /HOST must be an IP address or a host name/,
      );
    });
  });

  describe('metrics and docs', () => {
    const TOKEN = 'f'.repeat(8) + randomBytes(16).toString('hex');

    it('keeps /metrics open on the API port outside production, as before', () => {
      expect(loadConfig({}).metrics).toEqual({
        exposure: 'api-port',
        port: undefined,
        token: undefined,
      });
    });

    it('closes /metrics in production when neither METRICS_TOKEN nor METRICS_PORT says how', () => {
      const config = loadConfig(PRODUCTION);
      expect(config.metrics.exposure).toBe('closed');
      expect(config.warnings).toEqual([
        expect.stringMatching(/^\/metrics is closed \(404\).*METRICS_TOKEN.*METRICS_PORT/),
      ]);
    });

    it('serves /metrics behind METRICS_TOKEN, on a port of its own, or both', () => {
      expect(loadConfig({ ...PRODUCTION, METRICS_TOKEN: TOKEN })).toMatchObject({
        metrics: { exposure: 'api-port', port: undefined, token: TOKEN },
        warnings: [],
      });
      expect(loadConfig({ ...PRODUCTION, METRICS_PORT: '9464' })).toMatchObject({
        metrics: { exposure: 'own-port', port: 9464, token: undefined },
        warnings: [],
      });
      expect(loadConfig({ METRICS_PORT: '9464', METRICS_TOKEN: TOKEN }).metrics).toEqual({
        exposure: 'own-port',
        port: 9464,
        token: TOKEN,
      });
    });

    it('refuses a short or spaced METRICS_TOKEN and a METRICS_PORT that is PORT or out of range', () => {
      expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(
        /METRICS_TOKEN must be at least 24 printable characters/,
      );
      expect(() => loadConfig({ METRICS_TOKEN: `${TOKEN} x` })).toThrow(/METRICS_TOKEN/);
      expect(() => loadConfig({ PORT: '9000', METRICS_PORT: '9000' })).toThrow(
        /METRICS_PORT must differ from PORT/,
      );
      expect(() => loadConfig({ METRICS_PORT: '70000' })).toThrow(
        /METRICS_PORT must be an integer from 0 to 65535/,
      );
    });

    it('serves the docs unless DOCS_ENABLED=false', () => {
      expect(loadConfig({}).docsEnabled).toBe(true);
      expect(loadConfig({ DOCS_ENABLED: 'false' }).docsEnabled).toBe(false);
      expect(() => loadConfig({ DOCS_ENABLED: 'off' })).toThrow(
        /DOCS_ENABLED must be true or false/,
      );
    });
  });

  describe('logs and traces', () => {
    it('writes pretty lines to a terminal and JSON otherwise, unless LOG_FORMAT says', () => {
      expect(loadConfig({}, process.cwd(), true).logFormat).toBe('pretty');
      expect(loadConfig({}, process.cwd(), false).logFormat).toBe('json');
      expect(loadConfig({ LOG_FORMAT: 'gcp' }, process.cwd(), true).logFormat).toBe('gcp');
      expect(loadConfig({ LOG_FORMAT: 'json' }, process.cwd(), true).logFormat).toBe('json');
      expect(() => loadConfig({ LOG_FORMAT: 'stackdriver' })).toThrow(
        /LOG_FORMAT must be one of json, gcp, pretty \(got "stackdriver"\)/,
      );
    });

    it('reads GOOGLE_CLOUD_PROJECT for the trace field of gcp lines', () => {
      expect(loadConfig({}).googleCloudProject).toBeUndefined();
      expect(loadConfig({ GOOGLE_CLOUD_PROJECT: 'shop-prod' }).googleCloudProject).toBe(
        'shop-prod',
      );
    });

    it('traces nothing without an OTLP endpoint', () => {
      expect(loadConfig({}).tracing).toBeUndefined();
      expect(loadConfig({ OTEL_SERVICE_NAME: 'x' }).tracing).toBeUndefined();
      expect(loadTracingConfig({})).toBeUndefined();
    });

    it("follows OpenTelemetry's variables: base URL plus /v1/traces, or the traces URL as given", () => {
      expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing).toEqual(
        {
          tracesUrl: 'http://collector:4318/v1/traces',
          serviceName: 'eventflow',
          samplerRatio: 1,
          exportDelayMs: 5_000,
        },
      );
      expect(
        loadTracingConfig({
          OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://otlp.example.com/custom/traces',
          OTEL_SERVICE_NAME: 'eventflow-eu',
          OTEL_TRACES_SAMPLER_ARG: '0.25',
          OTEL_BSP_SCHEDULE_DELAY: '200',
        }),
      ).toEqual({
        tracesUrl: 'https://otlp.example.com/custom/traces',
        serviceName: 'eventflow-eu',
        samplerRatio: 0.25,
        exportDelayMs: 200,
      });
    });

    it('refuses an endpoint that is no http(s) URL and a ratio outside 0..1', () => {
      expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(
        /OTEL_EXPORTER_OTLP_ENDPOINT must start with http:\/\/ or https:\/\//,
      );
      expect(() =>
        loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_SAMPLER_ARG: '2' }),
      ).toThrow(/OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1 \(got "2"\)/);
      expect(() => loadConfig({ OTEL_TRACES_SAMPLER_ARG: '-0.5' })).toThrow(
        /OTEL_TRACES_SAMPLER_ARG/,
      );
      expect(() => loadConfig({ OTEL_BSP_SCHEDULE_DELAY: '0' })).toThrow(
        /OTEL_BSP_SCHEDULE_DELAY must be an integer from 1 to 600000/,
      );
      // The preload installs nothing then; the start reports the problem with all the others.
      expect(loadTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://c' })).toBeUndefined();
    });
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ REDIS_URL: '', DATABASE_URL: '  ' })).toMatchObject({
      redisUrl: undefined,
      databaseUrl: undefined,
    });
  });

  describe('webhooks, jobs and mail', () => {
    it('refuses private webhook addresses in production, and a production start without SMTP', () => {
      expect(() => loadConfig({ ...PRODUCTION, WEBHOOK_ALLOW_PRIVATE_URLS: 'true' })).toThrow(
        /WEBHOOK_ALLOW_PRIVATE_URLS=true is for development and tests only/,
      );
      const { SMTP_URL: _smtp, ...withoutSmtp } = PRODUCTION;
      expect(() => loadConfig(withoutSmtp)).toThrow(
        /SMTP_URL is required when NODE_ENV=production/,
      );
      expect(loadConfig({ WEBHOOK_ALLOW_PRIVATE_URLS: 'true' }).webhooks.allowPrivateUrls).toBe(
        true,
      );
    });

    it('reads the retry scale as a fraction of the real schedule, and nothing else', () => {
      expect(loadConfig({}).webhooks.retryScale).toBe(1);
      expect(loadConfig({ WEBHOOK_RETRY_SCALE: '0.001' }).webhooks.retryScale).toBe(0.001);
      for (const bad of ['0', '2', '-1', 'fast', '1/10']) {
        expect(() => loadConfig({ WEBHOOK_RETRY_SCALE: bad })).toThrow(
          /WEBHOOK_RETRY_SCALE must be/,
        );
      }
    });

    it('defaults the reset link to this API and the job worker to on', () => {
      const config = loadConfig({ PORT: '4000' });
      expect(config.mail.passwordResetUrl).toBe(
        'http://localhost:4000/api/auth/password-reset/confirm',
      );
      expect(config.jobs).toMatchObject({
        workerEnabled: true,
        concurrency: 8,
        staleLockSeconds: 300,
      });
      expect(() => loadConfig({ SMTP_URL: 'http://mail.example.com' })).toThrow(
        /SMTP_URL must start with smtp:\/\/ or smtps:\/\//,
      );
    });
  });
});
