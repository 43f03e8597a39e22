/**
 * The cache store contract shared by every backend (memory, Redis), STYLE.md rule 7. A store keeps
 * entries and their tags; it knows nothing of HTTP: what may be stored and for how long is decided by
 * http-semantics.ts (REST) or by the AI cache, and the `ttlMs` given to `set` is how long the entry
 * may still be useful, stale-while-revalidate and stale-if-error windows included.
 */

/** Header lines as received, flat: `[name, value, name, value, ...]` (Node's rawHeaders shape). */
export type RawHeaders = readonly string[];

export interface CacheEntry {
  status: number;
  headers: RawHeaders;
  body: Buffer;
  /** Epoch ms the response was received: RFC 9111 §4.2.3 `response_time`. */
  storedAt: number;
  /** Epoch ms the request that produced it was sent: §4.2.3 `request_time`; `storedAt` when absent. */
  requestTime?: number;
  /** Surrogate keys for purge by tag. */
  tags: readonly string[];
  /** The secondary key (http-semantics `varyKey`) of the request this entry answers. */
  varyKey?: string;
}

export interface CacheStats {
  hits: number;
  misses: number;
  sets: number;
  deletes: number;
  /** Entries dropped to stay within the byte bound (memory store). */
  evictions: number;
  /** Backend calls that failed or timed out (Redis store). */
  errors: number;
  /** Entries and bytes held; null where the store cannot count them cheaply (Redis). */
  entries: number | null;
  bytes: number | null;
}

export type MaybePromise<T> = T | Promise<T>;

export interface CacheStore {
  /** The entry, or undefined when absent, expired, or the backend is unreachable (a miss). Entries may be shared: never mutate one. */
  get(key: string): MaybePromise<CacheEntry | undefined>;
  /** Stores `entry` for `ttlMs`; replaces any entry under `key`. A store may decline (too large). */
  set(key: string, entry: CacheEntry, ttlMs: number): MaybePromise<void>;
  /** Whether an entry was there. */
  delete(key: string): MaybePromise<boolean>;
  /** Deletes every entry stored with `tag`; returns how many keys were removed. */
  deleteByTag(tag: string): MaybePromise<number>;
  clear(): MaybePromise<void>;
  stats(): CacheStats;
  close(): MaybePromise<void>;
}
