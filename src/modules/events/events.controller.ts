import { KeyScope } from '../../common/auth/api-key-scopes.js';
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiProblem } from '../../common/http/openapi-problems.js';
import { AdminOnly, EventTeamOnly, Public } from '../../common/auth/access.decorators.js';
import { CurrentUser, OptionalUser, type AuthUser } from '../../common/auth/auth-user.js';
import { ApiBadRequest, ApiNotFound } from '../../common/http/api-responses.js';
import { PageQuery } from '../../common/http/pagination.js';
import { uuidParam } from '../../common/http/uuid-param.js';
import { CreateEventInput, UpdateEventInput } from './dto/event.input.js';
import { EventListOutput, EventOutput } from './dto/event.output.js';
import { ListEventsQuery } from './dto/list-events.query.js';
import { EventsService } from './events.service.js';

@ApiTags('events')
@Controller('events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Get()
  @Public()
  @KeyScope('events:read')
  @ApiOperation({
    operationId: 'listEvents',
    summary: 'Published, not cancelled events, soonest first',
    description:
      'Cached for CACHE_TTL seconds (shared by every instance through Redis); any change to an event or its ' +
      'ticket types invalidates it at once. `available` here may lag by up to the TTL; the detail route is live.',
  })
  @ApiOkResponse({ type: EventListOutput })
  @ApiBadRequest()
  async list(
    @Query() query: ListEventsQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer> {
    void reply.header('content-type', 'application/json; charset=utf-8');
    return this.events.listPublishedJson(query);
  }

  @Get('mine')
  @AdminOnly()
  @KeyScope('events:read')
  @ApiOperation({
    operationId: 'listMyEvents',
    summary: "The caller's own events, drafts included",
  })
  @ApiOkResponse({ type: EventListOutput })
  @ApiBadRequest()
  async mine(@CurrentUser() caller: AuthUser, @Query() query: PageQuery): Promise<EventListOutput> {
    const { events, meta } = await this.events.listMine(caller, query.page, query.limit);
    return { data: events.map((e) => EventOutput.from(e)), meta };
  }

  @Get(':id')
  @Public()
  @KeyScope('events:read')
  @ApiOperation({
    operationId: 'getEvent',
    summary: 'One event with live availability',
    description: 'A draft is visible to its organizer and its team only.',
  })
  @ApiOkResponse({ type: EventOutput })
  @ApiBadRequest()
  @ApiNotFound('The event')
  async get(
    @Param('id', uuidParam('id')) id: string,
    @OptionalUser() caller: AuthUser | undefined,
  ): Promise<EventOutput> {
    return EventOutput.from(await this.events.get(id, caller));
  }

  @Post()
  @AdminOnly()
  @KeyScope('events:write')
  @ApiOperation({
    operationId: 'createEvent',
    summary: 'Create an event, optionally with its ticket types',
  })
  @ApiCreatedResponse({ type: EventOutput })
  @ApiBadRequest()
  async create(
    @CurrentUser() caller: AuthUser,
    @Body() input: CreateEventInput,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<EventOutput> {
    const event = await this.events.create(caller, input);
    void reply.header('location', `/api/events/${event.id}`);
    return EventOutput.from(event);
  }

  @Patch(':id')
  @EventTeamOnly('the organizer or a MANAGER')
  @KeyScope('events:write')
  @ApiOperation({
    operationId: 'updateEvent',
    summary: 'Change an event (its organizer or a MANAGER)',
  })
  @ApiOkResponse({ type: EventOutput })
  @ApiBadRequest()
  @ApiNotFound('The event')
  @ApiProblem(409, 'The event is cancelled, or the currency changes after sales.', [
    'event-cancelled',
    'currency-locked',
  ])
  async update(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidParam('id')) id: string,
    @Body() input: UpdateEventInput,
  ): Promise<EventOutput> {
    return EventOutput.from(await this.events.update(caller, id, input));
  }

  @Delete(':id')
  @EventTeamOnly('the organizer only')
  @HttpCode(204)
  @KeyScope('events:write')
  @ApiOperation({
    operationId: 'deleteEvent',
    summary: 'Delete an event nothing was ever held or sold on',
  })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiBadRequest()
  @ApiNotFound('The event')
  @ApiProblem(409, 'Tickets were held or sold: cancel the event instead.', ['event-has-orders'])
  async remove(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidParam('id')) id: string,
  ): Promise<void> {
    await this.events.remove(caller, id);
  }
}
