import { KeyScope } from '../../common/auth/api-key-scopes.js';
import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ApiProblem } from '../../common/http/openapi-problems.js';
import { EventTeamOnly } from '../../common/auth/access.decorators.js';
import { CurrentUser, type AuthUser } from '../../common/auth/auth-user.js';
import { ApiBadRequest, ApiNotFound } from '../../common/http/api-responses.js';
import { uuidParam } from '../../common/http/uuid-param.js';
import { EventOutput } from '../events/dto/event.output.js';
import { EventCancellationService } from './event-cancellation.service.js';

export class EventCancellationOutput {
  @ApiProperty({ type: EventOutput }) event: EventOutput;
  @ApiProperty({ type: 'integer', description: 'Pending and paid orders cancelled.' })
  cancelledOrders: number;
  @ApiProperty({ type: 'integer', description: 'Of those, paid orders whose charge is refunded.' })
  refundedOrders: number;
}

@ApiTags('events')
@Controller('events')
export class EventCancellationController {
  constructor(private readonly cancellation: EventCancellationService) {}

  @Post(':id/cancel')
  @EventTeamOnly('the organizer only')
  @HttpCode(200)
  @KeyScope('events:write')
  @ApiOperation({
    operationId: 'cancelEvent',
    summary: 'Cancel an event (its organizer only)',
    description:
      'Every pending order is cancelled and every paid order refunded; their tickets become VOID.',
  })
  @ApiOkResponse({ type: EventCancellationOutput })
  @ApiBadRequest()
  @ApiNotFound('The event')
  @ApiProblem(409, 'The event is already cancelled.', ['event-already-cancelled'])
  async cancel(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidParam('id')) id: string,
  ): Promise<EventCancellationOutput> {
    const { event, cancelledOrders, refundedOrders } = await this.cancellation.cancel(caller, id);
    return { event: EventOutput.from(event), cancelledOrders, refundedOrders };
  }
}
