// Every number the benchmark uses, in one place, so a run is reproducible and its report can say
// exactly what was measured. Servers come from the same variables as `npm test`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const MAIN = path.join(ROOT, 'dist', 'main.js');
/** Node's arguments as `npm run start:prod` and the image's CMD give them (the tracing preload). */
export const API_ARGS = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
  .scripts['start:prod'].split(/\s+/)
  .slice(1);
export const PRISMA_CLIENT = path.join(ROOT, 'dist', 'generated', 'prisma', 'client.js');
export const RESULTS_DIR = path.join(ROOT, 'bench', 'results');

export const POSTGRES_URL =
  process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export const BENCH = {
  /** The API's DATABASE_POOL_SIZE (its default), and the pool of both baselines. */
  poolSize: 10,
  /**
   * The API's NODE_OPTIONS: the production image's heap sizes (Dockerfile), not the ones Node would
   * derive from this machine's memory (a test keeps the two equal).
   */
  apiNodeOptions: '--max-old-space-size=256 --max-semi-space-size=16',
  flashSale: {
    capacity: 5_000,
    /** Requests beyond the capacity, so the tail of the run shows the sold-out answers. */
    extraRequests: 1_000,
    connections: 200,
    /** A short sale of its own before each measured one (API and both baselines alike). */
    warmupCapacity: 1_000,
    warmupExtraRequests: 300,
  },
  /** Scenario 4: the flash sale's holders pay, one request each. */
  pay: { connections: 200 },
  listing: {
    connections: 100,
    /** Measured seconds per server, alternating between them in this many rounds. */
    seconds: 10,
    rounds: 4,
    warmupSeconds: 2,
    /** Published events in the listing: one full default page. */
    publishedEvents: 20,
  },
  coldStart: { runs: 3, pollIntervalMs: 10, timeoutMs: 30_000 },
  /** Scenario 5: the attendee CSV of one event this large, its memory sampled this often. */
  attendeeExport: { tickets: 100_000, sampleMs: 10 },
  /**
   * Scenario 6: order.created messages queued in one INSERT after a warm-up batch, delivered by
   * the API's worker with JOB_CONCURRENCY jobs at once (its default, set explicitly so that the
   * bare loop runs as many requests at once). Scenario 7 uses the flash sale's settings.
   */
  webhooks: { messages: 3_000, warmupMessages: 300, jobConcurrency: 8 },
  /** Long enough that no hold expires during a run. */
  orderHoldSeconds: 3_600,
  accessTokenTtlSeconds: 3_600,
  /** Effectively no rate limit (the largest value the configuration accepts). */
  throttleLimit: 100_000_000,
};

export const TARGETS = {
  flashVsConditionalDecrement: 0.5,
  flashVsInteractiveTransaction: 3,
  /** Scenario 7: the sale while every hold is delivered as a webhook, against its own baseline A. */
  flashWithOutboxVsConditionalDecrement: 0.5,
  listingVsBareFastify: 0.6,
  listingP99Ms: 25,
  coldStartMs: 1_500,
  residentMemoryMb: 250,
  /** The API's resident memory may grow by less than this while it exports 100,000 attendees. */
  exportGrowthMb: 30,
};
