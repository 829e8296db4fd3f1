import { MAX_ATTEMPTS, nextRetryDelayMs, parseRetryAfter } from './retry-schedule.js';

describe('the retry schedule', () => {
  it('is the Standard Webhooks one: ten attempts, 5 s to 24 h apart', () => {
    const delays = Array.from({ length: MAX_ATTEMPTS }, (_, i) =>
      nextRetryDelayMs(i + 1, 1, undefined),
    );
    expect(delays).toEqual([
      5_000,
      300_000,
      1_800_000,
      7_200_000,
      18_000_000,
      36_000_000,
      50_400_000,
      72_000_000,
      86_400_000,
      undefined,
    ]);
  });

  it('scales the schedule but honours a longer Retry-After as asked', () => {
    expect(nextRetryDelayMs(2, 0.001, undefined)).toBe(300);
    expect(nextRetryDelayMs(1, 0.001, 2)).toBe(2_000);
    expect(nextRetryDelayMs(3, 1, 10)).toBe(1_800_000);
    expect(nextRetryDelayMs(1, 1, 10 * 86_400)).toBe(86_400_000);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-12-01T10:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120);
    expect(parseRetryAfter('Tue, 01 Dec 2026 10:01:00 GMT', now)).toBe(60);
    expect(parseRetryAfter('Tue, 01 Dec 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
