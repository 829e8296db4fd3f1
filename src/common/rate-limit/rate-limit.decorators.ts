import { SetMetadata } from '@nestjs/common';

/** Which stricter limit, besides the per-client one, a route is counted against. */
export type RateLimitGroup = 'login' | 'purchase';
export const RATE_LIMIT_GROUP = 'eventflow:rate-limit-group';

/** Sign-in attempts: counted per account and client, so brute force on one account stops early. */
export const LoginRateLimited = () =>
  SetMetadata(RATE_LIMIT_GROUP, 'login' satisfies RateLimitGroup);

/** Purchases: counted per signed-in account, whatever address it comes from. */
export const PurchaseRateLimited = () =>
  SetMetadata(RATE_LIMIT_GROUP, 'purchase' satisfies RateLimitGroup);
