import { ApiProperty } from '@nestjs/swagger';

/** The `meta` of every paginated list. */
export class PageMetaResponse {
  @ApiProperty({ type: 'integer', example: 1 }) page: number;
  @ApiProperty({ type: 'integer', example: 20 }) limit: number;
  @ApiProperty({ type: 'integer', example: 42 }) total: number;
  @ApiProperty({ type: 'integer', example: 3 }) totalPages: number;
}
