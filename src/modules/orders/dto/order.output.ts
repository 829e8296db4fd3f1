import { ApiExtraModels, ApiProperty, getSchemaPath } from '@nestjs/swagger';
import { PageMetaResponse } from '../../../common/http/openapi.js';
import { PaymentOutput } from '../../payments/dto/payment.output.js';
import { TicketOutput } from '../../tickets/dto/ticket.output.js';
import type {
  OrderItemRecord,
  OrderRecord,
  OrderStatus,
  OrderWithBuyer,
} from '../order.records.js';

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

export class AttendeeNameOutput {
  @ApiProperty({ format: 'uuid' }) ticketTypeId: string;
  @ApiProperty({ example: 'Grace Hopper' }) name: string;
  @ApiProperty({ type: String, nullable: true, example: 'grace@example.com' })
  email: string | null;
}

@ApiExtraModels(PaymentOutput)
export class OrderOutput {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({
    enum: ['PENDING', 'PAID', 'CANCELLED', 'EXPIRED', 'REFUNDED'],
    description:
      'PENDING holds stock until `expiresAt`; PAID; CANCELLED before payment (or a free order after); EXPIRED (the hold ran out); ' +
      'REFUNDED: paid, then cancelled with `refundedCents` given back.',
  })
  status: OrderStatus;
  @ApiProperty({ format: 'uuid' }) eventId: string;
  @ApiProperty({ type: [OrderItemOutput] }) items: OrderItemOutput[];
  @ApiProperty({ type: 'integer', description: 'Integer cents.' }) totalCents: number;
  @ApiProperty({ example: 'USD' }) currency: string;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'A pending order holds its stock until then; null once it is no longer pending.',
  })
  expiresAt: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) paidAt: string | null;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'When it was cancelled (CANCELLED or REFUNDED).',
  })
  cancelledAt: string | null;
  @ApiProperty({
    type: 'integer',
    description:
      'Integer cents given back of a REFUNDED order: its total less the refund fee. 0 otherwise.',
  })
  refundedCents: number;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description:
      'When the payment provider confirmed that refund; null while it is still being sent.',
  })
  refundedAt: string | null;
  @ApiProperty({ type: [TicketOutput], description: 'One per unit once paid.' })
  tickets: TicketOutput[];
  @ApiProperty({
    description: 'The latest payment attempt; null before any.',
    // OpenAPI 3.0's `nullable` does not reach through a $ref: "the attempt, or null" said so
    // that validators and client generators read it alike.
    anyOf: [
      { $ref: getSchemaPath(PaymentOutput) },
      { type: 'object', nullable: true, enum: [null] },
    ],
  })
  payment: PaymentOutput | null;

  @ApiProperty({
    type: [AttendeeNameOutput],
    description:
      'Names given for its tickets before they exist (PUT …/attendees or with the payment); ' +
      'the n-th of a ticket type names its n-th ticket. Empty when none were given.',
  })
  attendees: AttendeeNameOutput[];

  static from(order: Omit<OrderRecord, 'userId'>, clientSecret: string | null = null): OrderOutput {
    return {
      id: order.id,
      status: order.status,
      eventId: order.eventId,
      items: order.items.map((item) => OrderItemOutput.from(item)),
      totalCents: order.totalCents,
      currency: order.currency,
      expiresAt: order.status === 'PENDING' ? order.expiresAt.toISOString() : null,
      createdAt: order.createdAt.toISOString(),
      paidAt: order.paidAt?.toISOString() ?? null,
      cancelledAt: order.cancelledAt?.toISOString() ?? null,
      refundedCents: order.refundedCents,
      refundedAt: order.refundedAt?.toISOString() ?? null,
      tickets: order.tickets.map((ticket) => TicketOutput.from(ticket)),
      payment: order.payment ? PaymentOutput.from(order.payment, clientSecret) : null,
      attendees: (order.attendees ?? []).map(({ ticketTypeId, name, email }) => ({
        ticketTypeId,
        name,
        email,
      })),
    };
  }
}

export class OrderListOutput {
  @ApiProperty({ type: [OrderOutput] }) data: OrderOutput[];
  @ApiProperty({ type: PageMetaResponse }) meta: PageMetaResponse;
}

export class OrderBuyerOutput {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'ada@example.com' }) email: string;
  @ApiProperty({ example: 'Ada Lovelace' }) name: string;
}

/** An order as its event's organizer and managers see it. */
export class EventOrderOutput extends OrderOutput {
  @ApiProperty({ type: OrderBuyerOutput, description: 'The account that placed the order.' })
  buyer: OrderBuyerOutput;

  static withBuyer(order: OrderWithBuyer): EventOrderOutput {
    const { id, email, name } = order.buyer;
    return { ...OrderOutput.from(order), buyer: { id, email, name } };
  }
}

export class EventOrderListOutput {
  @ApiProperty({ type: [EventOrderOutput] }) data: EventOrderOutput[];
  @ApiProperty({ type: PageMetaResponse }) meta: PageMetaResponse;
}
