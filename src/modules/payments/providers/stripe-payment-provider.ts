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
} from '../payment-provider.js';

/** A Stripe call gives up after this long; with its retries, well inside an attempt's lease. */
const REQUEST_TIMEOUT_MS = 15_000;
/** Retried by the SDK with the same idempotency key, so a retry never charges twice. */
const NETWORK_RETRIES = 2;

/**
 * Stripe, through its official SDK. One PaymentIntent per attempt, created with the attempt's id as
 * idempotency key (and in its metadata), so the same create, sent again by whichever instance,
 * finds the same PaymentIntent: that is how the reconciler finds an attempt whose answer was lost
 * before its PaymentIntent id was recorded. Cards and wallets without redirects only
 * (automatic_payment_methods with allow_redirects "never"), confirmed either here with a
 * PaymentMethod id or by Stripe.js in the buyer's browser with the client secret.
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
   * Refunds once per refund row: its id is the idempotency key and is kept in the Refund's
   * metadata, which is looked up first, because a retry after Stripe's 24-hour idempotency window
   * would otherwise refund again.
   */
  async refund(refund: RefundRequest): Promise<{ reference: string }> {
    const paymentIntent = refund.paymentReference;
    if (!paymentIntent) {
      throw new PaymentProviderError(`Payment ${refund.paymentId} has no PaymentIntent to refund.`);
    }
    const earlier = await this.call(() =>
      this.stripe.refunds.list({ payment_intent: paymentIntent, limit: 100 }),
    );
    const done = earlier.data.find((r) => r.metadata?.refund_id === refund.refundId);
    if (done) return { reference: done.id };
    const created = await this.call(() =>
      this.stripe.refunds.create(
        {
          payment_intent: paymentIntent,
          amount: refund.amountCents,
          reason: 'requested_by_customer',
          metadata: { refund_id: refund.refundId, payment_id: refund.paymentId },
        },
        { idempotencyKey: refund.refundId },
      ),
    );
    if (created.status === 'failed' || created.status === 'canceled') {
      throw new PaymentProviderError(`Stripe refund ${created.id} is ${created.status}.`);
    }
    return { reference: created.id };
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
    if (!paymentId) return null;
    return {
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
    return this.call(() =>
      this.stripe.paymentIntents.create(
        {
          amount: attempt.amountCents,
          currency: attempt.currency.toLowerCase(),
          automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
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
