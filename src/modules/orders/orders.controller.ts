import { KeyScope } from '../../common/auth/api-key-scopes.js';
import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiProblem } from '../../common/http/openapi-problems.js';
import { SignedIn } from '../../common/auth/access.decorators.js';
import { PurchaseRateLimited } from '../../common/rate-limit/rate-limit.decorators.js';
import { CurrentUser, type AuthUser } from '../../common/auth/auth-user.js';
import { ApiBadRequest, ApiNotFound } from '../../common/http/api-responses.js';
import { PageQuery } from '../../common/http/pagination.js';
import { uuidParam } from '../../common/http/uuid-param.js';
import { CreateOrderInput } from './dto/create-order.input.js';
import { OrderListOutput, OrderOutput } from './dto/order.output.js';
import { AttendeeNamesInput, type AttendeeNameInput } from './dto/attendee-names.input.js';
import { PayOrderInput } from './dto/pay-order.input.js';
import type { AttendeeName } from './order.records.js';
import {
  IdempotencyKey,
  REPLAY_HEADER,
  type IdempotentRequest,
} from './idempotency/idempotency.js';
import { OrdersService, type OrderAnswer } from './orders.service.js';

const IDEMPOTENCY_HEADER = ApiHeader({
  name: 'Idempotency-Key',
  required: false,
  schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7E]+$' },
  example: 'order-2027-06-01-a1b2c3',
  description:
    'Retry safely: the same key with the same request answers the first answer again; with another request 422; ' +
    'while the first still runs 409. Kept at least 24 hours.',
});

/** An order answer with its status, marked when it is an Idempotency-Key replay. */
function send(reply: FastifyReply, answer: OrderAnswer): OrderOutput {
  void reply.status(answer.status);
  if (answer.replayed) void reply.header(REPLAY_HEADER, 'true');
  return answer.body;
}

@ApiTags('orders')
@Controller('orders')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Post()
  @SignedIn()
  @PurchaseRateLimited()
  @ApiProblem(429, 'Too many purchases from this account; see Retry-After.')
  @IDEMPOTENCY_HEADER
  @KeyScope('orders:write')
  @ApiOperation({
    operationId: 'createOrder',
    summary: 'Hold tickets: a PENDING order',
    description: `Stock for every item is held atomically, all or nothing, until \`expiresAt\` (ORDER_HOLD_SECONDS).`,
  })
  @ApiCreatedResponse({ type: OrderOutput })
  @ApiBadRequest()
  @ApiProblem(404, 'A ticket type does not exist (or its event is unpublished).', [
    'ticket-type-not-found',
  ])
  @ApiProblem(
    409,
    'Not enough available: names `ticketTypeId` and `available`. Or the Idempotency-Key is in use.',
    ['sold-out', 'idempotency-key-in-use'],
  )
  @ApiProblem(
    422,
    'Sales not open or closed, event started or cancelled, over maxPerOrder or maxPerBuyer, or the Idempotency-Key was used for another request.',
    [
      'sales-not-open',
      'sales-closed',
      'event-started',
      'event-cancelled',
      'over-max-per-order',
      'over-max-per-buyer',
      'items-span-events',
      'order-total-too-large',
      'idempotency-key-reused',
    ],
  )
  async create(
    @CurrentUser() caller: AuthUser,
    @Body() input: CreateOrderInput,
    @IdempotencyKey() idempotent: IdempotentRequest | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OrderOutput> {
    const answer = await this.orders.create(caller, input, idempotent);
    void reply.header('location', `/api/orders/${answer.body.id}`);
    return send(reply, answer);
  }

  @Post(':id/pay')
  @SignedIn()
  @PurchaseRateLimited()
  @HttpCode(200)
  @IDEMPOTENCY_HEADER
  @KeyScope('orders:write')
  @ApiOperation({
    operationId: 'payOrder',
    summary: 'Pay a pending order (server-side confirmation): PAID, one ticket per unit',
    description:
      'The payment is recorded before the provider is called: a second pay of the same order while one runs is a 409 ' +
      '`payment-in-progress`, never a second charge. With Stripe, `paymentToken` is a PaymentMethod id (`pm_...`). ' +
      'A free order is confirmed without any provider. At most 5 declined payments per order (then 409 `too-many-declines`); ' +
      'pays count in the per-account purchase rate limit.',
  })
  @ApiOkResponse({ type: OrderOutput, description: 'PAID, with its tickets.' })
  @ApiAcceptedResponse({
    type: OrderOutput,
    description:
      'Still PENDING: `payment.status` is REQUIRES_ACTION (complete 3-D Secure in the browser with `payment.clientSecret`; ' +
      'the order becomes PAID when the provider reports it) or PROCESSING (the provider has not answered yet: the order ' +
      'updates by itself; poll GET /api/orders/{id}). Not kept for Idempotency-Key retries: a retry answers the state then.',
  })
  @ApiBadRequest()
  @ApiNotFound('The order')
  @ApiProblem(402, 'Declined; the order stays PENDING.', ['payment-declined'])
  @ApiProblem(
    409,
    'Not pending (`order-not-pending`, with `orderStatus`), its hold ran out (`order-expired`), cancelled while the payment ran ' +
      '(`order-not-payable`: the charge is refunded), another payment of it is open (`payment-in-progress`), too many declines ' +
      '(`too-many-declines`), the event requires a name for every ticket (`attendee-names-required`), or the Idempotency-Key is in use.',
    [
      'order-not-pending',
      'order-expired',
      'order-not-payable',
      'payment-in-progress',
      'too-many-declines',
      'attendee-names-required',
      'idempotency-key-in-use',
    ],
  )
  @ApiProblem(422, 'The Idempotency-Key was used for another request.', ['idempotency-key-reused'])
  @ApiProblem(429, 'Too many purchases and payments from this account; see Retry-After.')
  @ApiProblem(
    502,
    'The payment provider refused the request; nothing was charged and the order stays PENDING.',
    ['payment-provider-error'],
  )
  async pay(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidParam('id')) id: string,
    @Body() input: PayOrderInput,
    @IdempotencyKey() idempotent: IdempotentRequest | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OrderOutput> {
    const attendees = input.attendees?.map(toAttendeeName) ?? null;
    return send(
      reply,
      await this.orders.pay(caller, id, { token: input.paymentToken, attendees }, idempotent),
    );
  }

  @Put(':id/attendees')
  @SignedIn()
  @KeyScope('orders:write')
  @ApiOperation({
    operationId: 'nameOrderAttendees',
    summary: 'Name who the tickets of a pending order are for (its buyer)',
    description:
      'Replaces any names given before. The tickets take them when the order is paid; after that, ' +
      'rename a ticket with PATCH /api/tickets/{code}/attendee. An event that requires names refuses ' +
      'a payment until every ticket is named (409 `attendee-names-required`).',
  })
  @ApiOkResponse({ type: OrderOutput, description: 'The order, with its `attendees`.' })
  @ApiBadRequest()
  @ApiNotFound('The order')
  @ApiProblem(409, 'The order is no longer pending.', ['order-not-pending'])
  async nameAttendees(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidParam('id')) id: string,
    @Body() input: AttendeeNamesInput,
  ): Promise<OrderOutput> {
    return this.orders.nameAttendees(caller, id, input.attendees.map(toAttendeeName));
  }

  @Post(':id/checkout')
  @SignedIn()
  @PurchaseRateLimited()
  @HttpCode(202)
  @IDEMPOTENCY_HEADER
  @KeyScope('orders:write')
  @ApiOperation({
    operationId: 'checkoutOrder',
    summary: 'Open a payment for the buyer’s browser (client-side confirmation)',
    description:
      'Creates the provider’s payment for the order (with Stripe, a PaymentIntent) and answers the order, still PENDING, with ' +
      '`payment.status` REQUIRES_ACTION and `payment.clientSecret` for Stripe.js (`stripe.confirmPayment`). The order becomes ' +
      'PAID when Stripe reports the payment succeeded to POST /api/payments/stripe/webhook. Asking again while that payment is ' +
      'open answers the same one. The built-in test provider has no browser confirmation (409 `checkout-unavailable`).',
  })
  @ApiAcceptedResponse({
    type: OrderOutput,
    description: 'PENDING, with the open payment and its client secret.',
  })
  @ApiOkResponse({ type: OrderOutput, description: 'Already PAID by this payment.' })
  @ApiBadRequest()
  @ApiNotFound('The order')
  @ApiProblem(402, 'This payment was declined (an Idempotency-Key retried after a decline).', [
    'payment-declined',
  ])
  @ApiProblem(
    409,
    'Not pending, hold ran out, a server-side payment of it is in progress, too many declines, names required ' +
      '(`attendee-names-required`: name them first with PUT …/attendees), free (`nothing-to-pay`), ' +
      'no browser confirmation with this provider (`checkout-unavailable`), or the Idempotency-Key is in use.',
    [
      'order-not-pending',
      'order-expired',
      'order-not-payable',
      'payment-in-progress',
      'too-many-declines',
      'attendee-names-required',
      'nothing-to-pay',
      'checkout-unavailable',
      'idempotency-key-in-use',
    ],
  )
  @ApiProblem(422, 'The Idempotency-Key was used for another request.', ['idempotency-key-reused'])
  @ApiProblem(429, 'Too many purchases and payments from this account; see Retry-After.')
  @ApiProblem(502, 'The payment provider refused the request; nothing was charged.', [
    'payment-provider-error',
  ])
  async checkout(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidParam('id')) id: string,
    @IdempotencyKey() idempotent: IdempotentRequest | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OrderOutput> {
    return send(reply, await this.orders.checkout(caller, id, idempotent));
  }

  @Post(':id/cancel')
  @SignedIn()
  @HttpCode(200)
  @KeyScope('orders:write')
  @ApiOperation({
    operationId: 'cancelOrder',
    summary: 'Cancel an order (its buyer or the event’s organizer)',
    description:
      'A PENDING order is CANCELLED and its stock comes back. A PAID order is REFUNDED (a free one CANCELLED): its tickets void, ' +
      'its stock back, its money sent back. Its buyer may do so only under the event’s refund policy: refunds allowed, before ' +
      '`refundDeadline` (default: the event’s start), and gets the total less the refund fee. The organizer refunds in full, any ' +
      'time. Never once a ticket of the order was checked in.',
  })
  @ApiOkResponse({ type: OrderOutput })
  @ApiBadRequest()
  @ApiNotFound('The order')
  @ApiProblem(
    409,
    'Not cancellable (`order-not-cancellable`: already cancelled, expired or refunded), refunds closed (`refund-window-closed`) ' +
      'or not offered (`refunds-not-allowed`), or a ticket of it was used (`ticket-used`).',
    ['order-not-cancellable', 'refund-window-closed', 'refunds-not-allowed', 'ticket-used'],
  )
  cancel(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidParam('id')) id: string,
  ): Promise<OrderOutput> {
    return this.orders.cancel(caller, id);
  }

  @Get()
  @SignedIn()
  @KeyScope('orders:read')
  @ApiOperation({ operationId: 'listOrders', summary: 'The caller’s own orders, newest first' })
  @ApiOkResponse({ type: OrderListOutput })
  @ApiBadRequest()
  async list(@CurrentUser() caller: AuthUser, @Query() query: PageQuery): Promise<OrderListOutput> {
    const { orders, meta } = await this.orders.list(caller, query.page, query.limit);
    return { data: orders.map((order) => OrderOutput.from(order)), meta };
  }

  @Get(':id')
  @SignedIn()
  @KeyScope('orders:read')
  @ApiOperation({
    operationId: 'getOrder',
    summary: 'One of the caller’s orders (anyone else’s is 404)',
  })
  @ApiOkResponse({ type: OrderOutput })
  @ApiBadRequest()
  @ApiNotFound('The order')
  async get(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidParam('id')) id: string,
  ): Promise<OrderOutput> {
    return OrderOutput.from(await this.orders.get(caller, id));
  }
}

function toAttendeeName(given: AttendeeNameInput): AttendeeName {
  return { ticketTypeId: given.ticketTypeId, name: given.name, email: given.email ?? null };
}
