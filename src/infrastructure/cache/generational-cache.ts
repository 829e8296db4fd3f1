/**
 * A cache whose whole content is invalidated at once by bumping a generation number: every key
 * embeds the generation it was computed under, so after a bump no instance reads an old entry
 * again, and nothing has to scan or delete keys. Old entries simply expire (every key has a TTL).
 */
export interface GenerationalCache {
  /** The entry under the current generation, plus that generation, to store a computed value under. */
  read(key: string): Promise<CacheRead>;
  /** Stores a value computed under `generation`; a stale generation is harmless (never read again). */
  write(key: string, generation: string, value: Buffer): Promise<void>;
  /** Makes every entry computed so far unreachable, for every instance sharing the store. */
  invalidate(): Promise<void>;
}

export type CacheRead =
  /** Bytes, as they are stored and sent: a hit is never decoded or re-encoded. */
  | { status: 'hit'; value: Buffer }
  | { status: 'miss'; generation: string }
  /** The store did not answer: compute from the source and do not store. */
  | { status: 'unavailable' };
