import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import {
  Logger as QueueLogger,
  run,
  type JobHelpers,
  type LogLevel,
  type Runner,
  type TaskList,
} from 'graphile-worker';
import pg from 'pg';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { MetricsService } from '../metrics/metrics.service.js';

export type JobHandler = (payload: unknown, helpers: JobHelpers) => Promise<void>;

/** A job that runs on a schedule as well as when enqueued: a graphile-worker crontab line's time part. */
export interface JobSchedule {
  /** e.g. `* * * * *` for every minute. */
  cron: string;
}

/**
 * The PostgreSQL job queue (graphile-worker): jobs are rows in the graphile_worker schema, added
 * in the transaction that makes them necessary (by SQL, `graphile_worker.add_job`, from the outbox
 * triggers and repositories), taken by any instance with SKIP LOCKED and woken by LISTEN/NOTIFY.
 * Feature modules define their tasks while the application is built; the worker starts once
 * everything is ready and stops before the database connections close.
 */
@Injectable()
export class JobQueue implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('JobQueue');
  private readonly tasks: TaskList = {};
  /** Tasks of the urgent worker (`defineUrgent`), which takes nothing else. */
  private readonly urgentTasks: TaskList = {};
  private readonly crontab: string[] = [];
  private readonly flagGuards: { flag: string; allowed: () => Promise<boolean> }[] = [];
  private runner: Runner | undefined;
  private urgentRunner: Runner | undefined;
  private pool: pg.Pool | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    this.define('jobs:unlock-stale', () => this.unlockStale(), { cron: '* * * * *' });
  }

  /** Called from a feature's constructor or onModuleInit, before the worker starts. */
  define(name: string, handler: JobHandler, schedule?: JobSchedule): void {
    this.add(this.tasks, name, handler);
    if (schedule) this.crontab.push(`${schedule.cron} ${name} ?max=1`);
  }

  /**
   * For a task that must not wait behind other jobs, which priority alone does not give: it only
   * orders the next pick, and every worker may be busy for seconds (webhook deliveries to slow
   * receivers during a sale). Such a task runs on a worker of its own, one job at a time, that
   * takes nothing else, so it starts as soon as it is added (LISTEN/NOTIFY) or at the next poll.
   */
  defineUrgent(name: string, handler: JobHandler): void {
    this.add(this.urgentTasks, name, handler);
  }

  private add(tasks: TaskList, name: string, handler: JobHandler): void {
    if (this.runner) throw new Error(`Job ${name} was defined after the worker started`);
    if (this.tasks[name] || this.urgentTasks[name]) throw new Error(`Job ${name} is defined twice`);
    tasks[name] = async (payload, helpers) => {
      const stop = this.metrics.startJob(name);
      try {
        await handler(payload, helpers);
        stop('succeeded');
      } catch (error) {
        stop('failed');
        throw error;
      }
    };
  }

  /**
   * Jobs added with `flag` (add_job's `flags`) are taken by this instance only while `allowed()`
   * says so, and left to the other instances otherwise: for work only some instances can do at a
   * given moment (graphile-worker's forbiddenFlags, asked before each job is taken).
   */
  runFlaggedOnlyWhile(flag: string, allowed: () => Promise<boolean>): void {
    if (this.runner) throw new Error(`Flag ${flag} was guarded after the worker started`);
    this.flagGuards.push({ flag, allowed });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.jobs.workerEnabled) return;
    const pool = new pg.Pool({
      connectionString: this.config.databaseUrl,
      // One connection per concurrent job, one for LISTEN, one for the scheduler; the urgent
      // worker's job and LISTEN connections on top.
      max: this.config.jobs.concurrency + 2 + (this.hasUrgentTasks() ? 2 : 0),
      application_name: 'eventflow-jobs',
      statement_timeout: this.config.databaseStatementTimeoutMs,
      // This pool only takes and completes jobs (our tasks write through the app's own pool, with
      // durable commits). Losing its last commits in a server crash can only make a job run again,
      // which at-least-once allows, so it does not wait for the disk: two flushes fewer per job.
      options: '-c synchronous_commit=off',
    });
    pool.on('error', (error) =>
      this.logger.warn(`Idle job-queue connection lost: ${error.message}`),
    );
    // graphile-worker keeps some connections checked out for long (its LISTEN connection): one
    // the server drops then raises 'error' on the client, which unhandled would end the process.
    // The worker sees the failure on its next query and reconnects; this keeps the process alive.
    pool.on('connect', (client) =>
      client.on('error', (error) =>
        this.logger.warn(`Job-queue connection lost: ${error.message}`),
      ),
    );
    this.pool = pool;
    // Jobs an instance killed mid-way left locked run again now, not in four hours.
    await this.unlockStale();
    const forbiddenFlags = this.flagGuards.length > 0 ? () => this.forbiddenFlags() : null;
    this.runner = await run({
      pgPool: pool,
      concurrency: this.config.jobs.concurrency,
      noHandleSignals: true,
      pollInterval: this.config.jobs.pollIntervalMs,
      taskList: this.tasks,
      crontab: this.crontab.join('\n'),
      forbiddenFlags,
      logger: this.queueLogger(),
    });
    if (!this.hasUrgentTasks()) return;
    // A second graphile-worker runner on the same pool: it fetches only the tasks of its own
    // list, so the main worker's jobs never hold it up, nor its jobs the main worker.
    this.urgentRunner = await run({
      pgPool: pool,
      concurrency: 1,
      noHandleSignals: true,
      pollInterval: this.config.jobs.pollIntervalMs,
      taskList: this.urgentTasks,
      crontab: '',
      forbiddenFlags,
      logger: this.queueLogger(),
    });
  }

  private hasUrgentTasks(): boolean {
    return Object.keys(this.urgentTasks).length > 0;
  }

  /** Stops taking jobs and waits for the running ones; the database closes after this. */
  async onModuleDestroy(): Promise<void> {
    await Promise.all([this.runner?.stop(), this.urgentRunner?.stop()]);
    this.runner = undefined;
    this.urgentRunner = undefined;
    await this.pool?.end();
    this.pool = undefined;
  }

  /**
   * Every job of ours ends within minutes (deliveries time out in seconds). One locked for longer
   * than JOB_STALE_LOCK_SECONDS was taken by an instance that died: its worker's locks are
   * released and the job runs again, at least once as promised.
   */
  private async unlockStale(): Promise<void> {
    const result = await this.pool!.query<{ worker: string }>(
      `SELECT DISTINCT locked_by AS worker FROM graphile_worker.jobs
        WHERE locked_at < now() - make_interval(secs => $1)`,
      [this.config.jobs.staleLockSeconds],
    );
    const workers = result.rows.map((row) => row.worker);
    if (workers.length === 0) return;
    await this.pool!.query('SELECT graphile_worker.force_unlock_workers($1::text[])', [workers]);
    this.logger.warn(`Released the jobs of ${workers.length} worker(s) that stopped mid-job`);
  }

  private async forbiddenFlags(): Promise<string[]> {
    const allowed = await Promise.all(this.flagGuards.map((guard) => guard.allowed()));
    return this.flagGuards.filter((_guard, index) => !allowed[index]).map((guard) => guard.flag);
  }

  private queueLogger(): QueueLogger {
    return new QueueLogger(() => (level: LogLevel, message: string) => {
      const name: string = level;
      if (name === 'error') this.logger.error(message);
      else if (name === 'warning') this.logger.warn(message);
      else this.logger.debug?.(message);
    });
  }
}
