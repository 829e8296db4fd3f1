import { Logger } from '@nestjs/common';
import { ThrottlerStorageService, type ThrottlerStorage } from '@nestjs/throttler';
import type { Redis } from 'ioredis';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * One fixed window per key, atomically in Redis: the count, its expiry and the block decided in
 * one script, so two instances counting the same client can never both let the (limit+1)th through.
 * Returns [hits, window ms left, blocked (0|1), block ms left].
 */
const INCREMENT_SCRIPT = `
local blockLeft = redis.call('PTTL', KEYS[2])
if blockLeft > 0 then
  return {tonumber(redis.call('GET', KEYS[1]) or '0'), math.max(redis.call('PTTL', KEYS[1]), 0), 1, blockLeft}
end
local hits = redis.call('INCR', KEYS[1])
local windowLeft = redis.call('PTTL', KEYS[1])
if windowLeft < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  windowLeft = tonumber(ARGV[1])
end
if hits > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  return {hits, windowLeft, 1, tonumber(ARGV[3])}
end
return {hits, windowLeft, 0, 0}
`;

interface RateLimitCommands {
  eventflowRateLimit(
    hitsKey: string,
    blockKey: string,
    windowMs: string,
    limit: string,
    blockMs: string,
  ): Promise<[number, number, number, number]>;
}

/**
 * Rate-limit counters shared by every instance through Redis, and in process memory without it.
 *
 * When Redis stops answering, each instance counts in its own memory until Redis is back: general
 * routes keep serving, and sign-in stays limited (at most the limit times the number of
 * instances, never unlimited). No request waits on Redis longer than REDIS_COMMAND_TIMEOUT_MS.
 */
export class ResilientThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger(ResilientThrottlerStorage.name);
  private readonly memory = new ThrottlerStorageService();
  private readonly redis: (Redis & RateLimitCommands) | undefined;
  private outage = false;

  constructor(
    redis: Redis | undefined,
    private readonly keyPrefix: string,
  ) {
    if (redis) {
      redis.defineCommand('eventflowRateLimit', { numberOfKeys: 2, lua: INCREMENT_SCRIPT });
      this.redis = redis as Redis & RateLimitCommands;
    }
  }

  /** `ttl` and `blockDuration` in milliseconds; the record's times in seconds, as the guard expects. */
  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    if (this.redis) {
      try {
        const base = `${this.keyPrefix}rate:${throttlerName}:${key}`;
        const [hits, windowLeft, blocked, blockLeft] = await this.redis.eventflowRateLimit(
          `${base}:hits`,
          `${base}:blocked`,
          String(ttl),
          String(limit),
          String(blockDuration),
        );
        this.recovered();
        return {
          totalHits: hits,
          timeToExpire: Math.ceil(windowLeft / 1000),
          isBlocked: blocked === 1,
          timeToBlockExpire: Math.ceil(blockLeft / 1000),
        };
      } catch (error) {
        this.unavailable(error);
      }
    }
    return this.memory.increment(key, ttl, limit, blockDuration, throttlerName);
  }

  onApplicationShutdown(): void {
    this.memory.onApplicationShutdown();
  }

  private unavailable(error: unknown): void {
    if (this.outage) return;
    this.outage = true;
    this.logger.warn(
      `Rate-limit counters fall back to this instance's memory: ${(error as Error).message}`,
    );
  }

  private recovered(): void {
    if (!this.outage) return;
    this.outage = false;
    this.logger.log('Rate-limit counters are shared through Redis again');
  }
}
