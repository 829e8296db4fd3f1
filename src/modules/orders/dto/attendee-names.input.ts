import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsEmail, IsString, IsUUID, Length, MaxLength } from 'class-validator';
import { ArrayOfObjects } from '../../../common/http/nested.js';
import { OptionalNullable } from '../../../common/http/optional.js';

const trimmed = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim() : value;

export class AttendeeNameInput {
  @ApiProperty({ format: 'uuid', description: 'A ticket type of the order.' })
  @IsUUID('all', { message: 'must be a UUID' })
  ticketTypeId: string;

  @ApiProperty({ example: 'Grace Hopper', minLength: 1, maxLength: 100 })
  @Transform(trimmed)
  @IsString()
  @Length(1, 100)
  name: string;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: 'grace@example.com',
    maxLength: 254,
  })
  @OptionalNullable()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.trim().toLowerCase() : value,
  )
  @IsEmail({}, { message: 'must be a valid email address' })
  @MaxLength(254)
  email?: string | null;
}

/** Enough for any order (20 ticket types of at most 100 each would not fit the body limit). */
export const MAX_ATTENDEE_NAMES = 500;

export const ATTENDEES_DESCRIPTION =
  'Who the tickets are for, before they exist: the n-th name given for a ticket type names the ' +
  'n-th ticket of that type; tickets without one are for the buyer. At most as many names per ' +
  'type as the order has tickets of it.';

export class AttendeeNamesInput {
  @ApiProperty({
    type: [AttendeeNameInput],
    maxItems: MAX_ATTENDEE_NAMES,
    description: ATTENDEES_DESCRIPTION,
  })
  @ArrayOfObjects(() => AttendeeNameInput)
  @ArrayMaxSize(MAX_ATTENDEE_NAMES)
  attendees: AttendeeNameInput[];
}
