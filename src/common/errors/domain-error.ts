import type { ProblemCode } from './problem-catalog.js';

/** One field that failed validation, as RFC 9457 `errors[]` entries carry it. */
export interface FieldError {
  field: string;
  message: string;
}

/**
 * An error the API means to answer with. Services throw these; the problem-details filter is the
 * only place that turns them into HTTP. `code` is stable and documented; `extensions` become extra
 * members of the problem body (for example `ticketTypeId` and `available` on a sold-out refusal).
 */
export class DomainError extends Error {
  constructor(
    readonly status: number,
    readonly code: ProblemCode,
    readonly title: string,
    readonly detail: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
    /**
     * The refusal describes a moment (another payment still running), not the request: an
     * Idempotency-Key does not keep it as its answer, and a retry asks again.
     */
    readonly transient = false,
  ) {
    super(detail);
    this.name = 'DomainError';
  }
}

/** Field errors listed in one answer; a request with more is told how many it has. */
export const MAX_FIELD_ERRORS = 20;

/** The errors every feature shares. Feature-specific ones live beside their service. */
export const CommonErrors = {
  validation: (errors: FieldError[]) =>
    new DomainError(
      400,
      'validation-failed',
      'Bad Request',
      errors.length > MAX_FIELD_ERRORS
        ? `The request is not valid: ${errors.length} problems, the first ${MAX_FIELD_ERRORS} listed and ${errors.length - MAX_FIELD_ERRORS} more.`
        : 'The request is not valid.',
      { errors: errors.slice(0, MAX_FIELD_ERRORS) },
    ),
  badRequest: (detail: string) => new DomainError(400, 'bad-request', 'Bad Request', detail),
  unauthorized: (detail = 'Sign in to use this route.') =>
    new DomainError(
      401,
      'unauthorized',
      'Unauthorized',
      detail,
      {},
      { 'WWW-Authenticate': 'Bearer' },
    ),
  forbidden: (detail = 'You may not use this route.') =>
    new DomainError(403, 'forbidden', 'Forbidden', detail),
  notFound: (what: string) =>
    new DomainError(404, 'not-found', 'Not Found', `${what} was not found.`),
  conflict: (
    code: ProblemCode,
    detail: string,
    extensions: Record<string, unknown> = {},
    { transient = false }: { transient?: boolean } = {},
  ) => new DomainError(409, code, 'Conflict', detail, extensions, {}, transient),
  unprocessable: (code: ProblemCode, detail: string, extensions: Record<string, unknown> = {}) =>
    new DomainError(422, code, 'Unprocessable Content', detail, extensions),
  unavailable: (detail: string, retryAfterSeconds = 1) =>
    new DomainError(
      503,
      'service-unavailable',
      'Service Unavailable',
      detail,
      {},
      { 'Retry-After': String(retryAfterSeconds) },
    ),
};
