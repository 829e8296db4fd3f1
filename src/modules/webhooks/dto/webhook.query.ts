import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { PageQuery } from '../../../common/http/pagination.js';

export const MESSAGE_ID_PATTERN =
  /^msg_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class DeliveriesQuery extends PageQuery {
  @ApiPropertyOptional({
    example: 'msg_6f1c8c0e-4a57-4c7b-9f3e-2f1f1e1e1e1e',
    description: 'Only the attempts of this message.',
  })
  @IsOptional()
  @Matches(MESSAGE_ID_PATTERN, { message: 'must be a message id: msg_ and a UUID' })
  messageId?: string;

  @ApiPropertyOptional({ enum: ['succeeded', 'failed'] })
  @IsOptional()
  @IsIn(['succeeded', 'failed'], { message: 'must be one of succeeded, failed' })
  status?: 'succeeded' | 'failed';
}
