import { Injectable } from '@nestjs/common';
import { CommonErrors, DomainError } from '../../../common/errors/domain-error.js';
import { answerOf, type IdempotentRequest, type StoredAnswer } from './idempotency.js';
import { IdempotencyRepository } from './idempotency.repository.js';

/** Longest a request may run before a retry with its key may take it over (its holder crashed). */
const LEASE_SECONDS = 60;

export const IdempotencyErrors = {
  keyReused: () =>
    CommonErrors.unprocessable(
      'idempotency-key-reused',
      'This Idempotency-Key was used with a different request.',
    ),
  inFlight: () =>
    CommonErrors.conflict(
      'idempotency-key-in-use',
      'A request with this Idempotency-Key is still running; retry shortly.',
    ),
};

/** Go ahead (with the id of what to make), or answer what the first request answered. */
export type IdempotentStart =
  { kind: 'run'; resourceId: string } | { kind: 'replay'; answer: StoredAnswer };

/**
 * The rules of `Idempotency-Key` (API.md): the same key from the same user with the same request
 * answers the first answer again and does nothing twice; with another request, 422; while the
 * first is running, 409. The key fixes the id of what its request makes (an order, a payment
 * attempt), so even a retry after a crash between the write and its answer cannot make it twice:
 * it finds what the first one made.
 */
@Injectable()
export class IdempotencyService {
  constructor(private readonly keys: IdempotencyRepository) {}

  async begin(userId: string, request: IdempotentRequest): Promise<IdempotentStart> {
    const claim = await this.keys.claim(userId, request.key, request.fingerprint, LEASE_SECONDS);
    if (claim.kind === 'claimed') return { kind: 'run', resourceId: claim.resourceId };
    if (claim.fingerprint !== request.fingerprint) throw IdempotencyErrors.keyReused();
    if (claim.kind === 'answered') return { kind: 'replay', answer: claim.answer };
    const resourceId = claim.leaseExpired
      ? await this.keys.takeOver(userId, request.key, LEASE_SECONDS)
      : null;
    if (resourceId) return { kind: 'run', resourceId };
    throw IdempotencyErrors.inFlight();
  }

  /** The request's final answer, kept for its retries. */
  succeed(
    userId: string,
    request: IdempotentRequest,
    status: number,
    body: unknown,
  ): Promise<void> {
    return this.keys.complete(userId, request.key, { kind: 'ok', status, body });
  }

  /** An answer that will change (a payment still in progress): a retry asks again. */
  keepOpen(userId: string, request: IdempotentRequest): Promise<void> {
    return this.keys.reopen(userId, request.key);
  }

  /**
   * Records how a request ended that did not succeed. A refusal (4xx) is remembered: the retry
   * gets the same refusal, unless it only describes a moment (transient: another payment still
   * running). A 502 (the payment provider refused: nothing was made) frees the key, so the retry
   * runs again. Anything else (a 503, an unexpected failure) may have made its order or attempt
   * before failing, and so does a transient refusal's retry: the key keeps its resource id and is
   * open to a retry at once, which then finds what was made instead of making it twice.
   */
  async settleFailure(userId: string, request: IdempotentRequest, error: unknown): Promise<void> {
    if (error instanceof DomainError && error.status < 500 && !error.transient) {
      await this.keys.complete(userId, request.key, answerOf(error));
    } else if (error instanceof DomainError && error.status === 502) {
      await this.keys.release(userId, request.key);
    } else {
      await this.keys.reopen(userId, request.key);
    }
  }
}
