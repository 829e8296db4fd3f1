/**
 * Failed API-key lookups per client address, in this process. The access guard runs before the
 * rate limiter, and every well-formed key costs a database read: without this, a flood of made-up
 * keys would be a stream of 401s, each one a query, never a 429. After `limit` failures in
 * `windowMs` a client's keys are refused unread until the window ends; valid keys and sign-in
 * tokens never count.
 */
export class KeyLookupLimiter {
  private readonly failures = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly limit = 20,
    private readonly windowMs = 60_000,
    /** Oldest clients are forgotten first beyond this, so a spray of addresses cannot grow it. */
    private readonly maxClients = 10_000,
  ) {}

  /** Seconds until the client may try keys again, or 0 when it may now. */
  retryAfterSeconds(client: string, now = Date.now()): number {
    const entry = this.failures.get(client);
    if (!entry || entry.resetAt <= now) return 0;
    return entry.count >= this.limit ? Math.ceil((entry.resetAt - now) / 1000) : 0;
  }

  recordFailure(client: string, now = Date.now()): void {
    const entry = this.failures.get(client);
    if (entry && entry.resetAt > now) {
      entry.count++;
      return;
    }
    this.failures.delete(client);
    if (this.failures.size >= this.maxClients) {
      this.failures.delete(this.failures.keys().next().value as string);
    }
    this.failures.set(client, { count: 1, resetAt: now + this.windowMs });
  }
}
