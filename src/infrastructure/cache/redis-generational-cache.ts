import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { CacheRead, GenerationalCache } from './generational-cache.js';

/** The generation outlives any entry by far; it is re-seeded from the clock if Redis lost it. */
const GENERATION_TTL_SECONDS = 7 * 86_400;
/** At most this many listings kept in memory per instance. */
const NEAR_ENTRIES = 500;

/**
 * One round trip per read: the script reads the generation and, unless this instance already holds
 * the entry of that generation in memory (ARGV[5]), the entry and how long it has left. A missing
 * generation (Redis restarted, or it expired) is seeded with the clock in milliseconds, which is
 * larger than any generation handed out before, so an old entry can never be read again.
 */
const READ_SCRIPT = `
local generation = redis.call('GET', KEYS[1])
if not generation then
  redis.call('SET', KEYS[1], ARGV[3], 'NX', 'EX', ARGV[4])
  generation = redis.call('GET', KEYS[1])
end
if generation == ARGV[5] then
  return {generation}
end
local entry = ARGV[1] .. generation .. ':' .. ARGV[2]
return {generation, redis.call('GET', entry), redis.call('PTTL', entry)}
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
  /** ioredis's Buffer variant of the defined command: the entry comes back as bytes. */
  eventflowCacheReadBuffer(
    generationKey: string,
    entryPrefix: string,
    key: string,
    now: string,
    ttl: string,
    knownGeneration: string,
  ): Promise<[Buffer, (Buffer | null)?, number?]>;
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
  /**
   * Entries this instance already fetched, kept until their Redis copy expires: a hit then costs a
   * generation check (a few bytes) instead of the whole listing over the wire on every request.
   */
  private readonly near = new Map<
    string,
    { generation: string; value: Buffer; expiresAt: number }
  >();

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
      const now = Date.now();
      const near = this.near.get(key);
      const known = near && near.expiresAt > now ? near.generation : '';
      const [generationBytes, value, msLeft] = await this.redis.eventflowCacheReadBuffer(
        this.generationKey,
        this.entryPrefix,
        key,
        String(now),
        String(GENERATION_TTL_SECONDS),
        known,
      );
      this.recovered();
      const generation = generationBytes.toString();
      if (near && generation === known) return { status: 'hit', value: near.value };
      if (!value) return { status: 'miss', generation };
      this.keepNear(key, generation, value, now + (msLeft ?? 0));
      return { status: 'hit', value };
    } catch (error) {
      this.unavailable(error);
      return { status: 'unavailable' };
    }
  }

  async write(key: string, generation: string, value: Buffer): Promise<void> {
    try {
      await this.redis.set(`${this.entryPrefix}${generation}:${key}`, value, 'EX', this.ttlSeconds);
      this.keepNear(key, generation, value, Date.now() + this.ttlSeconds * 1000);
    } catch (error) {
      this.unavailable(error);
    }
  }

  private keepNear(key: string, generation: string, value: Buffer, expiresAt: number): void {
    if (this.near.size >= NEAR_ENTRIES && !this.near.has(key)) this.near.clear();
    this.near.set(key, { generation, value, expiresAt });
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
