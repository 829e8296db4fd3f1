import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { ValidateBy, type ValidationOptions } from 'class-validator';

/**
 * RFC 3339's `date-time` (the OpenAPI `format: date-time`): `2027-06-01T18:00:00Z`, an optional
 * fraction of up to nine digits, and an offset that must be given. ISO 8601's other forms (week
 * and ordinal dates, expanded or negative years, no offset) are refused: each is read differently
 * by some parser, and a time without an offset is a different instant on another machine.
 */
const RFC_3339_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/** The instants PostgreSQL's timestamptz and JavaScript's Date both hold exactly. */
const EARLIEST = new Date(0).setUTCFullYear(1, 0, 1);
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

export const DATE_TIME_RULE =
  'must be an RFC 3339 date-time with an offset, such as 2027-06-01T18:00:00Z, in the years 0001 to 9999';

export function isRfc3339DateTime(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 40) return false;
  const parts = RFC_3339_DATE_TIME.exec(value.toUpperCase());
  if (!parts) return false;
  const [year, month, day, hour, minute, second] = parts.slice(1, 7).map(Number);
  const [offsetHours, offsetMinutes] = [Number(parts[8] ?? 0), Number(parts[9] ?? 0)];
  const fieldsInRange =
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetHours <= 23 &&
    offsetMinutes <= 59;
  if (!fieldsInRange) return false;
  const instant = Date.parse(value.toUpperCase());
  return Number.isFinite(instant) && instant >= EARLIEST && instant <= LATEST;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * A field holding an RFC 3339 date-time. RFC 3339 allows a lower-case `t` and `z`; they are
 * upper-cased here, so every later `new Date(value)` reads the same instant.
 */
export const IsZonedDateTime = (options: ValidationOptions = {}) =>
  applyDecorators(
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' ? value.toUpperCase() : value,
    ),
    ValidateBy(
      { name: 'isRfc3339DateTime', validator: { validate: isRfc3339DateTime } },
      { message: DATE_TIME_RULE, ...options },
    ),
  );
