import type { FieldError } from '../../common/errors/domain-error.js';

/**
 * The date rules of events and ticket types, as field errors (a 400 naming each field).
 * Pure functions of the values and "now", so the unit tests can pin the clock.
 */
export function eventDateErrors(
  startsAt: Date,
  endsAt: Date,
  now: Date,
  startsAtChanged: boolean,
): FieldError[] {
  const errors: FieldError[] = [];
  if (startsAtChanged && startsAt.getTime() <= now.getTime()) {
    errors.push({ field: 'startsAt', message: 'must be in the future' });
  }
  if (endsAt.getTime() <= startsAt.getTime()) {
    errors.push({ field: 'endsAt', message: 'must be after startsAt' });
  }
  return errors;
}

export function salesWindowErrors(
  salesStartAt: Date | null,
  salesEndAt: Date | null,
  fieldPrefix = '',
): FieldError[] {
  if (salesStartAt && salesEndAt && salesStartAt.getTime() >= salesEndAt.getTime()) {
    return [{ field: `${fieldPrefix}salesEndAt`, message: 'must be after salesStartAt' }];
  }
  return [];
}

/** `undefined` stays "not given", `null` stays "clear it". */
export function toDateOrNull(value: string | null | undefined): Date | null | undefined {
  return value === undefined || value === null ? value : new Date(value);
}
