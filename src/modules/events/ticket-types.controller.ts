import { KeyScope } from '../../common/auth/api-key-scopes.js';
import { Body, Controller, Delete, HttpCode, Param, Patch, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiProblem } from '../../common/http/openapi-problems.js';
import { EventTeamOnly } from '../../common/auth/access.decorators.js';
import { CurrentUser, type AuthUser } from '../../common/auth/auth-user.js';
import { ApiBadRequest, ApiNotFound } from '../../common/http/api-responses.js';
import { uuidParam } from '../../common/http/uuid-param.js';
import { TicketTypeOutput } from './dto/event.output.js';
import { CreateTicketTypeInput, UpdateTicketTypeInput } from './dto/ticket-type.input.js';
import { TicketTypesService } from './ticket-types.service.js';

@ApiTags('events')
@Controller('events/:id/ticket-types')
export class TicketTypesController {
  constructor(private readonly ticketTypes: TicketTypesService) {}

  @Post()
  @EventTeamOnly('the organizer or a MANAGER')
  @KeyScope('events:write')
  @ApiOperation({
    operationId: 'createTicketType',
    summary: 'Add a ticket type to an event (its organizer or a MANAGER)',
  })
  @ApiCreatedResponse({ type: TicketTypeOutput })
  @ApiBadRequest()
  @ApiNotFound('The event')
  @ApiProblem(409, 'The event is cancelled.', ['event-cancelled'])
  async create(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidParam('id')) eventId: string,
    @Body() input: CreateTicketTypeInput,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TicketTypeOutput> {
    const ticketType = await this.ticketTypes.create(caller, eventId, input);
    // A ticket type is read as part of its event.
    void reply.header('location', `/api/events/${eventId}`);
    return TicketTypeOutput.from(ticketType);
  }

  @Patch(':ticketTypeId')
  @EventTeamOnly('the organizer or a MANAGER')
  @KeyScope('events:write')
  @ApiOperation({
    operationId: 'updateTicketType',
    summary: 'Change a ticket type',
    description: '`available` moves with `capacity`, which may not drop below held + sold.',
  })
  @ApiOkResponse({ type: TicketTypeOutput })
  @ApiBadRequest()
  @ApiNotFound('The event or ticket type')
  @ApiProblem(409, 'Capacity below held + sold, or the event is cancelled.', [
    'capacity-below-committed',
    'event-cancelled',
  ])
  async update(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidParam('id')) eventId: string,
    @Param('ticketTypeId', uuidParam('ticketTypeId')) id: string,
    @Body() input: UpdateTicketTypeInput,
  ): Promise<TicketTypeOutput> {
    return TicketTypeOutput.from(await this.ticketTypes.update(caller, eventId, id, input));
  }

  @Delete(':ticketTypeId')
  @EventTeamOnly('the organizer or a MANAGER')
  @HttpCode(204)
  @KeyScope('events:write')
  @ApiOperation({
    operationId: 'deleteTicketType',
    summary: 'Delete a ticket type nothing was held or sold of',
  })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiBadRequest()
  @ApiNotFound('The event or ticket type')
  @ApiProblem(409, 'Tickets of this type were held or sold.', [
    'ticket-type-has-orders',
    'event-cancelled',
  ])
  async remove(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidParam('id')) eventId: string,
    @Param('ticketTypeId', uuidParam('ticketTypeId')) id: string,
  ): Promise<void> {
    await this.ticketTypes.remove(caller, eventId, id);
  }
}
