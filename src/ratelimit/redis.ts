/**
 * The Redis rate limiter: one atomic Lua script per hit (EVALSHA, EVAL on NOSCRIPT), one round trip,
 * Redis server time. Because each step runs atomically on one clock, any number of nodes sharing the
 * Redis admit exactly what one limiter would: never more than the algorithm's bound.
 *
 * Redis being slow or down never stalls a request: a hit that has no answer within `timeoutMs`
 * (default 50 ms), or that finds the client disconnected, is decided by `failMode` — `open` allows
 * it and marks it `degraded`, `closed` denies it with reason `unavailable` (GANTRY_ERR_RATE_LIMIT_UNAVAILABLE).
 * Recovery is ioredis's reconnect: once the client is ready again, hits go to Redis again.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { checkCost, compileLimit, toDecision, type CompiledLimit } from './algorithms.js';
import { GCRA_LUA, SLIDING_LUA } from './redis-lua.js';
import { ownedClientOptions, RedisScript, withTimeout } from './redis-script.js';
import type { Decision, FailMode, RateLimit, RateLimitAlgorithm, RateLimiter, RateLimitStats } from './types.js';

export interface RedisRateLimiterOptions {
  /** A client (left open by `close()`), or a redis:// URL for a client the limiter owns. */
  redis: Redis | string;
  /** Required: what a hit gets when Redis cannot answer. */
  failMode: FailMode;
  algorithm?: RateLimitAlgorithm;
  /** Default `gantry:rl:`. */
  keyPrefix?: string;
  /** Longest wait for Redis per hit; default 50 ms. */
  timeoutMs?: number;
  /** Retry-After of a fail-closed denial; default 1000 ms. */
  unavailableRetryAfterMs?: number;
  /** Told about each failed or timed-out call (not about hits skipped while disconnected). */
  onError?: (err: Error) => void;
}

/**
 * Client options for a Redis the limiter owns (or the node's shared limiter client): the hot-path
 * options plus auto-pipelining. Hits that arrive in the same event-loop turn (one per request the
 * turn read) go out in one write and come back in one read, so under load a node pays a socket
 * write per batch instead of per request, and Redis reads them in one go too. A request alone in
 * its turn still goes out at the end of that turn (setImmediate): no timer, no added wait.
 */
export function limiterClientOptions(): RedisOptions {
  return { ...ownedClientOptions(), enableAutoPipelining: true };
}

const GCRA = new RedisScript(GCRA_LUA);
const SLIDING = new RedisScript(SLIDING_LUA);

type Reply = [number, number, number, number, number];

export class RedisRateLimiter implements RateLimiter {
  readonly algorithm: RateLimitAlgorithm;
  readonly redis: Redis;
  readonly #owned: boolean;
  readonly #prefix: string;
  readonly #failMode: FailMode;
  readonly #timeoutMs: number;
  readonly #unavailableRetryAfterMs: number;
  readonly #onError: ((err: Error) => void) | undefined;
  readonly #compiled = new WeakMap<RateLimit, CompiledLimit>();
  #allowed = 0;
  #denied = 0;
  #degraded = 0;

  constructor(opts: RedisRateLimiterOptions) {
    if (opts.failMode !== 'open' && opts.failMode !== 'closed') throw new TypeError("failMode must be 'open' or 'closed'");
    this.algorithm = opts.algorithm ?? 'gcra';
    this.#failMode = opts.failMode;
    this.#prefix = `${opts.keyPrefix ?? 'gantry:rl:'}${this.algorithm === 'gcra' ? 'g:' : 'w:'}`;
    this.#timeoutMs = opts.timeoutMs ?? 50;
    this.#unavailableRetryAfterMs = opts.unavailableRetryAfterMs ?? 1000;
    this.#onError = opts.onError;
    if (typeof opts.redis === 'string') {
      this.#owned = true;
      this.redis = new Redis(opts.redis, limiterClientOptions());
      // Connection errors repeat while Redis is down; hits already report through the fail mode.
      this.redis.on('error', () => {});
    } else {
      this.#owned = false;
      this.redis = opts.redis;
    }
  }

  hit(key: string, limit: RateLimit, cost = 1, now?: number): Promise<Decision> {
    let c = this.#compiled.get(limit);
    if (c === undefined) {
      c = compileLimit(limit);
      this.#compiled.set(limit, c);
    }
    checkCost(cost);
    if (this.redis.status !== 'ready') return Promise.resolve(this.#failed(c, now));
    const nowArg = now === undefined ? '' : String(Math.floor(now * 1000));
    const base = `${this.#prefix}{${key}}`;
    const call =
      this.algorithm === 'gcra'
        ? GCRA.run(this.redis, [base], [c.intervalUs, c.capacityUs, cost, nowArg])
        : SLIDING.run(this.redis, [`${base}:log`, `${base}:n`], [c.limit, c.periodUs, cost, nowArg]);
    const limitC = c;
    return withTimeout(call, this.#timeoutMs).then(
      (reply) => this.#decided(reply as Reply, limitC, cost),
      (err: unknown) => {
        this.#onError?.(err instanceof Error ? err : new Error(String(err)));
        return this.#failed(limitC, now);
      },
    );
  }

  #decided(reply: Reply, c: CompiledLimit, cost: number): Decision {
    const [allowed, remaining, resetUs, retryUs, nowUs] = reply;
    const d = toDecision({ allowed: allowed === 1, remaining, resetUs, retryUs }, c, nowUs, this.algorithm, cost);
    if (d.allowed) this.#allowed++;
    else this.#denied++;
    return d;
  }

  #failed(c: CompiledLimit, now: number | undefined): Decision {
    this.#degraded++;
    const at = now ?? Date.now();
    if (this.#failMode === 'open') {
      return { allowed: true, limit: c.limit, remaining: c.limit, resetMs: 0, retryAfterMs: 0, at, degraded: true };
    }
    return {
      allowed: false,
      limit: c.limit,
      remaining: 0,
      resetMs: 0,
      retryAfterMs: this.#unavailableRetryAfterMs,
      at,
      degraded: true,
      reason: 'unavailable',
    };
  }

  stats(): RateLimitStats {
    return { allowed: this.#allowed, denied: this.#denied, degraded: this.#degraded };
  }

  close(): void {
    if (this.#owned) this.redis.disconnect();
  }
}
