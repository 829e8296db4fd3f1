import { Injectable, type ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../errors/domain-error.js';

/**
 * The throttler's guard, answering 429 as problem details with Retry-After. It runs after the
 * access guard, so the purchase limit can count the verified account (never an unverified claim).
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  /** One counter per client across all routes (the throttler's default counts per route). */
  protected override generateKey(
    _context: ExecutionContext,
    tracker: string,
    throttlerName: string,
  ): string {
    return `${throttlerName}:${tracker}`;
  }

  protected override async throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const retryAfter = Math.max(1, detail.timeToBlockExpire);
    throw new DomainError(
      429,
      'rate-limited',
      'Too Many Requests',
      `Too many requests; try again in ${retryAfter} s.`,
      {},
      { 'Retry-After': String(retryAfter) },
    );
  }
}

/** The client address as Fastify computed it: the socket, or TRUST_PROXY_HOPS proxies back. */
export function clientAddress(request: FastifyRequest): string {
  return request.ip;
}
