/**
 * The Redis cache store, shared by every node: each entry is one binary value with a TTL
 * (`<prefix>e:<key>`), and each tag a set of keys (`<prefix>t:<tag>`) that lives as long as its
 * longest-lived entry. A set and its tag updates are one Lua script, so a purge never misses an entry
 * that was stored before it started.
 *
 * On the hot path Redis being slow or down is a miss, never an error or a stall: `get` and `set`
 * give up after `timeoutMs` (default 250 ms: bodies can be large) and count an error in `stats()`.
 * Purges (`delete`, `deleteByTag`, `clear`) come from the admin API and do report failures.
 *
 * Tag sets are not pruned when an entry expires or is overwritten without the tag, so a purge by
 * tag may also remove such an entry: a spurious miss, never a stale hit.
 *
 * The store remembers the last entries it read, decoded: when Redis returns the same bytes for a key
 * as last time, `get` returns the same entry object, so a hit neither decodes the value again nor
 * has the cache policy re-derive what it reads from an entry once (its dates, the lines it sends).
 * It is only ever used once Redis has answered with those bytes: it hides no purge or expiry.
 */
import { Redis } from 'ioredis';
import { ownedClientOptions, RedisScript, withTimeout } from '../ratelimit/redis-script.js';
import { decodeEntry, encodeEntry } from './entry-codec.js';
import type { CacheEntry, CacheStats, CacheStore } from './types.js';

export interface RedisCacheStoreOptions {
  /** A client (left open by `close()`), or a redis:// URL for a client the store owns. */
  redis: Redis | string;
  /** Default `gantry:cache:`. */
  keyPrefix?: string;
  /** Longest wait for `get` and `set`; default 250 ms. */
  timeoutMs?: number;
  /** Larger entries are not stored; default 8 MiB. */
  maxEntryBytes?: number;
  /** Told about each failed or timed-out `get` or `set`. */
  onError?: (err: Error) => void;
}

/** KEYS[1]: the entry, KEYS[2..]: its tag sets. ARGV: value, ttl ms, logical key. */
const SET_LUA = `
local ttl = tonumber(ARGV[2])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
for i = 2, #KEYS do
  redis.call('SADD', KEYS[i], ARGV[3])
  if redis.call('PTTL', KEYS[i]) < ttl then redis.call('PEXPIRE', KEYS[i], ttl) end
end
return 1
`;
const SET = new RedisScript(SET_LUA);
const BATCH = 500;
/** Decoded entries remembered: at most this many, of values up to this size (4 MiB in all). */
const DECODED_MAX = 256;
const DECODED_MAX_VALUE_BYTES = 16 * 1024;

function globEscape(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}

export class RedisCacheStore implements CacheStore {
  readonly redis: Redis;
  readonly #owned: boolean;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #maxEntryBytes: number;
  readonly #onError: ((err: Error) => void) | undefined;
  #hits = 0;
  #misses = 0;
  #sets = 0;
  #deletes = 0;
  #errors = 0;
  readonly #decoded = new Map<string, { value: Buffer; entry: CacheEntry }>();

  constructor(opts: RedisCacheStoreOptions) {
    this.#prefix = opts.keyPrefix ?? 'gantry:cache:';
    this.#timeoutMs = opts.timeoutMs ?? 250;
    this.#maxEntryBytes = opts.maxEntryBytes ?? 8 * 1024 * 1024;
    this.#onError = opts.onError;
    if (typeof opts.redis === 'string') {
      this.#owned = true;
      // Auto-pipelining: the lookups of one event-loop turn (one per request the turn read) go out
      // in one socket write and come back in one read, instead of a write and a read each.
      this.redis = new Redis(opts.redis, { ...ownedClientOptions(), enableAutoPipelining: true });
      this.redis.on('error', () => {});
    } else {
      this.#owned = false;
      this.redis = opts.redis;
    }
  }

  #entryKey(key: string): string {
    return `${this.#prefix}e:${key}`;
  }

  #tagKey(tag: string): string {
    return `${this.#prefix}t:${tag}`;
  }

  #failed(err: unknown): void {
    this.#errors++;
    this.#onError?.(err instanceof Error ? err : new Error(String(err)));
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    if (this.redis.status !== 'ready') {
      this.#errors++;
      this.#misses++;
      return undefined;
    }
    let buf: Buffer | null;
    try {
      buf = await withTimeout(this.redis.getBuffer(this.#entryKey(key)), this.#timeoutMs);
    } catch (err) {
      this.#failed(err);
      this.#misses++;
      return undefined;
    }
    const entry = buf === null ? undefined : this.#decode(key, buf);
    if (entry === undefined) this.#misses++;
    else this.#hits++;
    return entry;
  }

  #decode(key: string, value: Buffer): CacheEntry | undefined {
    const last = this.#decoded.get(key);
    if (last !== undefined && last.value.equals(value)) return last.entry;
    if (last !== undefined) this.#decoded.delete(key);
    if (value.length > DECODED_MAX_VALUE_BYTES) return decodeEntry(value);
    // A copy to keep: the client's reply may be a view of memory it reuses.
    const own = Buffer.from(value);
    const entry = decodeEntry(own);
    if (entry === undefined) return undefined;
    if (this.#decoded.size >= DECODED_MAX) this.#decoded.delete(this.#decoded.keys().next().value as string);
    this.#decoded.set(key, { value: own, entry });
    return entry;
  }

  async set(key: string, entry: CacheEntry, ttlMs: number): Promise<void> {
    const value = encodeEntry(entry);
    const ttl = Math.ceil(ttlMs);
    if (!(ttl > 0) || value.length > this.#maxEntryBytes) {
      await this.delete(key).catch((err: unknown) => this.#failed(err));
      return;
    }
    if (this.redis.status !== 'ready') {
      this.#errors++;
      return;
    }
    const keys = [this.#entryKey(key), ...[...new Set(entry.tags)].map((t) => this.#tagKey(t))];
    try {
      await withTimeout(SET.run(this.redis, keys, [value, ttl, key]), this.#timeoutMs);
      this.#sets++;
    } catch (err) {
      this.#failed(err);
    }
  }

  async delete(key: string): Promise<boolean> {
    this.#decoded.delete(key);
    const n = await this.redis.unlink(this.#entryKey(key));
    if (n > 0) this.#deletes++;
    return n > 0;
  }

  async deleteByTag(tag: string): Promise<number> {
    // Renamed first, so entries tagged while the purge runs land in a new set and survive it.
    const purging = `${this.#tagKey(tag)}:purging:${process.pid}:${Date.now()}:${Math.random().toString(36).slice(2)}`;
    try {
      await this.redis.rename(this.#tagKey(tag), purging);
    } catch (err) {
      if (err instanceof Error && /no such key/i.test(err.message)) return 0;
      throw err;
    }
    let removed = 0;
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.sscan(purging, cursor, 'COUNT', BATCH);
      cursor = next;
      if (keys.length > 0) removed += await this.redis.unlink(...keys.map((k) => this.#entryKey(k)));
    } while (cursor !== '0');
    await this.redis.unlink(purging);
    this.#deletes += removed;
    return removed;
  }

  async clear(): Promise<void> {
    this.#decoded.clear();
    const match = `${globEscape(this.#prefix)}*`;
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await this.redis.unlink(...keys);
    } while (cursor !== '0');
  }

  stats(): CacheStats {
    return {
      hits: this.#hits,
      misses: this.#misses,
      sets: this.#sets,
      deletes: this.#deletes,
      evictions: 0,
      errors: this.#errors,
      entries: null,
      bytes: null,
    };
  }

  close(): void {
    this.#decoded.clear();
    if (this.#owned) this.redis.disconnect();
  }
}
