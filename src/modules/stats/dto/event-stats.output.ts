import { ApiProperty } from '@nestjs/swagger';

export class FiguresOutput {
  @ApiProperty({ type: 'integer' }) capacity: number;
  @ApiProperty({ type: 'integer', description: 'capacity − held − sold' }) available: number;
  @ApiProperty({ type: 'integer', description: 'In pending orders.' }) held: number;
  @ApiProperty({ type: 'integer', description: 'In paid orders.' }) sold: number;
  @ApiProperty({ type: 'integer', description: 'Tickets admitted at the door.' }) checkedIn: number;
  @ApiProperty({
    type: 'integer',
    description: 'Integer cents of paid orders; refunded orders excluded (see refundFeesCents).',
  })
  revenueCents: number;
}

export class TicketTypeFiguresOutput extends FiguresOutput {
  @ApiProperty({ format: 'uuid' }) ticketTypeId: string;
  @ApiProperty() name: string;
}

export class EventStatsOutput {
  @ApiProperty({ format: 'uuid' }) eventId: string;
  @ApiProperty({ example: 'USD' }) currency: string;
  @ApiProperty({ type: [TicketTypeFiguresOutput] }) ticketTypes: TicketTypeFiguresOutput[];
  @ApiProperty({ type: FiguresOutput }) total: FiguresOutput;
  @ApiProperty({
    type: 'integer',
    description: 'Integer cents given back to buyers of REFUNDED orders.',
  })
  refundedCents: number;
  @ApiProperty({
    type: 'integer',
    description: 'Integer cents kept of REFUNDED orders (their refund fees): also the organizer’s.',
  })
  refundFeesCents: number;
}
