import { Injectable } from '@nestjs/common';
import {
  PaymentOutcomeUnknownError,
  PaymentProviderError,
  type PaymentAttempt,
  type PaymentProvider,
  type PaymentState,
  type PreparedPayment,
  type RefundRequest,
  type RefundResult,
} from '../payment-provider.js';
import { TestProviderLedger } from './test-provider.ledger.js';

/** Longest a `tok_delay_<ms>` token may make the provider wait. */
const MAX_DELAY_MS = 10_000;

/**
 * The built-in provider for development, tests and demos: no money moves. It keeps its books in
 * PostgreSQL (TestProviderLedger), so all instances see one provider, as they would see one Stripe.
 * Every `paymentToken` is approved except:
 * - `tok_declined`: declined (402, counted against the order's declines);
 * - `tok_error`: the provider fails and charges nothing (502);
 * - `tok_lost_answer`: the charge goes through but its answer is lost (as a timeout would lose it);
 *   the reconciler finds it;
 * - `tok_delay_<ms>`: approved after that long (at most 10 s), to let a hold run out meanwhile.
 */
@Injectable()
export class TestPaymentProvider implements PaymentProvider {
  readonly name = 'test' as const;
  private refusingRefunds = false;

  constructor(private readonly ledger: TestProviderLedger) {}

  prepare(attempt: PaymentAttempt): Promise<PreparedPayment> {
    return Promise.resolve({ reference: referenceOf(attempt), clientSecret: null });
  }

  async confirm(
    attempt: PaymentAttempt,
    prepared: PreparedPayment,
    paymentToken: string,
  ): Promise<PaymentState> {
    if (paymentToken === 'tok_declined') {
      return {
        status: 'declined',
        reference: prepared.reference,
        reason: 'The card was declined.',
      };
    }
    if (paymentToken === 'tok_error') {
      throw new PaymentProviderError('The test provider was told to fail.');
    }
    const delay = /^tok_delay_(\d{1,5})$/.exec(paymentToken);
    if (delay) await sleep(Math.min(Number(delay[1]), MAX_DELAY_MS));
    const outcome = await this.ledger.settle(
      attempt.paymentId,
      attempt.amountCents,
      attempt.currency,
      'SUCCEEDED',
    );
    if (outcome === 'CANCELED') {
      throw new PaymentProviderError('The payment was cancelled before it was confirmed.');
    }
    if (paymentToken === 'tok_lost_answer') {
      throw new PaymentOutcomeUnknownError('The test provider charged, then lost its answer.');
    }
    return { status: 'succeeded', reference: prepared.reference };
  }

  async retrieve(attempt: PaymentAttempt): Promise<PaymentState> {
    return stateOf(attempt, await this.ledger.outcomeOf(attempt.paymentId));
  }

  async cancel(attempt: PaymentAttempt): Promise<PaymentState> {
    const outcome = await this.ledger.settle(
      attempt.paymentId,
      attempt.amountCents,
      attempt.currency,
      'CANCELED',
    );
    return stateOf(attempt, outcome);
  }

  async refund(refund: RefundRequest): Promise<RefundResult> {
    if (this.refusingRefunds) throw new PaymentProviderError('The test provider refuses refunds.');
    const result = await this.ledger.refund(refund.refundId, refund.paymentId, refund.amountCents);
    if (result === 'not-charged') {
      throw new PaymentProviderError(`Payment ${refund.paymentId} was never charged.`);
    }
    if (result === 'too-much') {
      throw new PaymentProviderError(`Payment ${refund.paymentId} has less than that left.`);
    }
    return { reference: `test_re_${refund.refundId}`, status: 'succeeded' };
  }

  /** For tests and demos of the refund retries: while on, every refund is refused. */
  refuseRefunds(refusing: boolean): void {
    this.refusingRefunds = refusing;
  }
}

function referenceOf(attempt: PaymentAttempt): string {
  return `test_pay_${attempt.paymentId}`;
}

function stateOf(attempt: PaymentAttempt, outcome: 'SUCCEEDED' | 'CANCELED' | null): PaymentState {
  const reference = referenceOf(attempt);
  if (outcome === 'SUCCEEDED') return { status: 'succeeded', reference };
  if (outcome === 'CANCELED') return { status: 'canceled', reference };
  return { status: 'open', reference };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
