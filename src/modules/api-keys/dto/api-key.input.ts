import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsString, Length } from 'class-validator';
import { API_KEY_SCOPES, type ApiKeyScope } from '../../../common/auth/api-key-scopes.js';
import { IsZonedDateTime } from '../../../common/http/dates.js';
import { OptionalNullable } from '../../../common/http/optional.js';

export class DeviceKeyInput {
  @ApiProperty({ example: 'North door phone', minLength: 1, maxLength: 100 })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @Length(1, 100)
  name: string;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When the key stops working; null or left out: never (revoke it instead).',
  })
  @OptionalNullable()
  @IsZonedDateTime()
  expiresAt?: string | null;
}

export class ApiKeyInput extends DeviceKeyInput {
  @ApiProperty({
    type: [String],
    enum: API_KEY_SCOPES,
    example: ['events:read', 'orders:read'],
    description:
      'What the key may do, always within what its account may do: events:read (the listing, ' +
      'your events, their sales figures), events:write (create, change, cancel events; ticket types), orders:read ' +
      '(orders, tickets, attendees), orders:write (hold, pay, cancel, name attendees), ' +
      'checkins:read (the scan log), checkins:write (check tickets in).',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(API_KEY_SCOPES.length * 2)
  @IsIn(API_KEY_SCOPES, { each: true, message: `each must be one of ${API_KEY_SCOPES.join(', ')}` })
  scopes: ApiKeyScope[];
}
