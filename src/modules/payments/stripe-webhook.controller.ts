import { Controller, Headers, HttpCode, Post, Req } from '@nestjs/common';
import {
  ApiExtension,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiTags,
} from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { ApiProblem } from '../../common/http/openapi-problems.js';
import { Public } from '../../common/auth/access.decorators.js';
import { rawBodyOf } from '../../common/http/raw-body.js';
import { PaymentsService } from './payments.service.js';

export const STRIPE_WEBHOOK_PATH = '/api/payments/stripe/webhook';

class WebhookReceivedOutput {
  @ApiProperty({ example: true }) received: boolean;
}

@ApiTags('payments')
@Controller('payments/stripe')
// Stripe's deliveries come from a few addresses in bursts; the signature, not a rate, keeps others out.
@SkipThrottle()
@ApiExtension('x-rate-limited', false)
export class StripeWebhookController {
  constructor(private readonly payments: PaymentsService) {}

  @Post('webhook')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    operationId: 'receiveStripeWebhook',
    summary: 'Stripe webhook endpoint (payment_intent.succeeded, .payment_failed, .canceled)',
    description:
      'Only Stripe calls this, with a body signed by the endpoint’s secret (STRIPE_WEBHOOK_SECRET). ' +
      'A PaymentIntent that succeeded pays its order (or is refunded when the order can no longer be paid). ' +
      'Deliveries may repeat and arrive in any order: each changes the order at most once. Other event types are acknowledged and ignored.',
  })
  @ApiHeader({ name: 'Stripe-Signature', required: true })
  @ApiOkResponse({ type: WebhookReceivedOutput })
  @ApiProblem(400, 'Missing or bad signature (or too old a timestamp).', [
    'webhook-signature-invalid',
  ])
  @ApiProblem(404, 'PAYMENT_PROVIDER is not stripe.')
  async receive(
    @Req() request: FastifyRequest,
    @Headers('stripe-signature') signature: string | undefined,
  ): Promise<WebhookReceivedOutput> {
    await this.payments.receiveStripeWebhook(rawBodyOf(request), signature);
    return { received: true };
  }
}
