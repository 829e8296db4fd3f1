import type { PaymentProviderName } from './payment-provider.js';

export type PaymentStatus = 'PROCESSING' | 'REQUIRES_ACTION' | 'SUCCEEDED' | 'FAILED';

/** A payments row: one attempt to take an order's money. */
export interface PaymentRecord {
  id: string;
  orderId: string;
  provider: PaymentProviderName;
  providerRef: string | null;
  amountCents: number;
  currency: string;
  status: PaymentStatus;
  /** Cards declined in this attempt (server-side 0 or 1; in the browser, each refused card). */
  declines: number;
  /** This attempt's money paid the order (a success that came too late is refunded instead). */
  applied: boolean;
  failureReason: string | null;
}

/** What eventflow_begin_payment answers (see its migration). */
export type BeginOutcome =
  | { outcome: 'STARTED'; payment: PaymentRecord; orderExpiresAt: string }
  | { outcome: 'EXISTS'; payment: PaymentRecord }
  | { outcome: 'IN_PROGRESS'; payment: PaymentRecord }
  | { outcome: 'NOT_FOUND' }
  | { outcome: 'NOT_PENDING'; orderStatus: string }
  | { outcome: 'EXPIRED' }
  | { outcome: 'FREE' }
  | { outcome: 'TOO_MANY_DECLINES'; expiresAt: string }
  | { outcome: 'ATTENDEES_DO_NOT_MATCH' }
  | { outcome: 'NAMES_REQUIRED'; tickets: number; named: number };

/** What eventflow_payment_succeeded answers. */
export type SuccessOutcome =
  | { outcome: 'PAID'; orderStatus: string }
  | { outcome: 'REFUND_OWED'; refundId: string; orderStatus: string }
  | { outcome: 'ALREADY_RECORDED'; orderStatus: string }
  | { outcome: 'UNKNOWN_PAYMENT' };

/** What eventflow_pay_free_order answers. */
export type FreePayOutcome =
  | { outcome: 'PAID' }
  | { outcome: 'NOT_FOUND' }
  | { outcome: 'NOT_PENDING'; orderStatus: string }
  | { outcome: 'EXPIRED' };
