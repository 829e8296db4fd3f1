import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

class FieldErrorResponse {
  @ApiProperty({ example: 'email' }) field: string;
  @ApiProperty({ example: 'email must be an email' }) message: string;
}

/** RFC 9457 problem details: the body of every error answer (`application/problem+json`). */
export class ProblemResponse {
  @ApiProperty({ example: 'urn:eventflow:problem:not-found' }) type: string;
  @ApiProperty({ example: 'Not Found' }) title: string;
  @ApiProperty({ type: 'integer', example: 404 }) status: number;
  @ApiProperty({ example: 'The event was not found.' }) detail: string;
  @ApiProperty({ example: '/api/events/5b0c…' }) instance: string;
  @ApiProperty({
    example: 'not-found',
    description: 'Stable machine-readable code of the problem.',
  })
  code: string;
  @ApiPropertyOptional({ description: 'The X-Request-Id of the request, to quote in a report.' })
  requestId?: string;
  @ApiPropertyOptional({
    type: [FieldErrorResponse],
    description: 'Validation failures, one per field.',
  })
  errors?: FieldErrorResponse[];
}

/** The `meta` of every paginated list. */
export class PageMetaResponse {
  @ApiProperty({ type: 'integer', example: 1 }) page: number;
  @ApiProperty({ type: 'integer', example: 20 }) limit: number;
  @ApiProperty({ type: 'integer', example: 42 }) total: number;
  @ApiProperty({ type: 'integer', example: 3 }) totalPages: number;
}
