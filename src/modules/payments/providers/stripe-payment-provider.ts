import Stripe from 'stripe';
import type { StripeSettings } from '../../../config/app-config.js';
import {
  PaymentOutcomeUnknownError,
  PaymentProviderError,
  type PaymentAttempt,
  type PaymentProvider,
  type PaymentState,
  type PreparedPayment,
  type ProviderReport,
  type RefundRequest,
  type RefundResult,
} from '../payment-provider.js';

/**
 * A Stripe call gives up after this long, retried once by the SDK with the same idempotency key
 * (so a retry never charges twice): at most about 21 s a call, so a payment's two calls (or the
 * reconciler's two) end well inside an attempt's lease (PAYMENT_ATTEMPT_LEASE_SECONDS, 60 s).
 */
const REQUEST_TIMEOUT_MS = 10_000;
const NETWORK_RETRIES = 1;

/**
 * Stripe's amounts are in the currency's smallest unit, as ours are (ISO 4217 minor units), except
 * that Stripe takes three-decimal currencies only in multiples of ten, and these two-decimal ones
 * only in whole units (https://docs.stripe.com/currencies#special-cases).
 */
const AMOUNT_STEP: Record<string, number> = {
  BHD: 10,
  JOD: 10,
  KWD: 10,
  OMR: 10,
  TND: 10,
  HUF: 100,
  TWD: 100,
};

/**
 * Stripe, through its official SDK. One PaymentIntent per attempt, created with the attempt's id as
 * idempotency key (and in its metadata), so the same create, sent again by whichever instance,
 * finds the same PaymentIntent: that is how the reconciler finds an attempt whose answer was lost
 * before its PaymentIntent id was recorded. Cards only (wallets included), confirmed either here
 * with a PaymentMethod id or by Stripe.js in the buyer's browser with the client secret.
 */
export class StripePaymentProvider implements PaymentProvider {
  readonly name = 'stripe' as const;
  private readonly stripe: Stripe;

  constructor(private readonly settings: StripeSettings) {
    const api = settings.apiUrl;
    this.stripe = new Stripe(settings.secretKey, {
      maxNetworkRetries: NETWORK_RETRIES,
      timeout: REQUEST_TIMEOUT_MS,
      telemetry: false,
      appInfo: { name: 'EventFlow' },
      ...(api && {
        host: api.hostname,
        port: api.port || (api.protocol === 'https:' ? 443 : 80),
        protocol: api.protocol === 'https:' ? 'https' : 'http',
      }),
    });
  }

  async prepare(attempt: PaymentAttempt): Promise<PreparedPayment> {
    const intent = await this.find(attempt);
    return { reference: intent.id, clientSecret: intent.client_secret };
  }

  async confirm(
    attempt: PaymentAttempt,
    prepared: PreparedPayment,
    paymentToken: string,
  ): Promise<PaymentState> {
    try {
      const intent = await this.stripe.paymentIntents.confirm(
        prepared.reference,
        { payment_method: paymentToken, use_stripe_sdk: true },
        // Stripe wants one key per kind of request: the attempt's id, marked as its confirmation.
        { idempotencyKey: `${attempt.paymentId}:confirm` },
      );
      return stateOf(intent);
    } catch (error) {
      if (error instanceof Stripe.errors.StripeCardError) {
        return { status: 'declined', reference: prepared.reference, reason: error.message };
      }
      if (
        error instanceof Stripe.errors.StripeInvalidRequestError &&
        (error.param === 'payment_method' || error.code === 'resource_missing')
      ) {
        return {
          status: 'declined',
          reference: prepared.reference,
          reason: 'The payment method was not accepted.',
        };
      }
      throw translated(error);
    }
  }

  async retrieve(attempt: PaymentAttempt): Promise<PaymentState> {
    const reference = attempt.providerRef ?? (await this.find(attempt)).id;
    return stateOf(await this.call(() => this.stripe.paymentIntents.retrieve(reference)));
  }

  async cancel(attempt: PaymentAttempt): Promise<PaymentState> {
    const reference = attempt.providerRef ?? (await this.find(attempt)).id;
    try {
      const intent = await this.stripe.paymentIntents.cancel(reference, {
        cancellation_reason: 'abandoned',
      });
      return stateOf(intent);
    } catch (error) {
      // Succeeded (or cancelled) before we got there: Stripe says so, with the PaymentIntent.
      if (
        error instanceof Stripe.errors.StripeInvalidRequestError &&
        error.code === 'payment_intent_unexpected_state' &&
        error.payment_intent
      ) {
        return stateOf(error.payment_intent);
      }
      throw translated(error);
    }
  }

  /**
   * Refunds once per refund row. Its id is kept in the Refund's metadata, which is looked up
   * first: a refund that succeeded, or is still pending (Stripe can take days, and can still fail
   * it), is answered as it stands. Only when none is there, or every earlier one failed, is a new
   * one created, under a key that has not made a refund nor been refused: the row's id, then
   * `<id>:<n>` with n the tries Stripe refused plus the refunds already made there. Stripe keeps
   * the first answer to a key for 24 hours, refusals included, so a retry under a refused key would
   * only be refused again, and a key that made a refund now failed would only answer that refund
   * again; a try that got no answer keeps its key, so its retry is told what it did.
   */
  async refund(refund: RefundRequest): Promise<RefundResult> {
    const paymentIntent = refund.paymentReference;
    if (!paymentIntent) {
      throw new PaymentProviderError(`Payment ${refund.paymentId} has no PaymentIntent to refund.`);
    }
    const earlier = await this.call(() =>
      this.stripe.refunds.list({ payment_intent: paymentIntent, limit: 100 }),
    );
    const ours = earlier.data.filter((r) => r.metadata?.refund_id === refund.refundId);
    const done = ours.find((r) => r.status === 'succeeded');
    if (done) return { reference: done.id, status: 'succeeded' };
    const waiting = ours.find((r) => r.status === 'pending' || r.status === 'requires_action');
    if (waiting) return { reference: waiting.id, status: 'pending' };
    const created = await this.call(() =>
      this.stripe.refunds.create(
        {
          payment_intent: paymentIntent,
          amount: refund.amountCents,
          reason: 'requested_by_customer',
          metadata: { refund_id: refund.refundId, payment_id: refund.paymentId },
        },
        {
          idempotencyKey: tryKey(refund.refundId, refund.refusals + ours.length),
        },
      ),
    );
    if (created.status === 'succeeded') return { reference: created.id, status: 'succeeded' };
    if (created.status === 'pending' || created.status === 'requires_action') {
      return { reference: created.id, status: 'pending' };
    }
    throw new PaymentProviderError(`Stripe refund ${created.id} is ${created.status}.`);
  }

  /**
   * Checks a webhook delivery's signature (Stripe-Signature, with the endpoint's secret and
   * Stripe's five-minute tolerance) and reads what it says about one of our attempts. Null for an
   * event that is not about a PaymentIntent's outcome, or a PaymentIntent not ours. Throws
   * Stripe's SignatureVerificationError when the signature does not hold.
   */
  verifyWebhook(rawBody: Buffer, signature: string): ProviderReport | null {
    const event = this.stripe.webhooks.constructEvent(
      rawBody,
      signature,
      this.settings.webhookSecret,
    );
    if (
      event.type !== 'payment_intent.succeeded' &&
      event.type !== 'payment_intent.payment_failed' &&
      event.type !== 'payment_intent.canceled'
    ) {
      return null;
    }
    const intent = event.data.object;
    const paymentId = intent.metadata?.payment_id;
    // Another integration on the same Stripe account may use the same metadata key.
    if (!paymentId || !UUID.test(paymentId)) return null;
    return {
      eventId: event.id,
      paymentId,
      amountCents: intent.amount,
      currency: intent.currency.toUpperCase(),
      state:
        event.type === 'payment_intent.payment_failed'
          ? {
              status: 'declined',
              reference: intent.id,
              reason: intent.last_payment_error?.message ?? 'The payment failed.',
            }
          : stateOf(intent),
    };
  }

  /** The attempt's PaymentIntent: created by the first call, found again by every later one. */
  private find(attempt: PaymentAttempt): Promise<Stripe.PaymentIntent> {
    const step = AMOUNT_STEP[attempt.currency] ?? 1;
    if (attempt.amountCents % step !== 0) {
      return Promise.reject(
        new PaymentProviderError(
          `Stripe takes ${attempt.currency} amounts only in multiples of ${step} of its minor unit; ${attempt.amountCents} is not.`,
        ),
      );
    }
    return this.call(() =>
      this.stripe.paymentIntents.create(
        {
          amount: attempt.amountCents,
          currency: attempt.currency.toLowerCase(),
          // Cards (Apple Pay and Google Pay are cards too): they succeed or fail at once. Methods
          // that settle over days (SEPA, ACH debits) would keep an order's stock held that long.
          allowed_payment_method_types: ['card'],
          metadata: { payment_id: attempt.paymentId, order_id: attempt.orderId },
        },
        { idempotencyKey: attempt.paymentId },
      ),
    );
  }

  private async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw translated(error);
    }
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function tryKey(refundId: string, earlierTries: number): string {
  return earlierTries === 0 ? refundId : `${refundId}:${earlierTries}`;
}

function stateOf(intent: Stripe.PaymentIntent): PaymentState {
  const reference = intent.id;
  switch (intent.status) {
    case 'succeeded':
      return { status: 'succeeded', reference };
    case 'requires_action':
      return { status: 'requires_action', reference, clientSecret: intent.client_secret };
    case 'canceled':
      return { status: 'canceled', reference };
    case 'requires_payment_method':
      // After a confirmation the card refused; before any, simply not confirmed yet.
      return intent.last_payment_error
        ? {
            status: 'declined',
            reference,
            reason: intent.last_payment_error.message ?? 'The card was declined.',
          }
        : { status: 'open', reference };
    default:
      // requires_confirmation, processing, requires_capture: it may still succeed.
      return { status: 'open', reference };
  }
}

/**
 * Stripe's errors in the two kinds the payment flow tells apart: refused, with nothing charged
 * (4xx answers), or not known (no answer, or a 5xx: Stripe may have done it).
 */
function translated(error: unknown): Error {
  if (error instanceof PaymentProviderError || error instanceof PaymentOutcomeUnknownError) {
    return error;
  }
  if (
    error instanceof Stripe.errors.StripeConnectionError ||
    error instanceof Stripe.errors.StripeAPIError
  ) {
    return new PaymentOutcomeUnknownError(`Stripe did not answer: ${error.message}`, {
      cause: error,
    });
  }
  if (error instanceof Stripe.errors.StripeError) {
    return new PaymentProviderError(`Stripe refused: ${error.message}`, { cause: error });
  }
  return new PaymentOutcomeUnknownError(`Stripe call failed: ${(error as Error).message}`, {
    cause: error,
  });
}
