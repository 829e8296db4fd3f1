import type { PaymentProvider, PaymentProviderName } from './payment-provider.js';

/**
 * The providers this instance can reach: the one new payments go to (PAYMENT_PROVIDER), and every
 * other it has what it needs for (the test provider always; Stripe with its keys), so a payment is
 * always settled and refunded through the provider that took it, whichever is chosen now.
 */
export class PaymentProviders {
  private readonly byName: ReadonlyMap<PaymentProviderName, PaymentProvider>;

  constructor(
    readonly current: PaymentProvider,
    others: PaymentProvider[],
  ) {
    this.byName = new Map([current, ...others].map((provider) => [provider.name, provider]));
  }

  /** The provider of that name, or undefined when this instance cannot reach it. */
  for(name: PaymentProviderName): PaymentProvider | undefined {
    return this.byName.get(name);
  }

  get names(): PaymentProviderName[] {
    return [...this.byName.keys()];
  }
}
