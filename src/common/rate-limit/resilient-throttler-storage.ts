import { Logger } from '@nestjs/common';
import { ThrottlerStorageService, type ThrottlerStorage } from '@nestjs/throttler';
import type { Redis } from 'ioredis';
import { RoundTripBatcher } from '../batching/round-trip-batcher.js';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * One fixed window per key, atomically in Redis: the count, its expiry and the block decided in
 * one script, so two instances counting the same client can never both let the (limit+1)th through.
 * The script counts a whole batch of requests in order (KEYS: hits and block key of each; ARGV:
 * window ms, limit and block ms of each), exactly as one call per request would, and returns
 * [hits, window ms left, blocked (0|1), block ms left] for each.
 */
const INCREMENT_SCRIPT = `
local results = {}
for i = 1, #KEYS / 2 do
  local hitsKey, blockKey = KEYS[2 * i - 1], KEYS[2 * i]
  local windowMs, limit, blockMs = ARGV[3 * i - 2], tonumber(ARGV[3 * i - 1]), ARGV[3 * i]
  local hits, windowLeft, blocked, blockLeft
  blockLeft = redis.call('PTTL', blockKey)
  if blockLeft > 0 then
    hits = tonumber(redis.call('GET', hitsKey) or '0')
    windowLeft = math.max(redis.call('PTTL', hitsKey), 0)
    blocked = 1
  else
    hits = redis.call('INCR', hitsKey)
    windowLeft = redis.call('PTTL', hitsKey)
    if windowLeft < 0 then
      redis.call('PEXPIRE', hitsKey, windowMs)
      windowLeft = tonumber(windowMs)
    end
    if hits > limit then
      redis.call('SET', blockKey, '1', 'PX', blockMs)
      blocked, blockLeft = 1, tonumber(blockMs)
    else
      blocked, blockLeft = 0, 0
    end
  end
  local n = #results
  results[n + 1], results[n + 2], results[n + 3], results[n + 4] = hits, windowLeft, blocked, blockLeft
end
return results
`;

/** Requests counted in one script call at most: keeps each call short inside Redis. */
const MAX_BATCH = 128;

interface Count {
  base: string;
  windowMs: number;
  limit: number;
  blockMs: number;
}

interface RateLimitCommands {
  /** Variadic keys: the first argument is their number. */
  eventflowRateLimit(keyCount: number, ...keysThenArgs: (string | number)[]): Promise<number[]>;
}

/**
 * Rate-limit counters shared by every instance through Redis, and in process memory without it.
 *
 * The counts of all requests that arrive while one call is out go to Redis together in the next
 * call: under load, the requests of every client together cost one script call per round trip.
 *
 * When Redis stops answering, each instance counts in its own memory until Redis is back: general
 * routes keep serving, and sign-in stays limited (at most the limit times the number of
 * instances, never unlimited). No request waits on Redis longer than REDIS_COMMAND_TIMEOUT_MS for
 * its round trip to start, nor for its answer once sent (a stalled Redis fails every waiting
 * request at the first timeout).
 */
export class ResilientThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger(ResilientThrottlerStorage.name);
  private readonly memory = new ThrottlerStorageService();
  private readonly redis: (Redis & RateLimitCommands) | undefined;
  private readonly batcher: RoundTripBatcher<Count, ThrottlerStorageRecord>;
  private outage = false;

  constructor(
    redis: Redis | undefined,
    private readonly keyPrefix: string,
    commandTimeoutMs: number,
  ) {
    this.batcher = new RoundTripBatcher((_key, counts) => this.countInRedis(counts), {
      maxBatch: MAX_BATCH,
      maxWaitMs: commandTimeoutMs,
    });
    if (redis) {
      redis.defineCommand('eventflowRateLimit', { lua: INCREMENT_SCRIPT });
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
        const record = await this.batcher.submit('', {
          base,
          windowMs: ttl,
          limit,
          blockMs: blockDuration,
        });
        this.recovered();
        return record;
      } catch (error) {
        this.unavailable(error);
      }
    }
    return this.memory.increment(key, ttl, limit, blockDuration, throttlerName);
  }

  private async countInRedis(counts: Count[]): Promise<ThrottlerStorageRecord[]> {
    const keys = counts.flatMap((count) => [`${count.base}:hits`, `${count.base}:blocked`]);
    const args = counts.flatMap((count) => [count.windowMs, count.limit, count.blockMs]);
    const flat = await this.redis!.eventflowRateLimit(keys.length, ...keys, ...args);
    return counts.map((_count, index) => {
      const [hits, windowLeft, blocked, blockLeft] = flat.slice(4 * index, 4 * index + 4);
      return {
        totalHits: hits,
        timeToExpire: Math.ceil(windowLeft / 1000),
        isBlocked: blocked === 1,
        timeToBlockExpire: Math.ceil(blockLeft / 1000),
      };
    });
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
