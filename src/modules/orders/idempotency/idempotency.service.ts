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

/**
 * The rules of `Idempotency-Key` (API.md): the same key from the same user with the same request
 * answers the first answer again and does nothing twice; with another request, 422; while the
 * first is running, 409. The answer itself is stored by the operation, in its own transaction.
 */
@Injectable()
export class IdempotencyService {
  constructor(private readonly keys: IdempotencyRepository) {}

  /** Null when the caller should go ahead (it now holds the key); else the answer to replay. */
  async begin(userId: string, request: IdempotentRequest): Promise<StoredAnswer | null> {
    const claim = await this.keys.claim(userId, request.key, request.fingerprint, LEASE_SECONDS);
    if (claim.kind === 'claimed') return null;
    if (claim.fingerprint !== request.fingerprint) throw IdempotencyErrors.keyReused();
    if (claim.kind === 'answered') return claim.answer;
    if (claim.leaseExpired && (await this.keys.takeOver(userId, request.key, LEASE_SECONDS)))
      return null;
    throw IdempotencyErrors.inFlight();
  }

  /**
   * Records how an operation ended when it did not store its answer itself: a refusal is
   * remembered (the retry gets the same refusal); an unexpected failure frees the key.
   */
  async settleFailure(userId: string, request: IdempotentRequest, error: unknown): Promise<void> {
    if (error instanceof DomainError && error.status < 500) {
      await this.keys.complete(userId, request.key, answerOf(error));
    } else {
      await this.keys.release(userId, request.key);
    }
  }
}
