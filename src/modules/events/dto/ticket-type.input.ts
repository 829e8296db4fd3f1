import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsInt, IsString, Length, Max, Min } from 'class-validator';
import { OptionalNotNull, OptionalNullable } from '../../../common/http/optional.js';
import { IsZonedDateTime } from '../../../common/http/dates.js';

/** Bounds that keep money and stock far from integer overflow and from obvious typos. */
export const TICKET_LIMITS = {
  maxPriceCents: 100_000_000, // one million in the event's currency
  maxCapacity: 1_000_000,
  maxPerOrder: 100,
  maxPerBuyer: 10_000,
} as const;

export class CreateTicketTypeInput {
  @ApiProperty({ example: 'General admission', minLength: 1, maxLength: 100 })
  @IsString()
  @Length(1, 100)
  name: string;

  @ApiProperty({
    type: 'integer',
    example: 4900,
    minimum: 0,
    maximum: TICKET_LIMITS.maxPriceCents,
    description: 'Integer cents.',
  })
  @IsInt({ message: 'must be an integer number of cents' })
  @Min(0)
  @Max(TICKET_LIMITS.maxPriceCents)
  priceCents: number;

  @ApiProperty({ type: 'integer', example: 500, minimum: 1, maximum: TICKET_LIMITS.maxCapacity })
  @IsInt()
  @Min(1)
  @Max(TICKET_LIMITS.maxCapacity)
  capacity: number;

  @ApiPropertyOptional({
    type: 'string',
    format: 'date-time',
    nullable: true,
    description: 'Sales open at (default: at once).',
  })
  @OptionalNullable()
  @IsZonedDateTime()
  salesStartAt?: string | null;

  @ApiPropertyOptional({
    type: 'string',
    format: 'date-time',
    nullable: true,
    description: 'Sales close at (default: when the event starts).',
  })
  @OptionalNullable()
  @IsZonedDateTime()
  salesEndAt?: string | null;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: TICKET_LIMITS.maxPerOrder,
    default: 10,
  })
  @OptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(TICKET_LIMITS.maxPerOrder)
  maxPerOrder?: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: TICKET_LIMITS.maxPerBuyer,
    nullable: true,
    description:
      'Most tickets of this type one account may hold and own, pending and paid together (default: no cap).',
  })
  @OptionalNullable()
  @IsInt()
  @Min(1)
  @Max(TICKET_LIMITS.maxPerBuyer)
  maxPerBuyer?: number | null;
}

/** Every field optional; `null` clears `salesStartAt`, `salesEndAt` and `maxPerBuyer`. */
export class UpdateTicketTypeInput extends PartialType(CreateTicketTypeInput, {
  skipNullProperties: false,
}) {}
