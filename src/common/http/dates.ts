import { applyDecorators } from '@nestjs/common';
import { IsISO8601, Matches } from 'class-validator';

/**
 * An ISO 8601 date-time that says its offset (`Z` or `+02:00`): a time without one would be read
 * in the server's zone, which is a different instant on another machine.
 */
export const IsZonedDateTime = () =>
  applyDecorators(
    IsISO8601(
      { strict: true, strictSeparator: true },
      { message: 'must be an ISO 8601 date-time' },
    ),
    Matches(/T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i, {
      message: 'must be an ISO 8601 date-time with a time zone (Z or an offset)',
    }),
  );
