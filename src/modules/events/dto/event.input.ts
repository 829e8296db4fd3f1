import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsBoolean,
  IsInt,
  IsISO4217CurrencyCode,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { OptionalNotNull, OptionalNullable } from '../../../common/http/optional.js';
import { IsZonedDateTime } from '../../../common/http/dates.js';
import { CreateTicketTypeInput, TICKET_LIMITS } from './ticket-type.input.js';
import { ArrayOfObjects } from '../../../common/http/nested.js';

export class CreateEventInput {
  @ApiProperty({ example: 'Rust & Rivers Open-Air Festival', minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  title: string;

  @ApiPropertyOptional({ maxLength: 5000, default: '' })
  @OptionalNotNull()
  @IsString()
  @MaxLength(5000)
  description?: string;

  @ApiProperty({ example: 'Riverside Park, Lisbon', minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  venue: string;

  @ApiProperty({
    format: 'date-time',
    example: '2027-06-01T18:00:00Z',
    description: 'Must be in the future.',
  })
  @IsZonedDateTime()
  startsAt: string;

  @ApiProperty({
    format: 'date-time',
    example: '2027-06-01T23:00:00Z',
    description: 'Must be after startsAt.',
  })
  @IsZonedDateTime()
  endsAt: string;

  @ApiPropertyOptional({
    example: 'USD',
    default: 'USD',
    description: 'ISO 4217 code; prices are cents of it.',
  })
  @OptionalNotNull()
  @Matches(/^[A-Z]{3}$/, { message: 'must be an upper-case ISO 4217 currency code' })
  @IsISO4217CurrencyCode({ message: 'must be an ISO 4217 currency code' })
  currency?: string;

  @ApiPropertyOptional({
    default: false,
    description: 'Drafts are visible to their organizer only.',
  })
  @OptionalNotNull()
  @IsBoolean()
  published?: boolean;

  @ApiPropertyOptional({
    default: true,
    description:
      'Whether buyers may cancel a paid order for a refund (before `refundDeadline`). Organizers can always refund.',
  })
  @OptionalNotNull()
  @IsBoolean()
  refundsAllowed?: boolean;

  @ApiPropertyOptional({
    type: 'string',
    format: 'date-time',
    nullable: true,
    default: null,
    description:
      'Until when buyers may cancel a paid order for a refund; null: until the event starts.',
  })
  @OptionalNullable()
  @IsZonedDateTime()
  refundDeadline?: string | null;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: TICKET_LIMITS.maxPriceCents,
    default: 0,
    description: 'Integer cents kept of each order a buyer cancels (plus `refundFeePercent`).',
  })
  @OptionalNotNull()
  @IsInt({ message: 'must be an integer number of cents' })
  @Min(0)
  @Max(TICKET_LIMITS.maxPriceCents)
  refundFeeCents?: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: 100,
    default: 0,
    description:
      'Whole percent of the order total kept of each order a buyer cancels (rounded down to the cent), plus `refundFeeCents`.',
  })
  @OptionalNotNull()
  @IsInt({ message: 'must be a whole percent' })
  @Min(0)
  @Max(100)
  refundFeePercent?: number;

  @ApiPropertyOptional({
    default: false,
    description:
      'Every ticket must name its attendee before its order is paid (PUT /api/orders/{id}/attendees, or with the payment).',
  })
  @OptionalNotNull()
  @IsBoolean()
  requireAttendeeNames?: boolean;

  @ApiPropertyOptional({ type: [CreateTicketTypeInput], maxItems: 20 })
  @OptionalNotNull()
  @ArrayOfObjects(() => CreateTicketTypeInput)
  @ArrayMaxSize(20)
  ticketTypes?: CreateTicketTypeInput[];
}

/** Ticket types are changed under their own route, not through the event. */
export class UpdateEventInput extends PartialType(
  OmitType(CreateEventInput, ['ticketTypes'] as const),
  {
    skipNullProperties: false,
  },
) {}
