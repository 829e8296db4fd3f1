import { ApiProperty } from '@nestjs/swagger';
import { PageMetaResponse } from '../../../common/http/openapi.js';
import type { EventRecord, TicketTypeRecord } from '../event.records.js';

export class TicketTypeOutput {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) eventId: string;
  @ApiProperty({ example: 'General admission' }) name: string;
  @ApiProperty({
    type: 'integer',
    example: 4900,
    description: 'Integer cents of the event currency.',
  })
  priceCents: number;
  @ApiProperty({ type: 'integer', example: 500 }) capacity: number;
  @ApiProperty({
    type: 'integer',
    example: 431,
    description: 'capacity − held − sold, live on the detail route.',
  })
  available: number;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) salesStartAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) salesEndAt: string | null;
  @ApiProperty({ type: 'integer', example: 10 }) maxPerOrder: number;
  @ApiProperty({ nullable: true, type: 'integer', example: null }) maxPerBuyer: number | null;

  static from(type: TicketTypeRecord): TicketTypeOutput {
    return {
      id: type.id,
      eventId: type.eventId,
      name: type.name,
      priceCents: type.priceCents,
      capacity: type.capacity,
      available: type.available,
      salesStartAt: type.salesStartAt?.toISOString() ?? null,
      salesEndAt: type.salesEndAt?.toISOString() ?? null,
      maxPerOrder: type.maxPerOrder,
      maxPerBuyer: type.maxPerBuyer,
    };
  }
}

export class EventOutput {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() title: string;
  @ApiProperty() description: string;
  @ApiProperty() venue: string;
  @ApiProperty({ format: 'date-time' }) startsAt: string;
  @ApiProperty({ format: 'date-time' }) endsAt: string;
  @ApiProperty({ example: 'USD' }) currency: string;
  @ApiProperty() published: boolean;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) cancelledAt: string | null;
  @ApiProperty({ format: 'uuid' }) organizerId: string;
  @ApiProperty({ description: 'Whether buyers may cancel a paid order for a refund.' })
  refundsAllowed: boolean;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'Until when buyers may; null: until the event starts.',
  })
  refundDeadline: string | null;
  @ApiProperty({ type: 'integer', description: 'Integer cents kept of a cancelled order.' })
  refundFeeCents: number;
  @ApiProperty({
    type: 'integer',
    description: 'Whole percent of the total kept, besides refundFeeCents.',
  })
  refundFeePercent: number;
  @ApiProperty({ description: 'Whether every ticket must be named before its order is paid.' })
  requireAttendeeNames: boolean;
  @ApiProperty({ type: [TicketTypeOutput] }) ticketTypes: TicketTypeOutput[];
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;

  static from(event: EventRecord): EventOutput {
    return {
      id: event.id,
      title: event.title,
      description: event.description,
      venue: event.venue,
      startsAt: event.startsAt.toISOString(),
      endsAt: event.endsAt.toISOString(),
      currency: event.currency,
      published: event.published,
      cancelledAt: event.cancelledAt?.toISOString() ?? null,
      organizerId: event.organizerId,
      refundsAllowed: event.refundsAllowed,
      refundDeadline: event.refundDeadline?.toISOString() ?? null,
      refundFeeCents: event.refundFeeCents,
      refundFeePercent: event.refundFeePercent,
      requireAttendeeNames: event.requireAttendeeNames,
      ticketTypes: event.ticketTypes.map((type) => TicketTypeOutput.from(type)),
      createdAt: event.createdAt.toISOString(),
      updatedAt: event.updatedAt.toISOString(),
    };
  }
}

export class EventListOutput {
  @ApiProperty({ type: [EventOutput] }) data: EventOutput[];
  @ApiProperty({ type: PageMetaResponse }) meta: PageMetaResponse;
}
