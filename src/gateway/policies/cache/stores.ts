/**
 * The node's cache stores, owned by the data plane like its rate limiters: snapshots come and go,
 * stores stay, so a config reload keeps what is cached. One bounded in-memory LRU per node, and
 * (when the node has GANTRY_REDIS_URL) one Redis store shared by every node of a cluster. Cache
 * policies (REST and AI) pick one by name; purges go to both.
 */
import { validationError } from '../../../core/errors.js';
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

export class CacheStoreRegistry {
  readonly memory: MemoryCacheStore;
  readonly #redisOptions: { url: string; prefix: string } | null;
  readonly #onRedisError: ((err: Error) => void) | undefined;
  #redis: RedisCacheStore | null = null;

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

  stats(): Array<{ backend: CacheBackend; stats: CacheStats }> {
    return this.stores().map(({ backend, store }) => ({ backend, stats: store.stats() }));
  }

  async closeAll(): Promise<void> {
    this.memory.close();
    await this.#redis?.close();
    this.#redis = null;
  }
}
