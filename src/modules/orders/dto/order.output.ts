import { ApiProperty } from '@nestjs/swagger';
import { PageMetaResponse } from '../../../common/http/openapi.js';
import { TicketOutput } from '../../tickets/dto/ticket.output.js';
import type { OrderItemRecord, OrderRecord, OrderStatus } from '../order.records.js';

export class OrderItemOutput {
  @ApiProperty({ format: 'uuid' }) ticketTypeId: string;
  @ApiProperty({ description: 'The ticket type’s name when the order was placed.' }) name: string;
  @ApiProperty({ type: 'integer' }) quantity: number;
  @ApiProperty({
    type: 'integer',
    description: 'Integer cents, as priced when the order was placed.',
  })
  unitPriceCents: number;

  static from(item: OrderItemRecord): OrderItemOutput {
    return {
      ticketTypeId: item.ticketTypeId,
      name: item.name,
      quantity: item.quantity,
      unitPriceCents: item.unitPriceCents,
    };
  }
}

export class OrderOutput {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['PENDING', 'PAID', 'CANCELLED', 'EXPIRED'] }) status: OrderStatus;
  @ApiProperty({ format: 'uuid' }) eventId: string;
  @ApiProperty({ type: [OrderItemOutput] }) items: OrderItemOutput[];
  @ApiProperty({ type: 'integer', description: 'Integer cents.' }) totalCents: number;
  @ApiProperty({ example: 'USD' }) currency: string;
  @ApiProperty({ format: 'date-time', description: 'A pending order holds its stock until then.' })
  expiresAt: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) paidAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) cancelledAt: string | null;
  @ApiProperty({ type: [TicketOutput], description: 'One per unit once paid.' })
  tickets: TicketOutput[];

  static from(order: Omit<OrderRecord, 'userId' | 'paymentRef'>): OrderOutput {
    return {
      id: order.id,
      status: order.status,
      eventId: order.eventId,
      items: order.items.map((item) => OrderItemOutput.from(item)),
      totalCents: order.totalCents,
      currency: order.currency,
      expiresAt: order.expiresAt.toISOString(),
      createdAt: order.createdAt.toISOString(),
      paidAt: order.paidAt?.toISOString() ?? null,
      cancelledAt: order.cancelledAt?.toISOString() ?? null,
      tickets: order.tickets.map((ticket) => TicketOutput.from(ticket)),
    };
  }
}

export class OrderListOutput {
  @ApiProperty({ type: [OrderOutput] }) data: OrderOutput[];
  @ApiProperty({ type: PageMetaResponse }) meta: PageMetaResponse;
}
