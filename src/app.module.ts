import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { AccessGuard } from './common/auth/access.guard.js';
import { ProblemDetailsFilter } from './common/errors/problem-details.filter.js';
import { RateLimitGuard } from './common/rate-limit/rate-limit.guard.js';
import { RateLimitModule } from './common/rate-limit/rate-limit.module.js';
import { createValidationPipe } from './common/http/validation.js';
import type { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { CacheModule } from './infrastructure/cache/cache.module.js';
import { DatabaseModule } from './infrastructure/database/database.module.js';
import { JobsModule } from './infrastructure/jobs/jobs.module.js';
import { MetricsModule } from './infrastructure/metrics/metrics.module.js';
import { RedisModule } from './infrastructure/redis/redis.module.js';
import { ApiKeysModule } from './modules/api-keys/api-keys.module.js';
import { AttendeesModule } from './modules/attendees/attendees.module.js';
import { AuthModule } from './modules/auth/auth.module.js';
import { EventsModule } from './modules/events/events.module.js';
import { CheckInsModule } from './modules/check-ins/check-ins.module.js';
import { EmailsModule } from './modules/emails/emails.module.js';
import { HealthModule } from './modules/health/health.module.js';
import { MetricsHttpModule } from './modules/metrics/metrics.module.js';
import { OrdersModule } from './modules/orders/orders.module.js';
import { StatsModule } from './modules/stats/stats.module.js';
import { TeamModule } from './modules/team/team.module.js';
import { TicketsModule } from './modules/tickets/tickets.module.js';
import { UsersModule } from './modules/users/users.module.js';
import { WebhooksModule } from './modules/webhooks/webhooks.module.js';

@Module({})
export class AppModule {
  /** Built per configuration so tests can run several instances side by side in one process. */
  static forConfig(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forConfig(config),
        DatabaseModule,
        RedisModule,
        CacheModule,
        MetricsModule,
        JobsModule,
        RateLimitModule,
        UsersModule,
        AuthModule,
        EventsModule,
        OrdersModule,
        TicketsModule,
        CheckInsModule,
        StatsModule,
        TeamModule,
        AttendeesModule,
        ApiKeysModule,
        EmailsModule,
        WebhooksModule,
        HealthModule,
        // Elsewhere (METRICS_PORT) or nowhere (closed): then /metrics on this port is a 404.
        ...(config.metrics.exposure === 'api-port' ? [MetricsHttpModule] : []),
      ],
      providers: [
        // In this order: who the caller is first, so the purchase limit counts a verified account.
        { provide: APP_GUARD, useClass: AccessGuard },
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
    };
  }
}
