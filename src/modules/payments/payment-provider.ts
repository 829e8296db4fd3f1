/**
 * Where money moves. EventFlow never holds a database lock while it waits on a provider.
 * Implementations must make `charge` and `refund` idempotent per `orderId` (real providers take
 * an idempotency key): a retried call must not charge or refund twice.
 */
export interface PaymentProvider {
  charge(request: ChargeRequest): Promise<ChargeResult>;
  refund(request: RefundRequest): Promise<void>;
}

export interface ChargeRequest {
  orderId: string;
  amountCents: number;
  currency: string;
  paymentToken: string;
}

export type ChargeResult =
  { approved: true; reference: string } | { approved: false; reason: string };

export interface RefundRequest {
  orderId: string;
  reference: string;
  amountCents: number;
  currency: string;
}

/** The provider could not be reached or failed; nothing is known to have been charged. */
export class PaymentProviderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PaymentProviderError';
  }
}

export const PAYMENT_PROVIDER = Symbol('PAYMENT_PROVIDER');
