import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { CacheRead, GenerationalCache } from './generational-cache.js';

/** The generation outlives any entry by far; it is re-seeded from the clock if Redis lost it. */
const GENERATION_TTL_SECONDS = 7 * 86_400;

/**
 * One round trip per read: the script reads the generation and the entry under it. A missing
 * generation (Redis restarted, or it expired) is seeded with the clock in milliseconds, which is
 * larger than any generation handed out before, so an old entry can never be read again.
 */
const READ_SCRIPT = `
local generation = redis.call('GET', KEYS[1])
if not generation then
  redis.call('SET', KEYS[1], ARGV[3], 'NX', 'EX', ARGV[4])
  generation = redis.call('GET', KEYS[1])
end
return {generation, redis.call('GET', ARGV[1] .. generation .. ':' .. ARGV[2])}
`;

/** INCR, except that a missing generation is seeded from the clock (see READ_SCRIPT). */
const BUMP_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('INCR', KEYS[1])
else
  redis.call('SET', KEYS[1], ARGV[1])
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
`;

interface CacheCommands {
  eventflowCacheRead(
    generationKey: string,
    entryPrefix: string,
    key: string,
    now: string,
    ttl: string,
  ): Promise<[string, string | null]>;
  eventflowCacheBump(generationKey: string, now: string, ttl: string): Promise<number>;
}

export class RedisGenerationalCache implements GenerationalCache {
  private readonly logger = new Logger(RedisGenerationalCache.name);
  private readonly generationKey: string;
  private readonly entryPrefix: string;
  /** An invalidation Redis missed: until it is delivered, this instance does not trust the cache. */
  private invalidationOwed = false;
  private outageLogged = false;

  private readonly redis: Redis & CacheCommands;

  constructor(
    redis: Redis,
    namespace: string,
    private readonly ttlSeconds: number,
  ) {
    this.generationKey = `${namespace}:generation`;
    this.entryPrefix = `${namespace}:entry:`;
    // Defined commands run by EVALSHA, sending the script body only once per connection.
    redis.defineCommand('eventflowCacheRead', { numberOfKeys: 1, lua: READ_SCRIPT });
    redis.defineCommand('eventflowCacheBump', { numberOfKeys: 1, lua: BUMP_SCRIPT });
    this.redis = redis as Redis & CacheCommands;
  }

  async read(key: string): Promise<CacheRead> {
    try {
      if (this.invalidationOwed) {
        await this.bumpGeneration();
        this.invalidationOwed = false;
      }
      const [generation, value] = await this.redis.eventflowCacheRead(
        this.generationKey,
        this.entryPrefix,
        key,
        String(Date.now()),
        String(GENERATION_TTL_SECONDS),
      );
      this.recovered();
      return value === null ? { status: 'miss', generation } : { status: 'hit', value };
    } catch (error) {
      this.unavailable(error);
      return { status: 'unavailable' };
    }
  }

  async write(key: string, generation: string, value: string): Promise<void> {
    try {
      await this.redis.set(`${this.entryPrefix}${generation}:${key}`, value, 'EX', this.ttlSeconds);
    } catch (error) {
      this.unavailable(error);
    }
  }

  async invalidate(): Promise<void> {
    try {
      await this.bumpGeneration();
    } catch (error) {
      this.invalidationOwed = true;
      this.unavailable(error);
    }
  }

  private async bumpGeneration(): Promise<void> {
    await this.redis.eventflowCacheBump(
      this.generationKey,
      String(Date.now()),
      String(GENERATION_TTL_SECONDS),
    );
  }

  /** One log line per outage, not one per request. */
  private unavailable(error: unknown): void {
    if (this.outageLogged) return;
    this.outageLogged = true;
    this.logger.warn(`Cache unavailable, serving from the database: ${(error as Error).message}`);
  }

  private recovered(): void {
    if (!this.outageLogged) return;
    this.outageLogged = false;
    this.logger.log('Cache available again');
  }
}
