import { Injectable, Logger } from '@nestjs/common';
import { JobQueue } from '../jobs/job-queue.js';
import {
  DELIVER_INVALIDATION_JOB,
  LostInvalidationsRepository,
  NEEDS_REDIS_FLAG,
} from './lost-invalidations.repository.js';
import type { RecordLostInvalidation, RedisGenerationalCache } from './redis-generational-cache.js';

/**
 * An invalidation that could not reach Redis is not lost: the change is already committed, so
 * instead of failing the request it is recorded as a job in PostgreSQL. LISTEN/NOTIFY wakes the
 * urgent worker of every instance at once (a worker of its own, so deliveries holding every other
 * slot do not delay it), and the job is taken only by one that can reach Redis (the cut-off
 * instance forbids its flag meanwhile), which bumps the generation: the other instances stop
 * serving the old listing within a second instead of after CACHE_TTL.
 */
@Injectable()
export class LostInvalidations {
  private readonly logger = new Logger(LostInvalidations.name);
  private readonly caches = new Map<string, RedisGenerationalCache>();

  constructor(
    jobs: JobQueue,
    private readonly repository: LostInvalidationsRepository,
  ) {
    jobs.defineUrgent(DELIVER_INVALIDATION_JOB, (payload) => this.deliver(payload));
    jobs.runFlaggedOnlyWhile(NEEDS_REDIS_FLAG, () => this.canReachRedis());
  }

  /** The recorder for a cache shared under `name` by every instance of the deployment. */
  recorderFor(name: string): RecordLostInvalidation {
    return () => this.repository.record(name);
  }

  register(name: string, cache: RedisGenerationalCache): void {
    this.caches.set(name, cache);
  }

  /** Safe to run twice: one more bump only costs the next read of each entry a miss. */
  private async deliver(payload: unknown): Promise<void> {
    const name: unknown = (payload as { cache?: unknown } | null)?.cache;
    const cache = typeof name === 'string' ? this.caches.get(name) : undefined;
    if (typeof name !== 'string' || !cache) {
      // A cache this version no longer has: nothing is stale in it.
      this.logger.warn(`Recorded invalidation for an unknown cache: ${JSON.stringify(payload)}`);
      return;
    }
    // A failure throws: the job is retried, by whichever instance can reach Redis by then.
    await cache.deliverRecorded();
    this.logger.log(`Delivered an invalidation of ${name} that Redis had missed`);
  }

  private async canReachRedis(): Promise<boolean> {
    const answers = await Promise.all([...this.caches.values()].map((cache) => cache.reachable()));
    return answers.every(Boolean);
  }
}
