import { KeyLookupLimiter } from './key-lookup-limiter.js';

describe('KeyLookupLimiter', () => {
  it('lets a client fail `limit` times in a window, then refuses it until the window ends', () => {
    const limiter = new KeyLookupLimiter(3, 60_000);
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfterSeconds('10.0.0.1', 1_000)).toBe(0);
      limiter.recordFailure('10.0.0.1', 1_000);
    }
    expect(limiter.retryAfterSeconds('10.0.0.1', 1_000)).toBe(60);
    expect(limiter.retryAfterSeconds('10.0.0.1', 31_000)).toBe(30);
    expect(limiter.retryAfterSeconds('10.0.0.2', 1_000)).toBe(0);
    expect(limiter.retryAfterSeconds('10.0.0.1', 61_000)).toBe(0);
    limiter.recordFailure('10.0.0.1', 61_000);
    expect(limiter.retryAfterSeconds('10.0.0.1', 61_000)).toBe(0);
  });

  it('forgets the oldest clients beyond its bound', () => {
    const limiter = new KeyLookupLimiter(1, 60_000, 2);
    limiter.recordFailure('a', 0);
    limiter.recordFailure('b', 0);
    limiter.recordFailure('c', 0);
    expect(limiter.retryAfterSeconds('a', 0)).toBe(0);
    expect(limiter.retryAfterSeconds('b', 0)).toBe(60);
    expect(limiter.retryAfterSeconds('c', 0)).toBe(60);
  });
});
