/**
 * The node's rate limiters, owned by the data plane like its upstream pools: snapshots come and go,
 * limiters stay, so a config reload does not reset counters. A limiter is keyed by policy id and
 * the options that shape it; a reload that keeps both gets the same instance back. Limiters no
 * snapshot asked for since the last successful compile are closed by `sweep`.
 *
 * Redis limiters share one client (one connection per node, not one per policy).
 */
import { Redis } from 'ioredis';
import { validationError } from '../../../core/errors.js';
import { limiterClientOptions, LocalRateLimiter, RedisRateLimiter, type FailMode, type RateLimitAlgorithm, type RateLimiter, type RateLimitStats } from '../../../ratelimit/index.js';

export interface RateLimitRedisOptions {
  url: string;
  /** Key prefix of the node (GANTRY_REDIS_PREFIX, e.g. `gantry`); limiter keys go under `<prefix>:rl:`. */
  prefix: string;
}

export interface LimiterSpec {
  backend: 'local' | 'redis';
  algorithm: RateLimitAlgorithm;
  failMode: FailMode;
}

export class RateLimiterRegistry {
  readonly #redisOptions: RateLimitRedisOptions | null;
  readonly #limiters = new Map<string, RateLimiter>();
  #touched = new Set<string>();
  #redis: Redis | null = null;

  constructor(redis?: RateLimitRedisOptions) {
    this.#redisOptions = redis ?? null;
  }

  get hasRedis(): boolean {
    return this.#redisOptions !== null;
  }

  /** The limiter for `key` (policy id + its options), created on first use. */
  get(key: string, spec: LimiterSpec): RateLimiter {
    this.#touched.add(key);
    let limiter = this.#limiters.get(key);
    if (limiter === undefined) {
      limiter = spec.backend === 'local' ? new LocalRateLimiter({ algorithm: spec.algorithm }) : this.#redisLimiter(spec);
      this.#limiters.set(key, limiter);
    }
    return limiter;
  }

  #redisLimiter(spec: LimiterSpec): RateLimiter {
    const opts = this.#redisOptions;
    if (opts === null) {
      throw validationError('backend "redis" needs the node to have a Redis URL (GANTRY_REDIS_URL); use backend "local" or set it', [
        { path: '/backend', message: 'this node has no Redis (GANTRY_REDIS_URL is not set)' },
      ]);
    }
    if (this.#redis === null) {
      this.#redis = new Redis(opts.url, limiterClientOptions());
      // Errors repeat while Redis is down; each hit already reports through its fail mode.
      this.#redis.on('error', () => {});
    }
    return new RedisRateLimiter({ redis: this.#redis, failMode: spec.failMode, algorithm: spec.algorithm, keyPrefix: `${opts.prefix}:rl:` });
  }

  /** Call before compiling a snapshot: forgets which limiters the previous compile asked for. */
  beginCompile(): void {
    this.#touched = new Set();
  }

  /** After a successful compile: closes limiters the new snapshot no longer uses. */
  sweep(): void {
    for (const [key, limiter] of this.#limiters) {
      if (this.#touched.has(key)) continue;
      this.#limiters.delete(key);
      void limiter.close();
    }
  }

  get size(): number {
    return this.#limiters.size;
  }

  /** Each live limiter's counters and the policy it belongs to (metrics read this at scrape time). */
  stats(): Array<{ policyId: string; backend: 'local' | 'redis'; stats: RateLimitStats }> {
    const out: Array<{ policyId: string; backend: 'local' | 'redis'; stats: RateLimitStats }> = [];
    for (const [key, limiter] of this.#limiters) {
      const end = key.indexOf('\0');
      out.push({ policyId: end === -1 ? key : key.slice(0, end), backend: limiter instanceof LocalRateLimiter ? 'local' : 'redis', stats: limiter.stats() });
    }
    return out;
  }

  async closeAll(): Promise<void> {
    for (const limiter of this.#limiters.values()) await limiter.close();
    this.#limiters.clear();
    this.#redis?.disconnect();
    this.#redis = null;
  }
}
