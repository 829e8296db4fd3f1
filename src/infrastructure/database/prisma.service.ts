import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { logContext } from '../../common/logging/log-context.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { PrismaClient } from '../../generated/prisma/client.js';

/**
 * The database client. Only repositories inject it. Its pool is bounded, and a request that waits
 * too long for a connection fails (the error filter answers 503 with Retry-After) instead of hanging.
 */
@Injectable()
export class PrismaService extends PrismaClient implements OnApplicationShutdown {
  /** The connection pool, owned here so metrics can read how busy it is. */
  readonly pool: pg.Pool;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    if (!config.databaseUrl) throw new Error('PrismaService needs a database URL');
    const pool = new pg.Pool({
      connectionString: config.databaseUrl,
      max: config.databasePoolSize,
      connectionTimeoutMillis: config.databasePoolTimeoutMs,
      idleTimeoutMillis: 30_000,
      application_name: 'eventflow',
      // No statement waits on a row lock longer than a request waits for a connection, and none
      // runs forever: both end in an error the filter answers with 503 and Retry-After. A
      // transaction left idle by a client that vanished mid-way releases its locks too.
      lock_timeout: config.databasePoolTimeoutMs,
      statement_timeout: config.databaseStatementTimeoutMs,
      idle_in_transaction_session_timeout: config.databaseStatementTimeoutMs,
    });
    // A connection the server drops while idle (restart, failover) must not crash the process.
    // The event fires in the async context of whichever request opened that connection, long
    // done: outside the log context, the line does not name that old request.
    const logger = new Logger(PrismaService.name);
    pool.on('error', (error) =>
      logContext.exit(() => logger.warn(`Idle database connection lost: ${error.message}`)),
    );
    super({ adapter: new PrismaPg(pool) });
    this.pool = pool;
    this.logger = logger;
  }

  private readonly logger: Logger;

  /** Last of all at shutdown: the work that uses connections stops first (in onModuleDestroy). */
  async onApplicationShutdown(): Promise<void> {
    await this.$disconnect();
    await this.pool.end();
    this.logger.log('Database connections closed');
  }
}
