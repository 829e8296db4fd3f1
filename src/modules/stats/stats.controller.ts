import { KeyScope } from '../../common/auth/api-key-scopes.js';
import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { EventTeamOnly } from '../../common/auth/access.decorators.js';
import { CurrentUser, type AuthUser } from '../../common/auth/auth-user.js';
import { ApiBadRequest, ApiNotFound } from '../../common/http/api-responses.js';
import { uuidParam } from '../../common/http/uuid-param.js';
import { EventStatsOutput } from './dto/event-stats.output.js';
import { StatsService } from './stats.service.js';

@ApiTags('events')
@Controller('events/:id/stats')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @Get()
  @EventTeamOnly('the organizer or a MANAGER')
  @KeyScope('events:read')
  @ApiOperation({
    operationId: 'getEventStats',
    summary: 'Sales figures of an event (its organizer or a MANAGER)',
  })
  @ApiOkResponse({ type: EventStatsOutput })
  @ApiBadRequest()
  @ApiNotFound('The event')
  get(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidParam('id')) eventId: string,
  ): Promise<EventStatsOutput> {
    return this.stats.forEvent(caller, eventId);
  }
}
