import type { JobHandler, JobQueue } from '../jobs/job-queue.js';
import { LostInvalidations } from './lost-invalidations.js';
import {
  DELIVER_INVALIDATION_JOB,
  NEEDS_REDIS_FLAG,
  type LostInvalidationsRepository,
} from './lost-invalidations.repository.js';
import type { RedisGenerationalCache } from './redis-generational-cache.js';

/** The routing between the job queue and the caches; the caches themselves are tested on Redis. */
describe('LostInvalidations', () => {
  function setUp() {
    const handlers = new Map<string, JobHandler>();
    const guards = new Map<string, () => Promise<boolean>>();
    const jobs = {
      defineUrgent: (name: string, handler: JobHandler) => handlers.set(name, handler),
      runFlaggedOnlyWhile: (flag: string, allowed: () => Promise<boolean>) =>
        guards.set(flag, allowed),
    } as unknown as JobQueue;
    const recorded: string[] = [];
    const repository = {
      record: async (cache: string) => void recorded.push(cache),
    } as unknown as LostInvalidationsRepository;
    const lost = new LostInvalidations(jobs, repository);
    const cache = { reachable: true, delivered: 0, fails: false };
    lost.register('events:listing', {
      reachable: async () => cache.reachable,
      deliverRecorded: async () => {
        if (cache.fails) throw new Error('Redis did not answer');
        cache.delivered += 1;
      },
    } as unknown as RedisGenerationalCache);
    const deliver = (payload: unknown) =>
      handlers.get(DELIVER_INVALIDATION_JOB)!(payload, undefined as never);
    return { lost, recorded, cache, deliver, allowed: guards.get(NEEDS_REDIS_FLAG)! };
  }

  it('records a lost invalidation under the cache’s shared name', async () => {
    const { lost, recorded } = setUp();
    await lost.recorderFor('events:listing')();
    expect(recorded).toEqual(['events:listing']);
  });

  it('lets this instance take the job only while its caches reach Redis', async () => {
    const { cache, allowed } = setUp();
    expect(await allowed()).toBe(true);
    cache.reachable = false;
    expect(await allowed()).toBe(false);
  });

  it('delivers to the named cache, and fails the job (to be retried) when Redis does not take it', async () => {
    const { cache, deliver } = setUp();
    await deliver({ cache: 'events:listing' });
    expect(cache.delivered).toBe(1);
    cache.fails = true;
    await expect(deliver({ cache: 'events:listing' })).rejects.toThrow('Redis did not answer');
  });

  it('completes a job for a cache it does not have, or a malformed one, without a bump', async () => {
    const { cache, deliver } = setUp();
    await deliver({ cache: 'gone' });
    await deliver(null);
    expect(cache.delivered).toBe(0);
  });
});
