import { randomUUID } from 'node:crypto';
import type {
  ChargeRequest,
  ChargeResult,
  PaymentProvider,
  RefundRequest,
} from './payment-provider.js';
import { PaymentProviderError } from './payment-provider.js';

/**
 * The built-in provider for development and tests. Approves every token except:
 * - `tok_declined`: declined (the API answers 402, the order stays pending);
 * - `tok_error`: the provider fails (502, the order stays pending);
 * - `tok_delay_<ms>`: approves after waiting that long (at most 10 s), to exercise a hold that
 *   expires while the provider works.
 * Charges and refunds are idempotent per order, as a real provider's idempotency keys make them.
 */
export class TestPaymentProvider implements PaymentProvider {
  private readonly charges = new Map<string, string>();
  private readonly refunds = new Set<string>();

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    const token = request.paymentToken;
    if (token === 'tok_declined') return { approved: false, reason: 'The card was declined.' };
    if (token === 'tok_error')
      throw new PaymentProviderError('The test provider was told to fail.');
    const delay = /^tok_delay_(\d{1,5})$/.exec(token);
    if (delay)
      await new Promise((resolve) => setTimeout(resolve, Math.min(Number(delay[1]), 10_000)));
    let reference = this.charges.get(request.orderId);
    if (!reference) {
      reference = `test_ch_${randomUUID()}`;
      this.charges.set(request.orderId, reference);
    }
    return { approved: true, reference };
  }

  /** Another instance may have taken the charge, so any reference is accepted. */
  async refund(request: RefundRequest): Promise<void> {
    this.refunds.add(request.orderId);
  }

  /** For tests: whether an order's charge was refunded through this provider. */
  wasRefunded(orderId: string): boolean {
    return this.refunds.has(orderId);
  }
}
