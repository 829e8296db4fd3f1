import { KeyScope } from '../../common/auth/api-key-scopes.js';
import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { EventTeamOnly } from '../../common/auth/access.decorators.js';
import { CurrentUser, type AuthUser } from '../../common/auth/auth-user.js';
import { ApiBadRequest, ApiNotFound } from '../../common/http/api-responses.js';
import { uuidParam } from '../../common/http/uuid-param.js';
import { EventOrderListOutput, EventOrderOutput } from './dto/order.output.js';
import { EventOrdersQuery } from './dto/event-orders.query.js';
import { EventOrdersService } from './event-orders.service.js';

@ApiTags('orders')
@Controller('events/:id/orders')
export class EventOrdersController {
  constructor(private readonly eventOrders: EventOrdersService) {}

  @Get()
  @EventTeamOnly('the organizer or a MANAGER')
  @KeyScope('orders:read')
  @ApiOperation({
    operationId: 'listEventOrders',
    summary: 'The event’s orders, newest first, with their buyers (its organizer or a MANAGER)',
  })
  @ApiOkResponse({ type: EventOrderListOutput })
  @ApiBadRequest()
  @ApiNotFound('The event')
  async list(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidParam('id')) eventId: string,
    @Query() query: EventOrdersQuery,
  ): Promise<EventOrderListOutput> {
    const { orders, meta } = await this.eventOrders.list(
      caller,
      eventId,
      { status: query.status, buyerEmail: query.email },
      query.page,
      query.limit,
    );
    return { data: orders.map((order) => EventOrderOutput.withBuyer(order)), meta };
  }
}
