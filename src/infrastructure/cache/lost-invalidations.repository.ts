import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service.js';
import { JOB_PRIORITY } from '../jobs/enqueue.sql.js';

/** The task that delivers a recorded invalidation, and the flag that keeps it off cut-off instances. */
export const DELIVER_INVALIDATION_JOB = 'cache:deliver-invalidation';
export const NEEDS_REDIS_FLAG = 'needs-redis';

@Injectable()
export class LostInvalidationsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * One job per cache, whatever the number of invalidations lost: the job key folds them into one
   * (a bump covers every change committed before it). A job already running keeps running and a
   * new one is added (graphile-worker's 'replace' mode), so a change committed after that job's
   * bump is not lost. Not in the change's transaction: it is added only when Redis failed.
   */
  async record(cache: string): Promise<void> {
    await this.prisma.$executeRaw`
      SELECT graphile_worker.add_job(${DELIVER_INVALIDATION_JOB}::text,
                                     json_build_object('cache', ${cache}::text),
                                     job_key := ${`${DELIVER_INVALIDATION_JOB}:${cache}`}::text,
                                     priority := ${JOB_PRIORITY.cacheInvalidation}::int,
                                     flags := ARRAY[${NEEDS_REDIS_FLAG}::text])`;
  }
}
