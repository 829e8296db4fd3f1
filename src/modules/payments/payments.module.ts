import { Logger, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { PAYMENT_PROVIDER } from './payment-provider.js';
import { PaymentProviders } from './payment-providers.js';
import { PaymentsRepository } from './payments.repository.js';
import { PaymentsService } from './payments.service.js';
import { StripePaymentProvider } from './providers/stripe-payment-provider.js';
import { TestPaymentProvider } from './providers/test-payment-provider.js';
import { TestProviderLedger } from './providers/test-provider.ledger.js';
import { RefundsRepository } from './refunds/refunds.repository.js';
import { RefundsService } from './refunds/refunds.service.js';
import { StripeWebhookController } from './stripe-webhook.controller.js';

/**
 * Every provider this instance can reach, and the one PAYMENT_PROVIDER names for new payments; the
 * test one says so loudly wherever it matters.
 */
function reachableProviders(config: AppConfig, ledger: TestProviderLedger): PaymentProviders {
  const logger = new Logger('Payments');
  const test = new TestPaymentProvider(ledger);
  const stripe = config.payments.stripe && new StripePaymentProvider(config.payments.stripe);
  if (config.payments.provider === 'stripe' && stripe) {
    logger.log(
      `Payments go through Stripe${config.payments.stripe?.apiUrl ? ` at ${config.payments.stripe.apiUrl.origin}` : ''}`,
    );
    return new PaymentProviders(stripe, [test]);
  }
  if (config.nodeEnv === 'production') {
    logger.warn(
      'PAYMENT_PROVIDER=test IN PRODUCTION: NO MONEY IS TAKEN. Every payment token but a few test ' +
        'ones is approved and orders are PAID for free. Set PAYMENT_PROVIDER=stripe to take real payments.',
    );
  } else if (!config.payments.providerChosen) {
    logger.log('PAYMENT_PROVIDER is not set: the built-in test provider takes no money');
  }
  return new PaymentProviders(test, []);
}

@Module({
  controllers: [StripeWebhookController],
  providers: [
    TestProviderLedger,
    {
      provide: PaymentProviders,
      inject: [APP_CONFIG, TestProviderLedger],
      useFactory: reachableProviders,
    },
    // The provider new payments go to (tests reach the test provider's switches through it).
    {
      provide: PAYMENT_PROVIDER,
      inject: [PaymentProviders],
      useFactory: (providers: PaymentProviders) => providers.current,
    },
    PaymentsRepository,
    PaymentsService,
    RefundsRepository,
    RefundsService,
  ],
  exports: [PaymentsService, RefundsService, PAYMENT_PROVIDER],
})
export class PaymentsModule {}
