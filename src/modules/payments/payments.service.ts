import type { AttendeeName } from '../orders/order.records.js';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { MetricsService } from '../../infrastructure/metrics/metrics.service.js';
import {
  PaymentOutcomeUnknownError,
  PaymentProviderError,
  type PaymentAttempt,
  type PaymentProvider,
  type PaymentState,
  type ProviderReport,
} from './payment-provider.js';
import { PaymentProviders } from './payment-providers.js';
import { PaymentsErrors } from './payments.errors.js';
import { StripePaymentProvider } from './providers/stripe-payment-provider.js';
import type { BeginOutcome, FreePayOutcome, PaymentRecord } from './payment.records.js';
import { PaymentsRepository } from './payments.repository.js';
import { REFUND_GRACE_SECONDS, RefundsService } from './refunds/refunds.service.js';

/** Stripe retries a webhook delivery for up to three days. */
const PROVIDER_EVENT_DAYS = 7;

/** Declined attempts one order may have; then no more until its hold ends (card testing). */
export const MAX_DECLINES_PER_ORDER = 5;
/**
 * Attempts one sweep settles, side by side: each takes at most two provider calls (about 21 s
 * each), so the batch ends well inside the lease its claim pushed forward.
 */
const RECONCILE_BATCH = 10;

/** What became of an attempt, as far as the buyer's request is concerned. */
export type ChargeOutcome =
  | { kind: 'paid' }
  | { kind: 'action-required'; payment: PaymentRecord; clientSecret: string | null }
  | { kind: 'processing'; payment: PaymentRecord }
  | { kind: 'declined'; reason: string }
  | { kind: 'provider-failed' }
  /** The provider could not be asked just now (about an attempt already recorded). */
  | { kind: 'provider-unavailable' }
  /** The money was taken, but the order could no longer take it (cancelled meanwhile): refunded. */
  | { kind: 'not-payable' };

/**
 * Takes orders' money through the payment providers, recording every step in the payments table so
 * that nothing the provider did is ever lost: an attempt is written before the provider is called
 * (eventflow_begin_payment), its outcome after (eventflow_payment_succeeded or a failure), and any
 * attempt left open (a crash, a timeout, a buyer who never came back) is settled by `reconcile`,
 * which asks the provider. Money taken for an order that can no longer take it goes back as a
 * recorded refund.
 */
@Injectable()
export class PaymentsService {
  private readonly logger = new Logger(PaymentsService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly payments: PaymentsRepository,
    private readonly providers: PaymentProviders,
    private readonly refunds: RefundsService,
    private readonly metrics: MetricsService,
  ) {}

  /** Forgets provider events old enough that no provider delivers them again. */
  async forgetOldEvents(): Promise<void> {
    await this.payments.forgetEventsOlderThan(PROVIDER_EVENT_DAYS);
  }

  /** Whether buyers can confirm payments in their browser (Stripe.js) with a client secret. */
  get confirmsInBrowser(): boolean {
    return this.providers.current.name === 'stripe';
  }

  /** Opens an attempt for the buyer's order, or says why not (eventflow_begin_payment). */
  begin(
    buyerId: string,
    orderId: string,
    paymentId: string,
    attendees: AttendeeName[] | null = null,
  ): Promise<BeginOutcome> {
    return this.payments.begin({
      attendees,
      paymentId,
      orderId,
      buyerId,
      provider: this.providers.current.name,
      leaseSeconds: this.config.payments.attemptLeaseSeconds,
      maxDeclines: MAX_DECLINES_PER_ORDER,
    });
  }

  payFree(buyerId: string, orderId: string): Promise<FreePayOutcome> {
    return this.payments.payFree(orderId, buyerId);
  }

  /** Server-side confirmation: charges the attempt with the buyer's payment token. */
  async charge(payment: PaymentRecord, paymentToken: string): Promise<ChargeOutcome> {
    const attempt = attemptOf(payment);
    const provider = this.providerOf(payment);
    let state: PaymentState;
    try {
      const prepared = await provider.prepare(attempt);
      state = await provider.confirm(attempt, prepared, paymentToken);
    } catch (error) {
      return this.afterProviderError(payment, error);
    }
    return this.record(payment, state);
  }

  /** Client-side confirmation: the attempt is opened at the provider for the buyer's browser. */
  async openInBrowser(payment: PaymentRecord): Promise<ChargeOutcome> {
    let prepared;
    try {
      prepared = await this.providerOf(payment).prepare(attemptOf(payment));
    } catch (error) {
      return this.afterProviderError(payment, error);
    }
    return this.record(payment, {
      status: 'requires_action',
      reference: prepared.reference,
      clientSecret: prepared.clientSecret,
    });
  }

  /** What an attempt already recorded means now (an Idempotency-Key retried, a page reloaded). */
  async outcomeOf(payment: PaymentRecord): Promise<ChargeOutcome> {
    switch (payment.status) {
      case 'SUCCEEDED':
        return payment.applied ? { kind: 'paid' } : { kind: 'not-payable' };
      case 'FAILED':
        return payment.declines > 0
          ? { kind: 'declined', reason: payment.failureReason ?? 'The card was declined.' }
          : { kind: 'provider-failed' };
      case 'PROCESSING':
        return { kind: 'processing', payment };
      case 'REQUIRES_ACTION':
        try {
          // The same PaymentIntent again (its create is idempotent), for its client secret.
          const prepared = await this.providerOf(payment).prepare(attemptOf(payment));
          return { kind: 'action-required', payment, clientSecret: prepared.clientSecret };
        } catch (error) {
          this.logger.warn(
            `The payment provider could not be asked about payment ${payment.id}: ${(error as Error).message}`,
          );
          return { kind: 'provider-unavailable' };
        }
    }
  }

  /**
   * A delivery to the Stripe webhook endpoint: verified, then recorded as a report, once per
   * event: a redelivery of an event already acted on changes nothing. An event whose handling
   * fails is forgotten again, so Stripe's retry of it is handled anew.
   */
  async receiveStripeWebhook(
    rawBody: Buffer | undefined,
    signature: string | undefined,
  ): Promise<void> {
    const stripe = this.providers.for('stripe');
    if (!(stripe instanceof StripePaymentProvider)) throw PaymentsErrors.stripeNotEnabled();
    if (!rawBody || !signature) throw PaymentsErrors.badWebhookSignature();
    let report;
    try {
      report = stripe.verifyWebhook(rawBody, signature);
    } catch (error) {
      throw PaymentsErrors.badWebhookSignature(error);
    }
    if (!report || !(await this.payments.claimEvent('stripe', report.eventId))) return;
    try {
      await this.report(report);
    } catch (error) {
      await this.payments.forgetEvent('stripe', report.eventId);
      throw error;
    }
  }

  /**
   * A provider's report (a webhook): recorded like an answer to our own call. Replays and events
   * out of order change nothing: a recorded success is final, and a failure only closes an attempt
   * still open.
   */
  private async report(report: ProviderReport): Promise<void> {
    const payment = await this.payments.findById(report.paymentId);
    if (!payment) {
      this.logger.warn(`A provider reported on payment ${report.paymentId}, which is not ours`);
      return;
    }
    if (payment.amountCents !== report.amountCents || payment.currency !== report.currency) {
      // Not what we asked for: never let it pay the order. Logged for an operator to look at.
      this.logger.error(
        `Payment ${payment.id} was reported as ${report.amountCents} ${report.currency}, not ${payment.amountCents} ${payment.currency}; ignored`,
      );
      return;
    }
    if (report.state.status === 'declined' && payment.status === 'REQUIRES_ACTION') {
      await this.browserDecline(payment, report.state.reason);
      return;
    }
    await this.record(payment, report.state);
  }

  /**
   * In the browser a refused card can be followed by another on the same payment, so the attempt
   * stays open; but each refusal counts against the order's declines, and at the limit the payment
   * is cancelled at the provider (card testing), unless it succeeded first.
   */
  private async browserDecline(payment: PaymentRecord, reason: string): Promise<void> {
    const declines = await this.payments.countBrowserDecline(payment.id, reason);
    this.metrics.countPayments('declined');
    if (declines < MAX_DECLINES_PER_ORDER) return;
    this.logger.warn(
      `Payment ${payment.id}: ${declines} declined cards on its order; cancelling it`,
    );
    let state: PaymentState;
    try {
      state = await this.providerOf(payment).cancel(attemptOf(payment));
    } catch (error) {
      // The reconciler cancels it at its next sweep.
      this.logger.warn(
        `Payment ${payment.id} could not be cancelled yet: ${(error as Error).message}`,
      );
      await this.payments.endLease(payment.id);
      return;
    }
    if (state.status === 'canceled') {
      await this.payments.failed(payment.id, {
        reason: `Too many declined cards (${declines}). ${reason}`,
        declined: false,
        providerRef: state.reference,
      });
    } else if (state.status === 'succeeded') {
      await this.record(payment, state);
    } else {
      await this.payments.endLease(payment.id);
    }
  }

  /**
   * The sweeper's turn: open attempts past their lease (their request died, its answer was lost,
   * or the buyer never completed the payment before the hold ended). The provider is asked; what
   * it did is recorded, and what it has not finished is cancelled at the provider first, so it can
   * never succeed after we stopped waiting.
   */
  async reconcile(): Promise<number> {
    // Only attempts of providers this instance can reach: each is settled by its own provider.
    const stale = await this.payments.claimStale(
      RECONCILE_BATCH,
      this.config.payments.attemptLeaseSeconds,
      this.providers.names,
    );
    await Promise.all(
      stale.map(async (payment) => {
        try {
          await this.settleStale(payment);
          this.metrics.countPayments('reconciled');
        } catch (error) {
          this.logger.warn(
            `Payment ${payment.id} could not be reconciled yet; retrying after its lease: ${(error as Error).message}`,
          );
        }
      }),
    );
    return stale.length;
  }

  private async settleStale(payment: PaymentRecord): Promise<void> {
    const attempt = attemptOf(payment);
    const provider = this.providerOf(payment);
    let state = await provider.retrieve(attempt);
    if (state.status !== 'succeeded' && state.status !== 'canceled') {
      state = await provider.cancel(attempt);
    }
    await this.record(payment, state);
  }

  /** The provider that took the attempt; the request paths only ever meet reachable ones. */
  private providerOf(payment: PaymentRecord): PaymentProvider {
    const provider = this.providers.for(payment.provider);
    if (!provider) {
      throw new PaymentProviderError(
        `Payment ${payment.id} was made through the ${payment.provider} provider, which this instance cannot reach`,
      );
    }
    return provider;
  }

  /** Records the provider's state of an attempt; the one place money outcomes are written. */
  private async record(payment: PaymentRecord, state: PaymentState): Promise<ChargeOutcome> {
    switch (state.status) {
      case 'succeeded': {
        const settled = await this.payments.succeeded(
          payment.id,
          state.reference,
          REFUND_GRACE_SECONDS,
        );
        if (settled.outcome === 'REFUND_OWED') {
          this.metrics.countPayments('refund_owed');
          this.logger.warn(
            `Payment ${payment.id} succeeded for order ${payment.orderId}, which is ${settled.orderStatus}: refunding it`,
          );
          await this.refunds.send([settled.refundId]);
          return { kind: 'not-payable' };
        }
        if (settled.outcome === 'UNKNOWN_PAYMENT') {
          throw new Error(`Payment ${payment.id} succeeded but is not in the database`);
        }
        if (settled.outcome === 'ALREADY_RECORDED') {
          return settled.orderStatus === 'PAID' ? { kind: 'paid' } : { kind: 'not-payable' };
        }
        this.metrics.countPayments('succeeded');
        return { kind: 'paid' };
      }
      case 'requires_action':
        await this.payments.requiresAction(payment.id, state.reference);
        this.metrics.countPayments('requires_action');
        return {
          kind: 'action-required',
          payment: { ...payment, status: 'REQUIRES_ACTION', providerRef: state.reference },
          clientSecret: state.clientSecret,
        };
      case 'declined':
        await this.payments.failed(payment.id, {
          reason: state.reason,
          declined: true,
          providerRef: state.reference,
        });
        this.metrics.countPayments('declined');
        return { kind: 'declined', reason: state.reason };
      case 'canceled':
        await this.payments.failed(payment.id, {
          reason: 'The payment was cancelled before it was completed.',
          declined: false,
          providerRef: state.reference,
        });
        this.metrics.countPayments('failed');
        return { kind: 'provider-failed' };
      case 'open':
        // Not finished at the provider (processing): the reconciler looks again after the lease.
        return { kind: 'processing', payment };
    }
  }

  /**
   * A provider that refused is known to have charged nothing: the attempt closes. One that did
   * not answer may have charged: the attempt stays open for the reconciler, which will ask.
   */
  private async afterProviderError(payment: PaymentRecord, error: unknown): Promise<ChargeOutcome> {
    if (error instanceof PaymentProviderError) {
      this.logger.warn(`Payment provider refused payment ${payment.id}: ${error.message}`);
      await this.payments.failed(payment.id, {
        reason: error.message,
        declined: false,
        providerRef: null,
      });
      this.metrics.countPayments('failed');
      return { kind: 'provider-failed' };
    }
    if (error instanceof PaymentOutcomeUnknownError) {
      this.logger.warn(
        `No answer from the payment provider for payment ${payment.id}; the reconciler will settle it: ${error.message}`,
      );
      this.metrics.countPayments('unknown');
      return { kind: 'processing', payment };
    }
    throw error;
  }
}

function attemptOf(payment: PaymentRecord): PaymentAttempt {
  return {
    paymentId: payment.id,
    orderId: payment.orderId,
    amountCents: payment.amountCents,
    currency: payment.currency,
    providerRef: payment.providerRef,
  };
}
