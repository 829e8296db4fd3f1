import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  Length,
} from 'class-validator';
import { IsZonedDateTime } from '../../../common/http/dates.js';
import { MESSAGE_TYPES, type MessageType } from '../../outbox/message-types.js';

const trimmed = () =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

const URL_DOC = {
  example: 'https://hooks.example.com/eventflow',
  maxLength: 2048,
  description:
    'Where messages are POSTed: https:// (or http://), no credentials, no #fragment. Private, ' +
    'loopback and link-local addresses are refused, here for literal addresses and at every ' +
    'delivery after DNS resolution.',
};

const TYPES_DOC: ApiPropertyOptions = {
  type: [String],
  enumName: 'WebhookMessageType',
  enum: [...MESSAGE_TYPES],
  example: ['order.paid', 'order.refunded', 'ticket.checked_in'],
  description: 'The message types this endpoint receives, for the events its owner organizes.',
};

export class WebhookEndpointInput {
  @ApiProperty(URL_DOC)
  @trimmed()
  @IsString()
  @Length(1, 2048)
  url: string;

  @ApiProperty(TYPES_DOC)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MESSAGE_TYPES.length)
  @ArrayUnique()
  @IsIn(MESSAGE_TYPES, { each: true, message: `each must be one of ${MESSAGE_TYPES.join(', ')}` })
  eventTypes: MessageType[];

  @ApiPropertyOptional({ example: 'Accounting sync', maxLength: 200, default: '' })
  @IsOptional()
  @trimmed()
  @IsString()
  @Length(0, 200)
  description?: string;
}

export class WebhookEndpointChangesInput {
  @ApiPropertyOptional(URL_DOC)
  @IsOptional()
  @trimmed()
  @IsString()
  @Length(1, 2048)
  url?: string;

  @ApiPropertyOptional(TYPES_DOC)
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MESSAGE_TYPES.length)
  @ArrayUnique()
  @IsIn(MESSAGE_TYPES, { each: true, message: `each must be one of ${MESSAGE_TYPES.join(', ')}` })
  eventTypes?: MessageType[];

  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @trimmed()
  @IsString()
  @Length(0, 200)
  description?: string;

  @ApiPropertyOptional({
    description:
      'false stops deliveries; true starts them again after a disable (its reason and failing streak are cleared). Messages missed meanwhile can be replayed.',
  })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class ReplayInput {
  @ApiProperty({
    type: String,
    format: 'date-time',
    example: '2026-12-01T00:00:00Z',
    description:
      'Every message since this time (messages are kept 30 days) of the types the endpoint subscribes to is queued again, oldest first, at most 10,000.',
  })
  @IsZonedDateTime()
  since: string;
}
