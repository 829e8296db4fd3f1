import { KeyScope } from '../../common/auth/api-key-scopes.js';
import { Body, Controller, Get, Param, Patch, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { SignedIn } from '../../common/auth/access.decorators.js';
import { CurrentUser, type AuthUser } from '../../common/auth/auth-user.js';
import { ApiBadRequest, ApiNotFound } from '../../common/http/api-responses.js';
import { PageQuery } from '../../common/http/pagination.js';
import { ApiProblem } from '../../common/http/openapi-problems.js';
import { ChangeAttendeeInput } from './dto/attendee.input.js';
import { TicketCodeParam } from './dto/ticket-code.param.js';
import { TicketListOutput, TicketWithEventOutput } from './dto/ticket.output.js';
import { TicketsService } from './tickets.service.js';

@ApiTags('tickets')
@Controller('tickets')
export class TicketsController {
  constructor(private readonly tickets: TicketsService) {}

  @Get()
  @SignedIn()
  @KeyScope('orders:read')
  @ApiOperation({
    operationId: 'listTickets',
    summary: 'The caller’s own tickets, with their event',
  })
  @ApiOkResponse({ type: TicketListOutput })
  @ApiBadRequest()
  async list(
    @CurrentUser() caller: AuthUser,
    @Query() query: PageQuery,
  ): Promise<TicketListOutput> {
    const { tickets, meta } = await this.tickets.listOwn(caller, query.page, query.limit);
    return { data: tickets.map((ticket) => TicketWithEventOutput.withEvent(ticket)), meta };
  }

  @Get(':code')
  @SignedIn()
  @KeyScope('orders:read')
  @ApiOperation({
    operationId: 'getTicket',
    summary: 'One ticket (its holder, or the event’s organizer or team; anyone else 404)',
  })
  @ApiOkResponse({ type: TicketWithEventOutput })
  @ApiBadRequest()
  @ApiNotFound('The ticket')
  async get(
    @CurrentUser() caller: AuthUser,
    @Param() params: TicketCodeParam,
  ): Promise<TicketWithEventOutput> {
    return TicketWithEventOutput.withEvent(await this.tickets.get(caller, params.code));
  }

  @Patch(':code/attendee')
  @SignedIn()
  @KeyScope('orders:write')
  @ApiOperation({
    operationId: 'changeTicketAttendee',
    summary: 'Name who a ticket is for (its buyer, until it is checked in)',
  })
  @ApiOkResponse({ type: TicketWithEventOutput })
  @ApiBadRequest()
  @ApiNotFound('The ticket')
  @ApiProblem(409, 'The ticket was used (`checkedInAt` says when) or is void.', [
    'already-checked-in',
    'ticket-void',
  ])
  async changeAttendee(
    @CurrentUser() caller: AuthUser,
    @Param() params: TicketCodeParam,
    @Body() input: ChangeAttendeeInput,
  ): Promise<TicketWithEventOutput> {
    return TicketWithEventOutput.withEvent(
      await this.tickets.changeAttendee(caller, params.code, {
        name: input.name,
        email: input.email,
      }),
    );
  }

  @Get(':code/qr')
  @SignedIn()
  @KeyScope('orders:read')
  @ApiOperation({
    operationId: 'getTicketQrCode',
    summary: 'The ticket as a QR code (its holder only)',
  })
  @ApiOkResponse({
    description: 'An SVG QR code of the ticket code.',
    content: { 'image/svg+xml': { schema: { type: 'string' } } },
  })
  @ApiBadRequest()
  @ApiNotFound('The ticket')
  async qr(
    @CurrentUser() caller: AuthUser,
    @Param() params: TicketCodeParam,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const svg = await this.tickets.qrSvg(caller, params.code);
    void reply.header('content-type', 'image/svg+xml').header('cache-control', 'private, no-store');
    return svg;
  }
}
