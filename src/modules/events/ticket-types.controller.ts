import { Body, Controller, Delete, HttpCode, Param, Patch, Post } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AdminOnly } from '../../common/auth/access.decorators.js';
import { CurrentUser, type AuthUser } from '../../common/auth/auth-user.js';
import { ApiBadRequest, ApiNotFound } from '../../common/http/api-responses.js';
import { ProblemResponse } from '../../common/http/openapi.js';
import { uuidParam } from '../../common/http/uuid-param.js';
import { TicketTypeOutput } from './dto/event.output.js';
import { CreateTicketTypeInput, UpdateTicketTypeInput } from './dto/ticket-type.input.js';
import { TicketTypesService } from './ticket-types.service.js';

@ApiTags('events')
@Controller('events/:id/ticket-types')
export class TicketTypesController {
  constructor(private readonly ticketTypes: TicketTypesService) {}

  @Post()
  @AdminOnly()
  @ApiOperation({ summary: 'Add a ticket type to an event (its organizer only)' })
  @ApiCreatedResponse({ type: TicketTypeOutput })
  @ApiBadRequest()
  @ApiNotFound('The event')
  @ApiConflictResponse({ description: 'The event is cancelled.', type: ProblemResponse })
  async create(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidParam('id')) eventId: string,
    @Body() input: CreateTicketTypeInput,
  ): Promise<TicketTypeOutput> {
    return TicketTypeOutput.from(await this.ticketTypes.create(caller, eventId, input));
  }

  @Patch(':ticketTypeId')
  @AdminOnly()
  @ApiOperation({
    summary: 'Change a ticket type',
    description: '`available` moves with `capacity`, which may not drop below held + sold.',
  })
  @ApiOkResponse({ type: TicketTypeOutput })
  @ApiBadRequest()
  @ApiNotFound('The event or ticket type')
  @ApiConflictResponse({
    description: 'Capacity below held + sold, or the event is cancelled.',
    type: ProblemResponse,
  })
  async update(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidParam('id')) eventId: string,
    @Param('ticketTypeId', uuidParam('ticketTypeId')) id: string,
    @Body() input: UpdateTicketTypeInput,
  ): Promise<TicketTypeOutput> {
    return TicketTypeOutput.from(await this.ticketTypes.update(caller, eventId, id, input));
  }

  @Delete(':ticketTypeId')
  @AdminOnly()
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a ticket type nothing was held or sold of' })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiBadRequest()
  @ApiNotFound('The event or ticket type')
  @ApiConflictResponse({
    description: 'Tickets of this type were held or sold.',
    type: ProblemResponse,
  })
  async remove(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidParam('id')) eventId: string,
    @Param('ticketTypeId', uuidParam('ticketTypeId')) id: string,
  ): Promise<void> {
    await this.ticketTypes.remove(caller, eventId, id);
  }
}
