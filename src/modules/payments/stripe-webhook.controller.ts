import { Controller, Headers, HttpCode, Post, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiTags,
} from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { Public } from '../../common/auth/access.decorators.js';
import { ProblemResponse } from '../../common/http/openapi.js';
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
export class StripeWebhookController {
  constructor(private readonly payments: PaymentsService) {}

  @Post('webhook')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Stripe webhook endpoint (payment_intent.succeeded, .payment_failed, .canceled)',
    description:
      'Only Stripe calls this, with a body signed by the endpoint’s secret (STRIPE_WEBHOOK_SECRET). ' +
      'A PaymentIntent that succeeded pays its order (or is refunded when the order can no longer be paid). ' +
      'Deliveries may repeat and arrive in any order: each changes the order at most once. Other event types are acknowledged and ignored.',
  })
  @ApiHeader({ name: 'Stripe-Signature', required: true })
  @ApiOkResponse({ type: WebhookReceivedOutput })
  @ApiBadRequestResponse({
    description: 'Missing or bad signature (or too old a timestamp).',
    type: ProblemResponse,
  })
  @ApiNotFoundResponse({ description: 'PAYMENT_PROVIDER is not stripe.', type: ProblemResponse })
  async receive(
    @Req() request: FastifyRequest,
    @Headers('stripe-signature') signature: string | undefined,
  ): Promise<WebhookReceivedOutput> {
    await this.payments.receiveStripeWebhook(rawBodyOf(request), signature);
    return { received: true };
  }
}
