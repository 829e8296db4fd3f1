import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export const MAX_PAGE_SIZE = 100;

/**
 * A query integer is decimal digits and nothing else: `Number()` would also read `0x10`, `1e1`,
 * `+5`, `5.0` and ` 5`, each a different spelling some client or cache would not see as the same.
 * Anything else stays text, and `IsInt` refuses it.
 */
export const DecimalInteger = () =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^[0-9]{1,15}$/.test(value) ? Number(value) : value,
  );

const INTEGER_RULE = 'must be a whole number written in decimal digits';

/** `?page=1&limit=20`; `limit` at most 100, anything else a 400. */
export class PageQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 10_000, default: 1 })
  @IsOptional()
  @DecimalInteger()
  @IsInt({ message: INTEGER_RULE })
  @Min(1)
  @Max(10_000)
  page: number = 1;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: 20 })
  @IsOptional()
  @DecimalInteger()
  @IsInt({ message: INTEGER_RULE })
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit: number = 20;
}

export interface PageMeta {
  page: number;
  limit: number;
  total: number;
  totalPages: number;
}

export function pageMeta(page: number, limit: number, total: number): PageMeta {
  return { page, limit, total, totalPages: Math.ceil(total / limit) };
}

export function pageWindow(page: number, limit: number): { skip: number; take: number } {
  return { skip: (page - 1) * limit, take: limit };
}
