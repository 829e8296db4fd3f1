import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { CommonErrors, type FieldError } from '../errors/domain-error.js';

/** Flattens class-validator's tree into `items[0].quantity`-style field paths. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = /^\d+$/.test(error.property)
      ? `${parent}[${error.property}]`
      : parent
        ? `${parent}.${error.property}`
        : error.property;
    const own = Object.entries(error.constraints ?? {}).map(([rule, message]) => ({
      field,
      message: rule === 'whitelistValidation' ? 'is not an accepted field' : message,
    }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

/** Distinct valid query strings remembered per query class; the memo starts over past this. */
const REMEMBERED_QUERIES = 500;

/**
 * Class-validator's pipe, except that a query string it has already accepted is not validated
 * again. A query is flat text, so the verdict is a pure function of it, and the hot public reads
 * (the cached listing above all) repeat the same few queries: there, validation was the largest
 * cost left after the cache. Only accepted queries with plain values (no arrays, dates or nested
 * objects) are remembered, and each caller gets its own copy, so nothing one request does to its
 * query reaches another.
 */
export class RememberingValidationPipe extends ValidationPipe {
  private readonly accepted = new WeakMap<object, Map<string, object>>();

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const metatype = metadata.metatype;
    if (metadata.type !== 'query' || !metatype || !this.toValidate(metadata)) {
      return super.transform(value, metadata);
    }
    let remembered = this.accepted.get(metatype);
    if (!remembered) this.accepted.set(metatype, (remembered = new Map<string, object>()));
    const text = JSON.stringify(value);
    const known = remembered.get(text);
    if (known) return copyOf(known);
    const validated = (await super.transform(value, metadata)) as object;
    if (isFlat(validated)) {
      if (remembered.size >= REMEMBERED_QUERIES) remembered.clear();
      remembered.set(text, copyOf(validated));
    }
    return validated;
  }
}

/** Only plain values: a shallow copy then shares nothing a request could change. */
function isFlat(instance: object): boolean {
  return Object.values(instance).every((value) => value === null || typeof value !== 'object');
}

function copyOf<T extends object>(instance: T): T {
  return Object.assign(Object.create(Object.getPrototypeOf(instance) as object) as T, instance);
}

/**
 * Unknown fields are refused (no mass assignment: `role` at sign-up is a 400, never ignored),
 * and values are converted only where a DTO says so explicitly.
 */
export function createValidationPipe(): ValidationPipe {
  return new RememberingValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    stopAtFirstError: false,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => CommonErrors.validation(flattenValidationErrors(errors)),
  });
}
