import { ApiProperty } from '@nestjs/swagger';
import type { PaymentRecord, PaymentStatus } from '../payment.records.js';

export class PaymentOutput {
  @ApiProperty({
    format: 'uuid',
    description: 'Also the idempotency key the provider was called with.',
  })
  id: string;
  @ApiProperty({ enum: ['test', 'stripe'] }) provider: string;
  @ApiProperty({
    enum: ['PROCESSING', 'REQUIRES_ACTION', 'SUCCEEDED', 'FAILED'],
    description:
      'PROCESSING: the provider has not finished (the order updates by itself); REQUIRES_ACTION: the buyer must complete it ' +
      '(3-D Secure, or confirm in the browser with `clientSecret`); SUCCEEDED; FAILED (declined, or refused by the provider).',
  })
  status: PaymentStatus;
  @ApiProperty({ type: 'integer', description: 'Integer cents.' }) amountCents: number;
  @ApiProperty({ example: 'USD' }) currency: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Why it failed, or the last refusal of a card while the buyer is still paying.',
  })
  failureReason: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description:
      'For Stripe.js in the buyer’s browser (`stripe.confirmPayment` or `handleNextAction`): only in the answer that ' +
      'opens or resumes a payment that requires action; null everywhere else.',
  })
  clientSecret: string | null;

  static from(payment: PaymentRecord, clientSecret: string | null = null): PaymentOutput {
    return {
      id: payment.id,
      provider: payment.provider,
      status: payment.status,
      amountCents: payment.amountCents,
      currency: payment.currency,
      failureReason: payment.failureReason,
      clientSecret: payment.status === 'REQUIRES_ACTION' ? clientSecret : null,
    };
  }
}
