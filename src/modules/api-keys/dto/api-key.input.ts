import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsString, Length } from 'class-validator';
import { API_KEY_SCOPES, type ApiKeyScope } from '../../../common/auth/api-key-scopes.js';
import { IsZonedDateTime } from '../../../common/http/dates.js';
import { OptionalNullable } from '../../../common/http/optional.js';

export class DeviceKeyInput {
  @ApiProperty({ example: 'North door phone', minLength: 1, maxLength: 100 })
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
      'What the key may do, on top of what its account may do: events:read (your events, their ' +
      'sales and team), events:write (create and change events and ticket types), orders:read ' +
      '(orders, tickets, attendees), orders:write (hold, pay, cancel, name attendees), ' +
      'checkins:read (the scan log), checkins:write (check tickets in).',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(API_KEY_SCOPES.length * 2)
  @IsIn(API_KEY_SCOPES, { each: true, message: `each must be one of ${API_KEY_SCOPES.join(', ')}` })
  scopes: ApiKeyScope[];
}
