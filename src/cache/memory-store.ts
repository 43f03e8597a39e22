/**
 * The in-process cache store: an LRU bounded in bytes. One Map holds the entries in recency order
 * (a hit moves its key to the end, eviction takes from the front), a second maps tags to keys.
 * Every operation is O(1) apart from purges, which are O(entries purged). Expired entries are
 * dropped when read, and up to two at a time from the cold end on each write.
 *
 * Sizes are an estimate of the heap an entry holds (body bytes, header and key characters, a fixed
 * overhead), not an exact measure: what matters is that the bound holds and is proportional.
 */
import type { CacheEntry, CacheStats, CacheStore } from './types.js';

export interface MemoryCacheStoreOptions {
  /** The bound on all entries; default 64 MiB. */
  maxBytes?: number;
  /** Larger entries are not stored; default maxBytes / 8. */
  maxEntryBytes?: number;
  /** Epoch ms; tests inject one. */
  clock?: () => number;
}

interface Slot {
  entry: CacheEntry;
  size: number;
  expiresAt: number;
}

const ENTRY_OVERHEAD = 160;

export function entrySize(key: string, entry: CacheEntry): number {
  let n = ENTRY_OVERHEAD + entry.body.byteLength + key.length + (entry.varyKey?.length ?? 0);
  for (const h of entry.headers) n += h.length + 16;
  for (const t of entry.tags) n += t.length + 48;
  return n;
}

export class MemoryCacheStore implements CacheStore {
  readonly maxBytes: number;
  readonly maxEntryBytes: number;
  readonly #clock: () => number;
  readonly #slots = new Map<string, Slot>();
  readonly #tags = new Map<string, Set<string>>();
  #bytes = 0;
  #hits = 0;
  #misses = 0;
  #sets = 0;
  #deletes = 0;
  #evictions = 0;

  constructor(opts: MemoryCacheStoreOptions = {}) {
    this.maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
    this.maxEntryBytes = Math.min(opts.maxEntryBytes ?? Math.floor(this.maxBytes / 8), this.maxBytes);
    this.#clock = opts.clock ?? Date.now;
    if (!(this.maxBytes > 0)) throw new RangeError('maxBytes must be positive');
  }

  get(key: string): CacheEntry | undefined {
    const slot = this.#slots.get(key);
    if (slot === undefined) {
      this.#misses++;
      return undefined;
    }
    if (slot.expiresAt <= this.#clock()) {
      this.#remove(key, slot);
      this.#misses++;
      return undefined;
    }
    this.#slots.delete(key);
    this.#slots.set(key, slot);
    this.#hits++;
    return slot.entry;
  }

  set(key: string, entry: CacheEntry, ttlMs: number): void {
    const old = this.#slots.get(key);
    if (old !== undefined) this.#remove(key, old);
    const size = entrySize(key, entry);
    if (!(ttlMs > 0) || size > this.maxEntryBytes) return;
    const now = this.#clock();
    this.#dropExpired(now);
    const slot: Slot = { entry, size, expiresAt: now + ttlMs };
    this.#slots.set(key, slot);
    this.#bytes += size;
    this.#sets++;
    for (const tag of entry.tags) {
      let keys = this.#tags.get(tag);
      if (keys === undefined) this.#tags.set(tag, (keys = new Set()));
      keys.add(key);
    }
    while (this.#bytes > this.maxBytes) {
      const [coldKey, cold] = this.#slots.entries().next().value as [string, Slot];
      this.#remove(coldKey, cold);
      this.#evictions++;
    }
  }

  delete(key: string): boolean {
    const slot = this.#slots.get(key);
    if (slot === undefined) return false;
    this.#remove(key, slot);
    this.#deletes++;
    return true;
  }

  deleteByTag(tag: string): number {
    const keys = this.#tags.get(tag);
    if (keys === undefined) return 0;
    let n = 0;
    for (const key of [...keys]) if (this.delete(key)) n++;
    this.#tags.delete(tag);
    return n;
  }

  clear(): void {
    this.#slots.clear();
    this.#tags.clear();
    this.#bytes = 0;
  }

  stats(): CacheStats {
    return {
      hits: this.#hits,
      misses: this.#misses,
      sets: this.#sets,
      deletes: this.#deletes,
      evictions: this.#evictions,
      errors: 0,
      entries: this.#slots.size,
      bytes: this.#bytes,
    };
  }

  close(): void {
    this.clear();
  }

  #dropExpired(now: number): void {
    let n = 0;
    for (const [key, slot] of this.#slots) {
      if (n++ === 2 || slot.expiresAt > now) return;
      this.#remove(key, slot);
    }
  }

  #remove(key: string, slot: Slot): void {
    this.#slots.delete(key);
    this.#bytes -= slot.size;
    for (const tag of slot.entry.tags) {
      const keys = this.#tags.get(tag);
      if (keys === undefined) continue;
      keys.delete(key);
      if (keys.size === 0) this.#tags.delete(tag);
    }
  }
}
