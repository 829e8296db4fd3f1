import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';

/** Which stricter limit, besides the per-client one, a route is counted against. */
export type RateLimitGroup = 'login' | 'purchase' | 'probe';
export const RATE_LIMIT_GROUP = 'eventflow:rate-limit-group';

/** Sign-in attempts: counted per account and client, so brute force on one account stops early. */
export const LoginRateLimited = () => rateLimitGroup('login');

/** Purchases: counted per signed-in account, whatever address it comes from. */
export const PurchaseRateLimited = () => rateLimitGroup('purchase');

/**
 * Health checks and metric scrapes: counted per client on their own generous limit, not the
 * buyers' one, so monitoring never crowds out buyers and a flood of probes is a 429, not load.
 */
export const ProbeRateLimited = () =>
  applyDecorators(SkipThrottle({ default: true }), rateLimitGroup('probe'));

/** The group, for the guard, and for the document (its own X-RateLimit-*-<group> headers). */
function rateLimitGroup(group: RateLimitGroup) {
  return applyDecorators(
    SetMetadata(RATE_LIMIT_GROUP, group),
    ApiExtension('x-rate-limit-group', group),
  );
}
