import type { CacheRead, GenerationalCache } from './generational-cache.js';

/** The single-instance fallback when no REDIS_URL is set. Bounded, and entries expire. */
export class MemoryGenerationalCache implements GenerationalCache {
  private generation = 0;
  private readonly entries = new Map<string, { value: Buffer; expiresAt: number }>();

  constructor(
    private readonly ttlSeconds: number,
    private readonly maxEntries = 1_000,
    private readonly now: () => number = Date.now,
  ) {}

  async read(key: string): Promise<CacheRead> {
    const entry = this.entries.get(this.entryKey(key, String(this.generation)));
    if (entry && entry.expiresAt > this.now()) return { status: 'hit', value: entry.value };
    return { status: 'miss', generation: String(this.generation) };
  }

  async write(key: string, generation: string, value: Buffer): Promise<void> {
    if (generation !== String(this.generation)) return;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(this.entryKey(key, generation), {
      value,
      expiresAt: this.now() + this.ttlSeconds * 1000,
    });
  }

  async invalidate(): Promise<void> {
    this.generation += 1;
    this.entries.clear();
  }

  private entryKey(key: string, generation: string): string {
    return `${generation}:${key}`;
  }
}
