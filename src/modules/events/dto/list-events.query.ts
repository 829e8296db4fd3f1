import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';
import { IsZonedDateTime } from '../../../common/http/dates.js';
import { PageQuery } from '../../../common/http/pagination.js';

export class ListEventsQuery extends PageQuery {
  @ApiPropertyOptional({
    description: 'Text in the title or venue (case-insensitive).',
    maxLength: 100,
  })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  q?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description:
      'Events starting at or after this instant. Without it, events that have not ended yet.',
  })
  @IsOptional()
  @IsZonedDateTime()
  from?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'Events starting at or before this instant.',
  })
  @IsOptional()
  @IsZonedDateTime()
  to?: string;

  @ApiPropertyOptional({ description: 'Text in the venue (case-insensitive).', maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  venue?: string;
}
