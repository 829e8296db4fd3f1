import { KeyScope } from '../../common/auth/api-key-scopes.js';
import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblem } from '../../common/http/openapi-problems.js';
import { EventTeamOnly } from '../../common/auth/access.decorators.js';
import { CurrentUser, type AuthUser } from '../../common/auth/auth-user.js';
import { ApiBadRequest, ApiNotFound } from '../../common/http/api-responses.js';
import { PageQuery } from '../../common/http/pagination.js';
import { uuidParam } from '../../common/http/uuid-param.js';
import { TicketOutput } from '../tickets/dto/ticket.output.js';
import { CheckInInput } from './dto/check-in.input.js';
import { CheckInOutput, ScanListOutput, ScanOutput } from './dto/check-in.output.js';
import { CheckInsService } from './check-ins.service.js';

@ApiTags('check-in')
@Controller('events/:id/check-ins')
export class CheckInsController {
  constructor(private readonly checkIns: CheckInsService) {}

  @Post()
  @EventTeamOnly('the organizer, a MANAGER or a SCANNER')
  @KeyScope('checkins:write')
  @ApiOperation({
    operationId: 'checkInTicket',
    summary: 'Admit a ticket at the door (its organizer, a MANAGER or a SCANNER)',
    description:
      'Two scanners presenting one code at the same instant: exactly one 201. Every scan is logged.',
  })
  @ApiCreatedResponse({ type: CheckInOutput })
  @ApiBadRequest()
  @ApiNotFound('The event, or a ticket with this code for it')
  @ApiProblem(409, 'Already checked in (`checkedInAt` says when), or the ticket is void.', [
    'already-checked-in',
    'ticket-void',
  ])
  async checkIn(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidParam('id')) eventId: string,
    @Body() input: CheckInInput,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CheckInOutput> {
    const { ticket, checkedInAt } = await this.checkIns.checkIn(caller, eventId, input.code);
    void reply.header('location', `/api/tickets/${encodeURIComponent(ticket.code)}`);
    return { ticket: TicketOutput.from(ticket), checkedInAt: checkedInAt.toISOString() };
  }

  @Get()
  @EventTeamOnly('the organizer, a MANAGER or a SCANNER')
  @KeyScope('checkins:read')
  @ApiOperation({
    operationId: 'listCheckIns',
    summary: 'Every scan of the event, newest first, refused ones too',
  })
  @ApiOkResponse({ type: ScanListOutput })
  @ApiBadRequest()
  @ApiNotFound('The event')
  async list(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidParam('id')) eventId: string,
    @Query() query: PageQuery,
  ): Promise<ScanListOutput> {
    const { scans, meta } = await this.checkIns.list(caller, eventId, query.page, query.limit);
    return { data: scans.map((scan) => ScanOutput.from(scan)), meta };
  }
}
