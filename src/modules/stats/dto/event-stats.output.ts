import { ApiProperty } from '@nestjs/swagger';

export class FiguresOutput {
  @ApiProperty() capacity: number;
  @ApiProperty({ description: 'capacity − held − sold' }) available: number;
  @ApiProperty({ description: 'In pending orders.' }) held: number;
  @ApiProperty({ description: 'In paid orders.' }) sold: number;
  @ApiProperty({ description: 'Tickets admitted at the door.' }) checkedIn: number;
  @ApiProperty({ description: 'Integer cents of paid orders; refunds excluded.' })
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
}
