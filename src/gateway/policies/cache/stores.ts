/**
 * The node's cache stores, owned by the data plane like its rate limiters: snapshots come and go,
 * stores stay, so a config reload keeps what is cached. One bounded in-memory LRU per node, and
 * (when the node has GANTRY_REDIS_URL) one Redis store shared by every node of a cluster. Cache
 * policies (REST and AI) pick one by name; purges go to both.
 */
import { validationError } from '../../../core/errors.js';
import { Coalescer, type CoalesceStats } from '../../../cache/coalesce.js';
import { MemoryCacheStore } from '../../../cache/memory-store.js';
import { RedisCacheStore } from '../../../cache/redis-store.js';
import type { CacheStats, CacheStore } from '../../../cache/types.js';

export type CacheBackend = 'memory' | 'redis';

export interface CacheStoreOptions {
  /** Bound of the in-memory store; default 256 MiB. */
  memoryMaxBytes?: number;
  /** The node's Redis; entries go under `<prefix>:cache:`. */
  redis?: { url: string; prefix: string };
  /** Told about Redis errors (each failed get/set is a miss). */
  onRedisError?: (err: Error) => void;
}

/** What a purge removed: entries from this node's memory store, and from Redis (null: not asked or no Redis). */
export interface PurgeCounts {
  memory: number;
  redis: number | null;
}

export class CacheStoreRegistry {
  readonly memory: MemoryCacheStore;
  readonly #redisOptions: { url: string; prefix: string } | null;
  readonly #onRedisError: ((err: Error) => void) | undefined;
  readonly #coalescers = new Map<number, Coalescer<unknown>>();
  #redis: RedisCacheStore | null = null;
  #broadcast: ((tags: readonly string[]) => void) | null = null;

  constructor(opts: CacheStoreOptions = {}) {
    this.memory = new MemoryCacheStore({ maxBytes: opts.memoryMaxBytes ?? 256 * 1024 * 1024 });
    this.#redisOptions = opts.redis ?? null;
    this.#onRedisError = opts.onRedisError;
  }

  get hasRedis(): boolean {
    return this.#redisOptions !== null;
  }

  /** The store for `backend`; `redis` without a node Redis URL is a validation error. */
  get(backend: CacheBackend): CacheStore {
    if (backend === 'memory') return this.memory;
    return this.redisStore();
  }

  redisStore(): RedisCacheStore {
    if (this.#redis !== null) return this.#redis;
    const opts = this.#redisOptions;
    if (opts === null) {
      throw validationError('store "redis" needs the node to have a Redis URL (GANTRY_REDIS_URL); use store "memory" or set it', [
        { path: '/store', message: 'this node has no Redis (GANTRY_REDIS_URL is not set)' },
      ]);
    }
    this.#redis = new RedisCacheStore({
      redis: opts.url,
      keyPrefix: `${opts.prefix}:cache:`,
      ...(this.#onRedisError ? { onError: this.#onRedisError } : {}),
    });
    return this.#redis;
  }

  /** Every store in use: the memory store, and the Redis store once a policy asked for it. */
  stores(): Array<{ backend: CacheBackend; store: CacheStore }> {
    const out: Array<{ backend: CacheBackend; store: CacheStore }> = [{ backend: 'memory', store: this.memory }];
    if (this.#redis !== null) out.push({ backend: 'redis', store: this.#redis });
    return out;
  }

  /**
   * The node's coalescer for fetches that wait at most `maxWaitMs` (one per distinct wait, shared by
   * every policy asking for it: callers namespace their keys).
   */
  coalescer<T>(maxWaitMs: number): Coalescer<T> {
    let c = this.#coalescers.get(maxWaitMs);
    if (c === undefined) this.#coalescers.set(maxWaitMs, (c = new Coalescer<unknown>({ maxWaitMs })));
    return c as Coalescer<T>;
  }

  /**
   * Removes every entry carrying one of `tags` from this node's memory store and, with `redis`, from
   * the shared Redis store (when the node has one). Redis failures are thrown: purges report them.
   */
  async purgeTags(tags: readonly string[], opts: { redis: boolean }): Promise<PurgeCounts> {
    let memory = 0;
    for (const tag of tags) memory += this.memory.deleteByTag(tag);
    if (!opts.redis || !this.hasRedis) return { memory, redis: null };
    const store = this.redisStore();
    let redis = 0;
    for (const tag of tags) redis += await store.deleteByTag(tag);
    return { memory, redis };
  }

  /**
   * Invalidation found on this node's request path (RFC 9111 §4.4: an unsafe method succeeded):
   * purged here from `backend`, and announced to the other nodes when a broadcaster is set, since
   * their memory stores may hold the same URLs. Never throws.
   */
  async invalidate(tags: readonly string[], backend: CacheBackend): Promise<void> {
    try {
      if (backend === 'memory') for (const tag of tags) this.memory.deleteByTag(tag);
      else for (const tag of tags) await this.redisStore().deleteByTag(tag);
    } catch (err) {
      this.#onRedisError?.(err instanceof Error ? err : new Error(String(err)));
    }
    if (backend === 'memory') this.#broadcast?.(tags);
  }

  /** Set by the node (app.ts): how `invalidate` reaches the other nodes' memory stores. */
  setBroadcast(fn: ((tags: readonly string[]) => void) | null): void {
    this.#broadcast = fn;
  }

  stats(): Array<{ backend: CacheBackend; stats: CacheStats }> {
    return this.stores().map(({ backend, store }) => ({ backend, stats: store.stats() }));
  }

  /** Request coalescing across the node's coalescers (metrics). */
  coalesceStats(): CoalesceStats {
    const total: CoalesceStats = { fetches: 0, joined: 0, timeouts: 0, inFlight: 0 };
    for (const c of this.#coalescers.values()) {
      const s = c.stats();
      total.fetches += s.fetches;
      total.joined += s.joined;
      total.timeouts += s.timeouts;
      total.inFlight += s.inFlight;
    }
    return total;
  }

  async closeAll(): Promise<void> {
    this.memory.close();
    await this.#redis?.close();
    this.#redis = null;
  }
}
