import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsISO4217CurrencyCode,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { OptionalNotNull } from '../../../common/http/optional.js';
import { IsZonedDateTime } from '../../../common/http/dates.js';
import { CreateTicketTypeInput } from './ticket-type.input.js';

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

  @ApiPropertyOptional({ type: [CreateTicketTypeInput], maxItems: 20 })
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => CreateTicketTypeInput)
  ticketTypes?: CreateTicketTypeInput[];
}

/** Ticket types are changed under their own route, not through the event. */
export class UpdateEventInput extends PartialType(
  OmitType(CreateEventInput, ['ticketTypes'] as const),
  {
    skipNullProperties: false,
  },
) {}
