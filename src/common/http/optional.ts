import { ValidateIf } from 'class-validator';

/**
 * class-validator's IsOptional lets `null` through as if absent; for a column that cannot be null
 * that turns a bad request into a database error. These say which one a field means.
 */

/** May be left out; `null` is validated like any other value (and so refused). */
export const OptionalNotNull = () => ValidateIf((_, value) => value !== undefined);

/** May be left out or `null` (which clears it); anything else is validated. */
export const OptionalNullable = () =>
  ValidateIf((_, value) => value !== undefined && value !== null);
