import type { FieldError } from './domain-error.js';

/** RFC 9457 problem details, as every error answer of the API is shaped. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  requestId?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Problem types are documented in the OpenAPI document; the URN keeps them stable and offline. */
export function problemType(code: string): string {
  return `urn:eventflow:problem:${code}`;
}
