import { ApiProperty } from '@nestjs/swagger';
import { PageMetaResponse } from '../../../common/http/openapi.js';
import type { TicketRecord, TicketStatus, TicketWithEventRecord } from '../ticket.records.js';

export class TicketOutput {
  @ApiProperty({ description: 'Unguessable (128 random bits); what the door scanner reads.' })
  code: string;
  @ApiProperty({ format: 'uuid' }) ticketTypeId: string;
  @ApiProperty({ format: 'uuid' }) eventId: string;
  @ApiProperty({ format: 'uuid' }) orderId: string;
  @ApiProperty({ enum: ['VALID', 'VOID'] }) status: TicketStatus;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) checkedInAt: string | null;

  static from(ticket: TicketRecord): TicketOutput {
    return {
      code: ticket.code,
      ticketTypeId: ticket.ticketTypeId,
      eventId: ticket.eventId,
      orderId: ticket.orderId,
      status: ticket.status,
      checkedInAt: ticket.checkedInAt?.toISOString() ?? null,
    };
  }
}

export class TicketEventOutput {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() title: string;
  @ApiProperty() venue: string;
  @ApiProperty({ format: 'date-time' }) startsAt: string;
  @ApiProperty({ format: 'date-time' }) endsAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) cancelledAt: string | null;
}

export class TicketWithEventOutput extends TicketOutput {
  @ApiProperty({ description: 'Who the ticket is for: the name it was given, else its buyer’s.' })
  attendeeName: string;
  @ApiProperty({ example: 'ada@example.com' }) attendeeEmail: string;
  @ApiProperty({ type: TicketEventOutput }) event: TicketEventOutput;

  static withEvent(ticket: TicketWithEventRecord): TicketWithEventOutput {
    const { event } = ticket;
    return {
      ...TicketOutput.from(ticket),
      attendeeName: ticket.attendeeName,
      attendeeEmail: ticket.attendeeEmail,
      event: {
        id: event.id,
        title: event.title,
        venue: event.venue,
        startsAt: event.startsAt.toISOString(),
        endsAt: event.endsAt.toISOString(),
        cancelledAt: event.cancelledAt?.toISOString() ?? null,
      },
    };
  }
}

export class TicketListOutput {
  @ApiProperty({ type: [TicketWithEventOutput] }) data: TicketWithEventOutput[];
  @ApiProperty({ type: PageMetaResponse }) meta: PageMetaResponse;
}
