import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { CommonErrors, type FieldError } from '../errors/domain-error.js';

/**
 * The rule that says what kind of value a field needs, reported ahead of any rule about its size
 * or shape: `name: 1` is "must be a string", not that and "must be longer than 1 characters".
 */
const KIND_RULES = [
  'whitelistValidation',
  'isDefined',
  'isString',
  'isInt',
  'isNumber',
  'isBoolean',
  'isArray',
  'isObject',
  'nestedValidation',
];

/** Flattens class-validator's tree into `items[0].quantity`-style paths, one message a field. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = /^\d+$/.test(error.property)
      ? `${parent}[${error.property}]`
      : parent
        ? `${parent}.${error.property}`
        : error.property;
    const own = firstMessage(error.constraints ?? {});
    return [
      ...(own === undefined ? [] : [{ field, message: own }]),
      ...flattenValidationErrors(error.children ?? [], field),
    ];
  });
}

function firstMessage(constraints: Record<string, string>): string | undefined {
  const rule = KIND_RULES.find((name) => name in constraints) ?? Object.keys(constraints)[0];
  if (rule === undefined) return undefined;
  return rule === 'whitelistValidation' ? 'is not an accepted field' : constraints[rule];
}

/**
 * What no field of any route may hold, checked before the rules of the route: a NUL character
 * (PostgreSQL cannot store one in text, and it splits strings in many tools downstream), a query
 * parameter given twice (which value was meant?), and a body that is not a JSON object.
 */
export function refuseMalformedInput(value: unknown, metadata: ArgumentMetadata): void {
  if (metadata.type === 'custom') return;
  if (metadata.type === 'query' && typeof value === 'object' && value !== null) {
    const repeated = Object.entries(value).filter(([, given]) => Array.isArray(given));
    if (repeated.length > 0) {
      throw CommonErrors.validation(
        repeated.map(([field]) => ({ field, message: 'must be given only once' })),
      );
    }
  }
  const field = fieldWithNul(value, metadata.type === 'param' ? (metadata.data ?? '') : '');
  if (field !== undefined) {
    throw CommonErrors.validation([
      { field: field || metadata.type, message: 'must not contain a NUL character (U+0000)' },
    ]);
  }
  if (
    metadata.type === 'body' &&
    isInputClass(metadata.metatype) &&
    value !== undefined &&
    !isPlainObject(value)
  ) {
    throw CommonErrors.badRequest('The body must be a JSON object.');
  }
}

/** A DTO class, not a built-in a handler may name for a body it reads itself. */
function isInputClass(metatype: ArgumentMetadata['metatype']): boolean {
  return (
    typeof metatype === 'function' &&
    !([Object, String, Number, Boolean, Array, Buffer] as unknown[]).includes(metatype)
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The path of the first string (value or key) holding U+0000, or undefined. The body parser has
 * already bounded how deep a value can nest, so the recursion is bounded too.
 */
function fieldWithNul(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const found = fieldWithNul(value[index], `${path}[${index}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const [key, child] of Object.entries(value)) {
    const childPath = path ? `${path}.${key}` : key;
    if (key.includes('\u0000')) return childPath.replaceAll('\u0000', '\\u0000');
    const found = fieldWithNul(child, childPath);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Distinct valid query strings remembered per query class; the memo starts over past this. */
const REMEMBERED_QUERIES = 500;

/**
 * Class-validator's pipe, after the checks every input shares, except that a query string it has
 * already accepted is not validated again. A query is flat text, so the verdict is a pure
 * function of it, and the hot public reads (the cached listing above all) repeat the same few
 * queries: there, validation was the largest cost left after the cache. Only accepted queries
 * with plain values (no arrays, dates or nested objects) are remembered, and each caller gets its
 * own copy, so nothing one request does to its query reaches another.
 */
export class RememberingValidationPipe extends ValidationPipe {
  private readonly accepted = new WeakMap<object, Map<string, object>>();

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    refuseMalformedInput(value, metadata);
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
