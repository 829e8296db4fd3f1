import { Injectable, type ExecutionContext } from '@nestjs/common';
import {
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerOptions,
} from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../errors/domain-error.js';

/**
 * The throttler's guard, answering 429 as problem details with Retry-After. It runs after the
 * access guard, so the purchase limit can count the verified account (never an unverified claim).
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  /**
   * The throttler's own loop waits for each limit in turn: two Redis round trips on sign-in and on
   * purchases. Here the limits that apply are counted at once, so they share one round trip (see
   * ResilientThrottlerStorage). (Limits come from configuration only: no per-route @Throttle
   * overrides.)
   */
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const applicable = this.throttlers.filter(
      (throttler) =>
        !throttler.skipIf?.(context) &&
        !this.reflector.getAllAndOverride<boolean>(`${SKIP_METADATA}${throttler.name}`, [
          context.getHandler(),
          context.getClass(),
        ]),
    );
    await Promise.all(
      applicable.map((throttler) => this.handleRequest(this.requestFor(context, throttler))),
    );
    return true;
  }

  private requestFor(context: ExecutionContext, throttler: ThrottlerOptions) {
    const ttl = throttler.ttl as number;
    return {
      context,
      throttler,
      ttl,
      limit: throttler.limit as number,
      blockDuration: (throttler.blockDuration as number | undefined) ?? ttl,
      getTracker: throttler.getTracker ?? this.commonOptions.getTracker!,
      generateKey: this.commonOptions.generateKey!,
    };
  }

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

/** What @SkipThrottle() sets, per throttler name (the throttler does not export the constant). */
const SKIP_METADATA = 'THROTTLER:SKIP';

/** The client address as Fastify computed it: the socket, or TRUST_PROXY_HOPS proxies back. */
export function clientAddress(request: FastifyRequest): string {
  return request.ip;
}
