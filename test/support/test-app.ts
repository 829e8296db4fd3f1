import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import supertest from 'supertest';
import { createApp } from '../../src/app.js';
import type { AppConfig } from '../../src/config/app-config.js';
import { loadConfig } from '../../src/config/load-config.js';
import { TEST_REDIS_URL } from './environment.js';
import type { TestDatabase } from './test-database.js';

/** One secret for every instance a test file starts: they stand for one deployment. */
export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-signing';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  http: ReturnType<typeof supertest>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Environment variables as an operator would set them (validated like a real start). */
  env?: Record<string, string>;
  /** Leave REDIS_URL unset: the in-memory fallbacks. */
  withoutRedis?: boolean;
  /** Instances that should share Redis state (one deployment) pass the same prefix. */
  redisKeyPrefix?: string;
  logger?: Logger;
}

/**
 * Starts the real application (same factory as `npm start`) against a test database and the
 * real Redis. Each call gets its own Redis key prefix unless told to share one.
 */
export async function startTestApp(
  database: TestDatabase,
  options: TestAppOptions = {},
): Promise<TestApp> {
  const config = loadConfig({
    NODE_ENV: 'test',
    JWT_SECRET: TEST_JWT_SECRET,
    DATABASE_URL: database.url,
    REDIS_KEY_PREFIX: options.redisKeyPrefix ?? `eventflow-test:${randomBytes(4).toString('hex')}:`,
    ...(options.withoutRedis ? {} : { REDIS_URL: TEST_REDIS_URL }),
    // Every test request comes from 127.0.0.1; the rate-limit tests set their own limits.
    THROTTLE_LIMIT: '100000000',
    LOGIN_THROTTLE_LIMIT: '100000000',
    PURCHASE_THROTTLE_LIMIT: '100000000',
    PROBE_THROTTLE_LIMIT: '100000000',
    ...options.env,
  });
  const app = await createApp(config, options.logger);
  return {
    app,
    config,
    http: supertest(app.getHttpServer()),
    close: () => app.close(),
  };
}
