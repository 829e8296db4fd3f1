import { Module } from '@nestjs/common';
import { ThrottlerModule, type ThrottlerOptions } from '@nestjs/throttler';
import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { RedisService } from '../../infrastructure/redis/redis.service.js';
import { RATE_LIMIT_GROUP, type RateLimitGroup } from './rate-limit.decorators.js';
import { clientAddress } from './rate-limit.guard.js';
import { ResilientThrottlerStorage } from './resilient-throttler-storage.js';

const reflector = new Reflector();
const groupOf = (context: ExecutionContext) =>
  reflector.getAllAndOverride<RateLimitGroup | undefined>(RATE_LIMIT_GROUP, [
    context.getHandler(),
    context.getClass(),
  ]);

/** The signed-in email, normalised, so "A@x.com" and "a@x.com " share one counter. */
function loginAccount(request: FastifyRequest): string {
  const email = (request.body as { email?: unknown } | undefined)?.email;
  return typeof email === 'string' ? email.trim().toLowerCase() : '';
}

function throttlers(config: AppConfig): ThrottlerOptions[] {
  return [
    {
      name: 'default',
      ttl: config.throttle.ttlSeconds * 1000,
      limit: config.throttle.limit,
      getTracker: (request) => clientAddress(request as FastifyRequest),
    },
    {
      name: 'login',
      ttl: config.loginThrottle.ttlSeconds * 1000,
      limit: config.loginThrottle.limit,
      skipIf: (context) => groupOf(context) !== 'login',
      getTracker: (request) =>
        `${loginAccount(request as FastifyRequest)}|${clientAddress(request as FastifyRequest)}`,
    },
    {
      name: 'purchase',
      ttl: config.purchaseThrottle.ttlSeconds * 1000,
      limit: config.purchaseThrottle.limit,
      skipIf: (context) => groupOf(context) !== 'purchase',
      getTracker: (request) =>
        (request as FastifyRequest).user?.id ?? clientAddress(request as FastifyRequest),
    },
    {
      name: 'probe',
      ttl: config.probeThrottle.ttlSeconds * 1000,
      limit: config.probeThrottle.limit,
      skipIf: (context) => groupOf(context) !== 'probe',
      getTracker: (request) => clientAddress(request as FastifyRequest),
    },
    {
      name: 'api-key',
      ttl: config.apiKeyThrottle.ttlSeconds * 1000,
      limit: config.apiKeyThrottle.limit,
      skipIf: (context) =>
        context.switchToHttp().getRequest<FastifyRequest>().user?.key === undefined,
      getTracker: (request) => (request as FastifyRequest).user!.key!.id,
    },
  ];
}

@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG, RedisService],
      useFactory: (config: AppConfig, redis: RedisService) => ({
        throttlers: throttlers(config),
        storage: new ResilientThrottlerStorage(
          redis.client,
          redis.keyPrefix,
          redis.commandTimeoutMs,
        ),
      }),
    }),
  ],
  exports: [ThrottlerModule],
})
export class RateLimitModule {}
