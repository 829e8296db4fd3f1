import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { PrismaClient } from '../../generated/prisma/client.js';

/**
 * The database client. Only repositories inject it. Its pool is bounded, and a request that waits
 * too long for a connection fails (the error filter answers 503 with Retry-After) instead of hanging.
 */
@Injectable()
export class PrismaService extends PrismaClient implements OnApplicationShutdown {
  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    if (!config.databaseUrl) throw new Error('PrismaService needs a database URL');
    super({
      adapter: new PrismaPg({
        connectionString: config.databaseUrl,
        max: config.databasePoolSize,
        connectionTimeoutMillis: 5_000,
        idleTimeoutMillis: 30_000,
        application_name: 'eventflow',
      }),
    });
  }

  /** Last of all at shutdown: the work that uses connections stops first (in onModuleDestroy). */
  async onApplicationShutdown(): Promise<void> {
    await this.$disconnect();
  }
}
