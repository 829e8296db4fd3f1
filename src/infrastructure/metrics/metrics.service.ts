import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { PrismaService } from '../database/prisma.service.js';

export type OrderOutcome =
  'held' | 'sold_out' | 'rejected' | 'paid' | 'expired' | 'cancelled' | 'refunded';
export type CacheResult = 'hit' | 'miss' | 'unavailable';
export type PaymentOutcome =
  | 'succeeded'
  | 'declined'
  | 'failed'
  | 'requires_action'
  | 'unknown'
  | 'refund_owed'
  | 'reconciled';
export type RefundOutcome = 'succeeded' | 'failed';
export type JobOutcome = 'succeeded' | 'failed';
export type WebhookOutcome = 'succeeded' | 'failed' | 'refused';

/**
 * Prometheus metrics of one application instance. Each instance has its own registry (several run
 * side by side in the tests); routes are labelled by their template, never the raw URL, so the
 * number of series stays bounded.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  private readonly requests = new Counter({
    name: 'eventflow_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  private readonly latency = new Histogram({
    name: 'eventflow_http_request_duration_seconds',
    help: 'Time to answer HTTP requests, by method, route template and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  private readonly orders = new Counter({
    name: 'eventflow_orders_total',
    help: 'Orders by outcome: held, sold_out, rejected (other refusals), paid, expired, cancelled, refunded.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  private readonly payments = new Counter({
    name: 'eventflow_payments_total',
    help: 'Payment attempts by outcome: succeeded, declined, failed (the provider refused), requires_action, unknown (no answer: left to the reconciler), refund_owed (charged for an order that could no longer take it), reconciled (settled by the sweeper).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  private readonly refunds = new Counter({
    name: 'eventflow_refunds_total',
    help: 'Refund sends by outcome: succeeded, failed (the provider refused; retried with backoff).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  private readonly refundsOwed = new Gauge({
    name: 'eventflow_refunds_owed',
    help: 'Refunds recorded but not yet accepted by the provider, as of the last sweep.',
    registers: [this.registry],
  });

  private readonly oldestRefundOwed = new Gauge({
    name: 'eventflow_refunds_owed_oldest_seconds',
    help: 'Age of the oldest refund still owed, as of the last sweep (alert on this).',
    registers: [this.registry],
  });

  private readonly cache = new Counter({
    name: 'eventflow_listing_cache_requests_total',
    help: 'Public listing cache lookups: hit, miss, or unavailable (Redis down: served from the database).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  private readonly jobs = new Histogram({
    name: 'eventflow_job_duration_seconds',
    help: 'Queued jobs run by this instance, by task and outcome (failed: retried by the queue).',
    labelNames: ['task', 'outcome'] as const,
    buckets: [0.005, 0.025, 0.1, 0.5, 2, 10, 30],
    registers: [this.registry],
  });

  private readonly webhookAttempts = new Counter({
    name: 'eventflow_webhook_attempts_total',
    help: 'Webhook delivery attempts: succeeded (2xx), failed (retried on the schedule), refused (the address is not allowed).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  private readonly outboxLag = new Histogram({
    name: 'eventflow_webhook_first_attempt_delay_seconds',
    help: 'From the commit of a change to the first delivery attempt of its message.',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60],
    registers: [this.registry],
  });

  private readonly emails = new Counter({
    name: 'eventflow_emails_total',
    help: 'Emails handed to the mail server (or written to the log without one), by kind.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  constructor(prisma: PrismaService) {
    collectDefaultMetrics({ register: this.registry, prefix: 'eventflow_' });
    const pool = prisma.pool;
    new Gauge({
      name: 'eventflow_db_pool_connections',
      help: 'Database pool connections: in use, idle, and requests waiting for one.',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        this.set({ state: 'in_use' }, pool.totalCount - pool.idleCount);
        this.set({ state: 'idle' }, pool.idleCount);
        this.set({ state: 'waiting' }, pool.waitingCount);
      },
    });
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status: String(status) };
    this.requests.inc(labels);
    this.latency.observe(labels, seconds);
  }

  countOrders(outcome: OrderOutcome, count = 1): void {
    if (count > 0) this.orders.inc({ outcome }, count);
  }

  countPayments(outcome: PaymentOutcome, count = 1): void {
    if (count > 0) this.payments.inc({ outcome }, count);
  }

  countRefunds(outcome: RefundOutcome): void {
    this.refunds.inc({ outcome });
  }

  setRefundsOwed(count: number, oldestSeconds: number): void {
    this.refundsOwed.set(count);
    this.oldestRefundOwed.set(oldestSeconds);
  }

  countCacheLookup(result: CacheResult): void {
    this.cache.inc({ result });
  }

  /** Call when a job starts; call the result with its outcome when it ends. */
  startJob(task: string): (outcome: JobOutcome) => void {
    const end = this.jobs.startTimer({ task });
    return (outcome) => end({ outcome });
  }

  countWebhookAttempt(outcome: WebhookOutcome): void {
    this.webhookAttempts.inc({ outcome });
  }

  observeFirstAttemptDelay(seconds: number): void {
    this.outboxLag.observe(seconds);
  }

  countEmail(kind: string): void {
    this.emails.inc({ kind });
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
