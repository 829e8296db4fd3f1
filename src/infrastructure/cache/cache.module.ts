import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { RedisService } from '../redis/redis.service.js';
import type { GenerationalCache } from './generational-cache.js';
import { LostInvalidations } from './lost-invalidations.js';
import { LostInvalidationsRepository } from './lost-invalidations.repository.js';
import { MemoryGenerationalCache } from './memory-generational-cache.js';
import { RedisGenerationalCache } from './redis-generational-cache.js';

/** The public event listing cache: in Redis when configured (shared by every instance), else in memory. */
export const LISTING_CACHE = Symbol('LISTING_CACHE');
/** Its name in recorded invalidations: the same in every instance and version. */
const LISTING_CACHE_NAME = 'events:listing';

@Global()
@Module({
  providers: [
    LostInvalidationsRepository,
    LostInvalidations,
    {
      provide: LISTING_CACHE,
      inject: [APP_CONFIG, RedisService, LostInvalidations],
      useFactory: (
        config: AppConfig,
        redis: RedisService,
        lost: LostInvalidations,
      ): GenerationalCache => {
        if (!redis.client) return new MemoryGenerationalCache(config.cacheTtlSeconds);
        const cache = new RedisGenerationalCache(
          redis.client,
          `${redis.keyPrefix}${LISTING_CACHE_NAME}`,
          config.cacheTtlSeconds,
          redis.commandTimeoutMs,
          lost.recorderFor(LISTING_CACHE_NAME),
        );
        lost.register(LISTING_CACHE_NAME, cache);
        return cache;
      },
    },
  ],
  exports: [LISTING_CACHE],
})
export class CacheModule {}
