import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RoundTripBatcher } from '../../common/batching/round-trip-batcher.js';
import type { CacheRead, GenerationalCache } from './generational-cache.js';

/** The generation outlives any entry by far; it is re-seeded from the clock if Redis lost it. */
const GENERATION_TTL_SECONDS = 7 * 86_400;
/** At most this many listings kept in memory per instance. */
const NEAR_ENTRIES = 500;

/**
 * One round trip for a whole batch of reads: the script reads the generation and, for each key
 * whose entry of that generation this instance does not already hold in memory, the entry and how
 * long it has left. ARGV: entry prefix, clock, generation TTL, then (key, known generation) pairs;
 * the answer is the generation, then (entry or nil, ms left) per pair, nil and 0 when the
 * generation is the known one. A missing generation (Redis restarted, or it expired) is seeded with
 * the clock in milliseconds, which is larger than any generation handed out before, so an old entry
 * can never be read again.
 */
const READ_SCRIPT = `
local generation = redis.call('GET', KEYS[1])
if not generation then
  redis.call('SET', KEYS[1], ARGV[2], 'NX', 'EX', ARGV[3])
  generation = redis.call('GET', KEYS[1])
end
local answer = {generation}
for i = 4, #ARGV, 2 do
  if ARGV[i + 1] == generation then
    answer[#answer + 1] = false
    answer[#answer + 1] = 0
  else
    local entry = ARGV[1] .. generation .. ':' .. ARGV[i]
    answer[#answer + 1] = redis.call('GET', entry)
    answer[#answer + 1] = redis.call('PTTL', entry)
  end
end
return answer
`;

/**
 * After a failed attempt to deliver an owed invalidation, reads go straight to the database for
 * this long before Redis is tried again: a hanging Redis then costs them nothing, not a command
 * timeout each.
 */
const OWED_RETRY_MS = 1_000;

/** After a PING that failed, Redis counts as unreachable this long before the next one is sent. */
const PROBE_INTERVAL_MS = 1_000;

/** Reads answered by one script call at most. */
const MAX_BATCH = 128;

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
  /** ioredis's Buffer variant of the defined command: entries come back as bytes. */
  eventflowCacheReadBuffer(
    generationKey: string,
    entryPrefix: string,
    now: string,
    ttl: string,
    ...keyThenKnownGeneration: string[]
  ): Promise<[Buffer, ...(Buffer | number | boolean | null)[]]>;
  eventflowCacheBump(generationKey: string, now: string, ttl: string): Promise<number>;
}

/** What a read asks Redis: the key, and the generation of this instance's copy ('' for none). */
interface NearRead {
  key: string;
  known: string;
}

/**
 * Where an invalidation Redis did not take is recorded durably, for an instance that can reach
 * Redis to deliver (`LostInvalidations`). It throws when it could not record it either.
 */
export type RecordLostInvalidation = () => Promise<void>;

interface RemoteRead {
  generation: string;
  /** The entry's bytes, unless the generation is the known one or there is no entry. */
  value?: Buffer;
  /** When the entry expires in Redis, by this clock, counted from before the call was sent. */
  expiresAt: number;
}

export class RedisGenerationalCache implements GenerationalCache {
  private readonly logger = new Logger(RedisGenerationalCache.name);
  private readonly generationKey: string;
  private readonly entryPrefix: string;
  /**
   * Invalidations Redis missed, counted: while one is owed this instance does not trust the
   * cache. A delivery clears only what was owed when it was sent, never one that failed meanwhile.
   */
  private owed = 0;
  private owedDelivery: Promise<boolean> | undefined;
  private nextOwedAttemptAt = 0;
  /** The last call to Redis failed and none succeeded since. */
  private failing = false;
  private probe: Promise<void> | undefined;
  private nextProbeAt = 0;
  private outageLogged = false;

  private readonly redis: Redis & CacheCommands;
  /**
   * Reads arriving while one is out go together in the next round trip, which starts after they
   * arrived: each still sees every invalidation that finished before it, at one script call per
   * round trip instead of one per request.
   */
  private readonly reads: RoundTripBatcher<NearRead, RemoteRead>;
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
    commandTimeoutMs: number,
    private readonly recordLost?: RecordLostInvalidation,
  ) {
    this.reads = new RoundTripBatcher((_key, reads) => this.readFromRedis(reads), {
      maxBatch: MAX_BATCH,
      maxWaitMs: commandTimeoutMs,
    });
    this.generationKey = `${namespace}:generation`;
    this.entryPrefix = `${namespace}:entry:`;
    // Defined commands run by EVALSHA, sending the script body only once per connection.
    redis.defineCommand('eventflowCacheRead', { numberOfKeys: 1, lua: READ_SCRIPT });
    redis.defineCommand('eventflowCacheBump', { numberOfKeys: 1, lua: BUMP_SCRIPT });
    this.redis = redis as Redis & CacheCommands;
  }

  async read(key: string): Promise<CacheRead> {
    if (this.owed > 0 && !(await this.deliverOwed())) return { status: 'unavailable' };
    try {
      const now = Date.now();
      const near = this.near.get(key);
      const known = near && near.expiresAt > now ? near.generation : '';
      const { generation, value, expiresAt } = await this.reads.submit('', { key, known });
      this.succeeded();
      if (near && generation === known) return { status: 'hit', value: near.value };
      if (!value) return { status: 'miss', generation };
      this.keepNear(key, generation, value, expiresAt);
      return { status: 'hit', value };
    } catch (error) {
      this.unavailable(error);
      return { status: 'unavailable' };
    }
  }

  private async readFromRedis(reads: NearRead[]): Promise<RemoteRead[]> {
    // The near copy must not outlive the Redis copy: its expiry counts from before the call.
    const sentAt = Date.now();
    const [generationBytes, ...perKey] = await this.redis.eventflowCacheReadBuffer(
      this.generationKey,
      this.entryPrefix,
      String(sentAt),
      String(GENERATION_TTL_SECONDS),
      ...reads.flatMap((read) => [read.key, read.known]),
    );
    const generation = generationBytes.toString();
    return reads.map((_read, index) => {
      // A missing entry is a nil (RESP2) or false (RESP3) reply: only bytes are an entry.
      const entry = perKey[2 * index];
      return {
        generation,
        value: Buffer.isBuffer(entry) ? entry : undefined,
        expiresAt: sentAt + Number(perKey[2 * index + 1] ?? 0),
      };
    });
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

  /**
   * The change is committed when this runs, so a failure is not the caller's: the invalidation is
   * owed (this instance reads from the database until it delivers it) and recorded for another
   * instance to deliver, before the change is answered.
   */
  async invalidate(): Promise<void> {
    try {
      await this.bumpGeneration();
      return;
    } catch (error) {
      this.owed += 1;
      this.nextOwedAttemptAt = Date.now() + OWED_RETRY_MS;
      this.unavailable(error);
    }
    if (!this.recordLost) return;
    try {
      await this.recordLost();
    } catch (error) {
      this.logger.error(
        `An invalidation reached neither Redis nor the database; other instances may serve the ` +
          `old listing until it expires (CACHE_TTL): ${(error as Error).message}`,
      );
    }
  }

  /** For the job that delivers a recorded invalidation: throws if Redis did not take it. */
  async deliverRecorded(): Promise<void> {
    try {
      await this.bumpGeneration();
    } catch (error) {
      this.unavailable(error);
      throw error;
    }
  }

  /**
   * Whether Redis answers this instance, answered at once: yes without a call while the last call
   * succeeded; after a failure no, while one PING (at most one per PROBE_INTERVAL_MS) finds out,
   * and yes again from the moment any call succeeds. The job worker asks before every job it
   * takes, and a hanging Redis keeps the connection `ready`: waiting on the PING would hold each
   * fetch for up to a command timeout.
   */
  async reachable(): Promise<boolean> {
    if (this.redis.status !== 'ready') return false;
    if (!this.failing) return true;
    if (!this.probe && Date.now() >= this.nextProbeAt) {
      this.probe = this.redis
        .ping()
        .then(
          () => this.succeeded(),
          () => {
            this.nextProbeAt = Date.now() + PROBE_INTERVAL_MS;
          },
        )
        .finally(() => (this.probe = undefined));
    }
    return false;
  }

  /** One attempt at a time; reads arriving meanwhile or soon after a failed one skip the cache. */
  private deliverOwed(): Promise<boolean> {
    if (this.owedDelivery) return this.owedDelivery;
    if (Date.now() < this.nextOwedAttemptAt) return Promise.resolve(false);
    const delivering = this.owed;
    this.owedDelivery = this.bumpGeneration()
      .then(
        () => {
          this.owed -= delivering;
          return this.owed === 0;
        },
        (error: unknown) => {
          this.nextOwedAttemptAt = Date.now() + OWED_RETRY_MS;
          this.unavailable(error);
          return false;
        },
      )
      .finally(() => (this.owedDelivery = undefined));
    return this.owedDelivery;
  }

  private async bumpGeneration(): Promise<void> {
    await this.redis.eventflowCacheBump(
      this.generationKey,
      String(Date.now()),
      String(GENERATION_TTL_SECONDS),
    );
    this.succeeded();
  }

  /** One log line per outage, not one per request. */
  private unavailable(error: unknown): void {
    this.failing = true;
    if (this.outageLogged) return;
    this.outageLogged = true;
    this.logger.warn(`Cache unavailable, serving from the database: ${(error as Error).message}`);
  }

  private succeeded(): void {
    this.failing = false;
    if (!this.outageLogged) return;
    this.outageLogged = false;
    this.logger.log('Cache available again');
  }
}
