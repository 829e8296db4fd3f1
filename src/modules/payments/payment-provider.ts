/**
 * Where money moves. EventFlow never holds a database lock while it waits on a provider, and it
 * calls a provider only for an attempt (a payments row) or a refund (a refunds row) it has already
 * written: their ids are the idempotency keys the provider is called with, so a retried call, from
 * whichever instance, never charges or refunds twice.
 *
 * A payment is made in two steps, so that an attempt whose outcome was lost (a crash, a timeout)
 * can always be found again and settled: `prepare` creates the provider's payment (nothing is
 * charged), `confirm` charges it. `retrieve` and `cancel` are what the reconciler asks.
 */
export interface PaymentProvider {
  readonly name: PaymentProviderName;
  /** Creates, or with the same attempt id finds again, the provider's payment. Charges nothing. */
  prepare(attempt: PaymentAttempt): Promise<PreparedPayment>;
  /** Charges the prepared payment with the buyer's payment method (server-side confirmation). */
  confirm(
    attempt: PaymentAttempt,
    prepared: PreparedPayment,
    paymentToken: string,
  ): Promise<PaymentState>;
  /** What the provider knows of the attempt now. */
  retrieve(attempt: PaymentAttempt): Promise<PaymentState>;
  /**
   * Makes sure the attempt can never succeed from now on, and answers its final state: `canceled`,
   * or `succeeded` when the charge got there first.
   */
  cancel(attempt: PaymentAttempt): Promise<PaymentState>;
  /**
   * Gives back part or all of a succeeded payment, or says how an earlier try of the same refund
   * stands: `succeeded`, or `pending` (accepted, not yet through: asked again later). Throws
   * PaymentProviderError when refused, PaymentOutcomeUnknownError when there was no answer.
   */
  refund(refund: RefundRequest): Promise<RefundResult>;
}

export type PaymentProviderName = 'test' | 'stripe';

/** A payments row, as a provider needs it. */
export interface PaymentAttempt {
  paymentId: string;
  orderId: string;
  amountCents: number;
  currency: string;
  /** The provider's id of its payment, once known (a Stripe PaymentIntent id). */
  providerRef: string | null;
}

export interface PreparedPayment {
  reference: string;
  /** What the buyer's browser needs to confirm the payment itself (Stripe.js); null if none. */
  clientSecret: string | null;
}

/**
 * - succeeded: the money was taken;
 * - requires_action: the buyer must act (3-D Secure, or confirm in the browser), with clientSecret;
 * - declined: the payment method was refused (nothing taken);
 * - open: not confirmed, or still processing: it may yet succeed;
 * - canceled: it can never succeed.
 */
export type PaymentState =
  | { status: 'succeeded'; reference: string }
  | { status: 'requires_action'; reference: string; clientSecret: string | null }
  | { status: 'declined'; reference: string | null; reason: string }
  | { status: 'open'; reference: string | null }
  | { status: 'canceled'; reference: string | null };

export interface RefundResult {
  reference: string;
  status: 'succeeded' | 'pending';
}

export interface RefundRequest {
  refundId: string;
  /**
   * Earlier tries of this refund the provider refused outright: each spent its idempotency key, so
   * the next try needs a key of its own. (A try without an answer keeps its key: the retry under it
   * is answered with what that try did.)
   */
  refusals: number;
  paymentId: string;
  /** The payment's reference at the provider. */
  paymentReference: string | null;
  amountCents: number;
  currency: string;
}

/** A provider's own report of an attempt (a verified webhook). */
export interface ProviderReport {
  /** The provider's id of the event: a redelivery of it is recognised and changes nothing. */
  eventId: string;
  paymentId: string;
  state: PaymentState;
  amountCents: number;
  currency: string;
}

/** The provider refused or failed, and is known to have charged (or refunded) nothing. */
export class PaymentProviderError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PaymentProviderError';
  }
}

/**
 * The provider could not be reached or its answer was lost: the outcome is not known. The attempt
 * stays open and the reconciler asks the provider again once its lease has passed.
 */
export class PaymentOutcomeUnknownError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PaymentOutcomeUnknownError';
  }
}

export const PAYMENT_PROVIDER = Symbol('PAYMENT_PROVIDER');
