import { Injectable, Logger } from '@nestjs/common';
import { RedisService } from '../../infrastructure/redis/redis.service.js';
import { HealthRepository } from './health.repository.js';

export type DependencyStatus = 'up' | 'down' | 'disabled';
export interface HealthReport {
  status: 'ok' | 'error';
  info: { database: { status: DependencyStatus }; redis: { status: DependencyStatus } };
}

/** A health check must answer quickly even when a dependency hangs. */
const CHECK_TIMEOUT_MS = 2_000;

@Injectable()
export class HealthService {
  private readonly logger = new Logger(HealthService.name);

  constructor(
    private readonly database: HealthRepository,
    private readonly redis: RedisService,
  ) {}

  /**
   * Only the database decides the status: Redis down is reported but stays "ok", so a load
   * balancer does not pull every instance out over a cache outage.
   */
  async check(): Promise<HealthReport> {
    const [database, redis] = await Promise.all([this.databaseStatus(), this.redisStatus()]);
    return {
      status: database === 'up' ? 'ok' : 'error',
      info: { database: { status: database }, redis: { status: redis } },
    };
  }

  private async databaseStatus(): Promise<DependencyStatus> {
    try {
      await withTimeout(this.database.ping(), CHECK_TIMEOUT_MS);
      return 'up';
    } catch (error) {
      this.logger.warn(`Database health check failed: ${(error as Error).message}`);
      return 'down';
    }
  }

  private async redisStatus(): Promise<DependencyStatus> {
    if (!this.redis.enabled) return 'disabled';
    return (await this.redis.ping()) ? 'up' : 'down';
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
