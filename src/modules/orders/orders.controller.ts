import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiPaymentRequiredResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { SignedIn } from '../../common/auth/access.decorators.js';
import { PurchaseRateLimited } from '../../common/rate-limit/rate-limit.decorators.js';
import { CurrentUser, type AuthUser } from '../../common/auth/auth-user.js';
import { ApiBadRequest, ApiNotFound } from '../../common/http/api-responses.js';
import { ProblemResponse } from '../../common/http/openapi.js';
import { PageQuery } from '../../common/http/pagination.js';
import { uuidParam } from '../../common/http/uuid-param.js';
import { CreateOrderInput } from './dto/create-order.input.js';
import { OrderListOutput, OrderOutput } from './dto/order.output.js';
import { PayOrderInput } from './dto/pay-order.input.js';
import { IdempotencyKey, type IdempotentRequest } from './idempotency/idempotency.js';
import { OrdersService } from './orders.service.js';

const IDEMPOTENCY_HEADER = ApiHeader({
  name: 'Idempotency-Key',
  required: false,
  description:
    'Retry safely: the same key with the same request answers the first answer again; with another request 422; ' +
    'while the first still runs 409. Kept at least 24 hours.',
});

@ApiTags('orders')
@Controller('orders')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Post()
  @SignedIn()
  @PurchaseRateLimited()
  @ApiTooManyRequestsResponse({
    description: 'Too many purchases from this account; see Retry-After.',
    type: ProblemResponse,
  })
  @IDEMPOTENCY_HEADER
  @ApiOperation({
    summary: 'Hold tickets: a PENDING order',
    description: `Stock for every item is held atomically, all or nothing, until \`expiresAt\` (ORDER_HOLD_SECONDS).`,
  })
  @ApiCreatedResponse({ type: OrderOutput })
  @ApiBadRequest()
  @ApiNotFound('A ticket type (or its event is unpublished)')
  @ApiConflictResponse({
    description:
      'Not enough available: names `ticketTypeId` and `available`. Or the Idempotency-Key is in use.',
    type: ProblemResponse,
  })
  @ApiUnprocessableEntityResponse({
    description:
      'Sales not open or closed, event started or cancelled, over maxPerOrder or maxPerBuyer, or the Idempotency-Key was used for another request.',
    type: ProblemResponse,
  })
  create(
    @CurrentUser() caller: AuthUser,
    @Body() input: CreateOrderInput,
    @IdempotencyKey() idempotent: IdempotentRequest | undefined,
  ): Promise<OrderOutput> {
    return this.orders.create(caller, input, idempotent);
  }

  @Post(':id/pay')
  @SignedIn()
  @HttpCode(200)
  @IDEMPOTENCY_HEADER
  @ApiOperation({ summary: 'Pay a pending order: PAID, one ticket per unit' })
  @ApiOkResponse({ type: OrderOutput })
  @ApiBadRequest()
  @ApiNotFound('The order')
  @ApiPaymentRequiredResponse({
    description: 'Declined; the order stays PENDING.',
    type: ProblemResponse,
  })
  @ApiConflictResponse({
    description: 'The order is not pending (expired, cancelled, already paid).',
    type: ProblemResponse,
  })
  @ApiUnprocessableEntityResponse({
    description: 'The Idempotency-Key was used for another request.',
    type: ProblemResponse,
  })
  @ApiBadGatewayResponse({
    description: 'The payment provider failed; the order stays PENDING.',
    type: ProblemResponse,
  })
  pay(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidParam('id')) id: string,
    @Body() input: PayOrderInput,
    @IdempotencyKey() idempotent: IdempotentRequest | undefined,
  ): Promise<OrderOutput> {
    return this.orders.pay(caller, id, input.paymentToken, idempotent);
  }

  @Post(':id/cancel')
  @SignedIn()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Cancel an order (its buyer or the event’s organizer)',
    description: 'The stock comes back. A paid order is refunded until the event starts, then 409.',
  })
  @ApiOkResponse({ type: OrderOutput })
  @ApiBadRequest()
  @ApiNotFound('The order')
  @ApiConflictResponse({
    description: 'Already cancelled or expired, or the event has started.',
    type: ProblemResponse,
  })
  cancel(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidParam('id')) id: string,
  ): Promise<OrderOutput> {
    return this.orders.cancel(caller, id);
  }

  @Get()
  @SignedIn()
  @ApiOperation({ summary: 'The caller’s own orders, newest first' })
  @ApiOkResponse({ type: OrderListOutput })
  @ApiBadRequest()
  async list(@CurrentUser() caller: AuthUser, @Query() query: PageQuery): Promise<OrderListOutput> {
    const { orders, meta } = await this.orders.list(caller, query.page, query.limit);
    return { data: orders.map((order) => OrderOutput.from(order)), meta };
  }

  @Get(':id')
  @SignedIn()
  @ApiOperation({ summary: 'One of the caller’s orders (anyone else’s is 404)' })
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
