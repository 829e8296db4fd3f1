import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, Length, MaxLength, MinLength } from 'class-validator';

export class PasswordResetRequestInput {
  @ApiProperty({ example: 'ada@example.com', maxLength: 254 })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsEmail({}, { message: 'must be a valid email address' })
  @MaxLength(254)
  email: string;
}

/** The token from the emailed link, in the query (following the link) or the body (confirming). */
export class PasswordResetTokenQuery {
  @ApiProperty({ description: 'The `token` parameter of the emailed link.', maxLength: 512 })
  @IsString()
  @Length(1, 512)
  token: string;
}

/** The password rules are registration's. */
export class PasswordResetConfirmInput {
  @ApiProperty({ description: 'The `token` parameter of the emailed link.', maxLength: 512 })
  @IsString()
  @Length(1, 512)
  token: string;

  @ApiProperty({ example: 'correct horse battery', minLength: 8, maxLength: 128 })
  @IsString()
  @MinLength(8, { message: 'must be at least 8 characters' })
  @MaxLength(128, { message: 'must be at most 128 characters' })
  password: string;
}
