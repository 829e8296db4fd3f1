import { ApiProperty } from '@nestjs/swagger';
import { PageMetaResponse } from '../../../common/http/openapi.js';
import type { TicketStatus } from '../../tickets/ticket.records.js';
import type { AttendeeRecord } from '../attendee.records.js';

export class AttendeeOutput {
  @ApiProperty({ description: 'The ticket’s code.' }) code: string;
  @ApiProperty({ format: 'uuid' }) ticketTypeId: string;
  @ApiProperty({ example: 'General admission' }) ticketTypeName: string;
  @ApiProperty({ format: 'uuid' }) orderId: string;
  @ApiProperty({ description: 'Who the ticket is for: its buyer unless named otherwise.' })
  attendeeName: string;
  @ApiProperty({ example: 'ada@example.com' }) attendeeEmail: string;
  @ApiProperty({ description: 'The email of the account that bought it.' }) buyerEmail: string;
  @ApiProperty({ enum: ['VALID', 'VOID'] }) status: TicketStatus;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) checkedInAt: string | null;

  static from(attendee: AttendeeRecord): AttendeeOutput {
    return { ...attendee, checkedInAt: attendee.checkedInAt?.toISOString() ?? null };
  }
}

export class AttendeeListOutput {
  @ApiProperty({ type: [AttendeeOutput], description: 'One per ticket, in ticket-code order.' })
  data: AttendeeOutput[];
  @ApiProperty({ type: PageMetaResponse }) meta: PageMetaResponse;
}
