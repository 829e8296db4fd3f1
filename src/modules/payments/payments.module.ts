import { Module } from '@nestjs/common';
import { PAYMENT_PROVIDER } from './payment-provider.js';
import { TestPaymentProvider } from './test-payment-provider.js';

/** Binds the payment provider. Only the built-in test provider exists so far; a real one plugs in here. */
@Module({
  providers: [{ provide: PAYMENT_PROVIDER, useClass: TestPaymentProvider }],
  exports: [PAYMENT_PROVIDER],
})
export class PaymentsModule {}
