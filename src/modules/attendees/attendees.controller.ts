import type { Readable } from 'node:stream';
import { KeyScope } from '../../common/auth/api-key-scopes.js';
import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { EventTeamOnly } from '../../common/auth/access.decorators.js';
import { CurrentUser, type AuthUser } from '../../common/auth/auth-user.js';
import { ApiBadRequest, ApiNotFound } from '../../common/http/api-responses.js';
import { PageQuery } from '../../common/http/pagination.js';
import { uuidParam } from '../../common/http/uuid-param.js';
import { CSV_COLUMNS } from './attendees-csv.js';
import { AttendeeListOutput, AttendeeOutput } from './dto/attendee.output.js';
import { AttendeesService } from './attendees.service.js';

const WHO = 'the organizer, a MANAGER or a SCANNER';

@ApiTags('attendees')
@Controller('events/:id')
export class AttendeesController {
  constructor(private readonly attendees: AttendeesService) {}

  @Get('attendees')
  @EventTeamOnly(WHO)
  @KeyScope('orders:read')
  @ApiOperation({
    operationId: 'listAttendees',
    summary: 'One row per ticket of the event: who it is for, and whether they came',
  })
  @ApiOkResponse({ type: AttendeeListOutput })
  @ApiBadRequest()
  @ApiNotFound('The event')
  async list(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidParam('id')) eventId: string,
    @Query() query: PageQuery,
  ): Promise<AttendeeListOutput> {
    const { attendees, meta } = await this.attendees.list(caller, eventId, query.page, query.limit);
    return { data: attendees.map((attendee) => AttendeeOutput.from(attendee)), meta };
  }

  @Get('attendees.csv')
  @EventTeamOnly(WHO)
  @KeyScope('orders:read')
  @ApiOperation({
    operationId: 'exportAttendees',
    summary: 'Every attendee as RFC 4180 CSV, streamed',
    description:
      `Columns: ${CSV_COLUMNS.join(', ')}. CRLF line ends; a field with a comma, quote or line ` +
      'break is quoted. A name or email (text people typed) starting with `=`, `+`, `-`, `@`, a tab ' +
      "or a carriage return gets a leading `'` so a spreadsheet shows it as text instead of running " +
      'it; ticket codes, statuses, times and ids are as the server made them. Read in batches as the ' +
      'client downloads: a ticket sold during the download may or may not be in it.',
  })
  @ApiOkResponse({
    description: 'The CSV, as an attachment.',
    content: { 'text/csv': { schema: { type: 'string' } } },
  })
  @ApiBadRequest()
  @ApiNotFound('The event')
  async exportCsv(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidParam('id')) eventId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Readable> {
    const csv = await this.attendees.exportCsv(caller, eventId);
    void reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="attendees-${eventId}.csv"`);
    return csv;
  }
}
