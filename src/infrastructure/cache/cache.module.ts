import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { RedisService } from '../redis/redis.service.js';
import type { GenerationalCache } from './generational-cache.js';
import { MemoryGenerationalCache } from './memory-generational-cache.js';
import { RedisGenerationalCache } from './redis-generational-cache.js';

/** The public event listing cache: in Redis when configured (shared by every instance), else in memory. */
export const LISTING_CACHE = Symbol('LISTING_CACHE');

@Global()
@Module({
  providers: [
    {
      provide: LISTING_CACHE,
      inject: [APP_CONFIG, RedisService],
      useFactory: (config: AppConfig, redis: RedisService): GenerationalCache =>
        redis.client
          ? new RedisGenerationalCache(
              redis.client,
              `${redis.keyPrefix}events:listing`,
              config.cacheTtlSeconds,
              redis.commandTimeoutMs,
            )
          : new MemoryGenerationalCache(config.cacheTtlSeconds),
    },
  ],
  exports: [LISTING_CACHE],
})
export class CacheModule {}
