import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, Length, MaxLength } from 'class-validator';
import { OptionalNullable } from '../../../common/http/optional.js';

const trimmed = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim() : value;

/** Either field may be left out (unchanged) or null (back to the buyer's own). */
export class ChangeAttendeeInput {
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    minLength: 1,
    maxLength: 100,
    example: 'Grace Hopper',
    description: 'Who the ticket is for; null: the buyer.',
  })
  @OptionalNullable()
  @Transform(trimmed)
  @IsString()
  @Length(1, 100)
  name?: string | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: 254,
    example: 'grace@example.com',
    description: 'Their email; null: the buyer’s.',
  })
  @OptionalNullable()
  @Transform(trimmed)
  @IsEmail({}, { message: 'must be a valid email address' })
  @MaxLength(254)
  email?: string | null;
}
