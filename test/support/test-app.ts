import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import supertest from 'supertest';
import { createApp } from '../../src/app.js';
import type { AppConfig } from '../../src/config/app-config.js';
import { loadConfig } from '../../src/config/load-config.js';
import { TEST_REDIS_URL } from './environment.js';
import type { TestDatabase } from './test-database.js';
import { OpenApiContract } from './openapi-contract.js';

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
    API_KEY_THROTTLE_LIMIT: '100000000',
    // Few job workers per instance: test files run side by side on one PostgreSQL, and every
    // worker holds a connection while it polls.
    JOB_CONCURRENCY: '2',
    ...options.env,
  });
  const app = await createApp(config, options.logger);
  const contract = await OpenApiContract.load();
  const violations: string[] = [];
  return {
    app,
    config,
    http: checkedAgainst(contract, supertest(app.getHttpServer()), violations),
    close: async () => {
      await app.close();
      if (violations.length > 0) {
        throw new Error(
          `Answers that openapi.json does not describe:\n  ${[...new Set(violations)].join('\n  ')}`,
        );
      }
    },
  };
}

type Agent = ReturnType<typeof supertest>;
const VERBS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options']);

/**
 * Every answer a test receives through `http` is checked against the OpenAPI document; what does
 * not match is collected, and `close()` fails the test file with the list.
 */
function checkedAgainst(contract: OpenApiContract, agent: Agent, violations: string[]): Agent {
  return new Proxy(agent, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof property !== 'string' || !VERBS.has(property) || typeof value !== 'function') {
        return value;
      }
      return (...args: unknown[]) => {
        const test = (value as (...a: unknown[]) => SuperTestRequest).apply(target, args);
        test.on('response', (res: SuperTestResponse) => {
          violations.push(
            ...contract.check({
              method: property.toUpperCase(),
              url: res.req.path,
              status: res.status,
              headers: res.headers,
              body: res.body,
            }),
          );
        });
        return test;
      };
    },
  });
}

interface SuperTestRequest {
  on(event: 'response', listener: (res: SuperTestResponse) => void): SuperTestRequest;
}
interface SuperTestResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  req: { path: string };
}
