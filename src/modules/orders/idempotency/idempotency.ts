import { createHash } from 'node:crypto';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { CommonErrors, DomainError } from '../../../common/errors/domain-error.js';
import type { ProblemCode } from '../../../common/errors/problem-catalog.js';

/** An `Idempotency-Key` and the fingerprint of the request that carried it. */
export interface IdempotentRequest {
  key: string;
  /** SHA-256 of method, path and body: the same key with another request is refused (422). */
  fingerprint: string;
}

/** What a completed request answered, kept to answer a retry identically. */
export type StoredAnswer =
  | { kind: 'ok'; status: number; body: unknown }
  | {
      kind: 'problem';
      status: number;
      code: ProblemCode;
      title: string;
      detail: string;
      extensions: Record<string, unknown>;
      headers: Record<string, string>;
    };

export function answerOf(error: DomainError): StoredAnswer {
  return {
    kind: 'problem',
    status: error.status,
    code: error.code,
    title: error.title,
    detail: error.detail,
    extensions: error.extensions,
    headers: error.headers,
  };
}

/** Marks an answer sent again for a retry with the same key, success or refusal alike. */
export const REPLAY_HEADER = 'Idempotent-Replayed';

/** The stored body of a success, or the stored refusal thrown again (the filter renders it as before). */
export function replay<T>(answer: StoredAnswer): T {
  if (answer.kind === 'ok') return answer.body as T;
  throw new DomainError(
    answer.status,
    answer.code,
    answer.title,
    answer.detail,
    answer.extensions,
    { ...answer.headers, [REPLAY_HEADER]: 'true' },
  );
}

/** JSON with sorted keys, so `{a, b}` and `{b, a}` are the same request. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function fingerprintOf(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${path}\n${canonicalJson(body ?? null)}`)
    .digest('hex');
}

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** The `Idempotency-Key` of the request, if it sent one; a malformed key is a 400. */
export const IdempotencyKey = createParamDecorator(
  (_: unknown, context: ExecutionContext): IdempotentRequest | undefined => {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const key = request.headers['idempotency-key'];
    if (key === undefined) return undefined;
    if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
      throw CommonErrors.validation([
        { field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' },
      ]);
    }
    const path = request.url.split('?')[0] ?? '';
    return { key, fingerprint: fingerprintOf(request.method, path, request.body) };
  },
);
