import { DomainError } from '../../common/errors/domain-error.js';

export const PaymentsErrors = {
  stripeNotEnabled: () =>
    new DomainError(
      404,
      'not-found',
      'Not Found',
      'Stripe webhooks are not enabled here (PAYMENT_PROVIDER is not stripe).',
    ),
  badWebhookSignature: (cause?: unknown) =>
    new DomainError(
      400,
      'webhook-signature-invalid',
      'Bad Request',
      `The Stripe-Signature header does not match the body${cause instanceof Error ? `: ${cause.message}` : '.'}`,
    ),
};
