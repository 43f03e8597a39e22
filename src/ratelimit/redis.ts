/**
 * The Redis rate limiter: atomic Lua scripts (EVALSHA, EVAL on NOSCRIPT), Redis server time. Because
 * each step runs atomically on one clock, any number of nodes sharing the Redis admit exactly what
 * one limiter would: never more than the algorithm's bound.
 *
 * The hits a limiter receives in one event-loop turn go to Redis together, in one script call at the
 * end of that turn (setImmediate; a hit alone in its turn goes out just the same, with no timer and
 * no added wait), applied in the order they came. One call per hit, even pipelined, cost both the
 * node (a command object, its encoding, its promise and timer) and Redis (parsing, dispatch, starting
 * the script) about as much again per hit as the hit's own work.
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
  /** Longest wait for Redis per call (a turn's hits); default 50 ms. */
  timeoutMs?: number;
  /** Retry-After of a fail-closed denial; default 1000 ms. */
  unavailableRetryAfterMs?: number;
  /** Told about each failed or timed-out call (not about hits skipped while disconnected). */
  onError?: (err: Error) => void;
}

/** Most hits sent in one script call; a turn with more sends several. */
const MAX_BATCH = 128;

interface PendingHit {
  /** `<prefix><algorithm>:{<key>}`: the hit's keys start with it. */
  base: string;
  c: CompiledLimit;
  cost: number;
  /** µs as a string, or '' for Redis time. */
  nowArg: string;
  now: number | undefined;
  resolve: (d: Decision) => void;
}

/**
 * Client options for a Redis the limiter owns (or the node's shared limiter client): the hot-path
 * options, without ioredis's auto-pipelining. The limiter already sends a turn's hits as one command
 * at the end of the turn; auto-pipelining would hold that command for one more turn of the loop.
 */
export function limiterClientOptions(): RedisOptions {
  return ownedClientOptions();
}

const GCRA = new RedisScript(GCRA_LUA);
const noop = (): void => {};
const SLIDING = new RedisScript(SLIDING_LUA);

/** Five integers per hit: allowed (0|1), remaining, resetUs, retryUs, nowUs. */
type Reply = number[];

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
  #pending: PendingHit[] = [];
  #flushScheduled = false;
  readonly #flushTurn = (): void => {
    this.#flushScheduled = false;
    this.#flush();
  };
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
    const hit: PendingHit = {
      base: `${this.#prefix}{${key}}`,
      c,
      cost,
      nowArg: now === undefined ? '' : String(Math.floor(now * 1000)),
      now,
      resolve: noop,
    };
    const decided = new Promise<Decision>((resolve) => {
      hit.resolve = resolve;
    });
    this.#pending.push(hit);
    if (this.#pending.length >= MAX_BATCH) this.#flush();
    else if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(this.#flushTurn);
    }
    return decided;
  }

  /** Sends the pending hits in one script call and answers each from its part of the reply. */
  #flush(): void {
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    if (this.redis.status !== 'ready') {
      // Disconnected since these hits were taken: the fail mode answers, as it does for later hits.
      for (const h of batch) h.resolve(this.#failed(h.c, h.now));
      return;
    }
    const keys: string[] = [];
    const args: Array<string | number> = [];
    const gcra = this.algorithm === 'gcra';
    for (const h of batch) {
      if (gcra) {
        keys.push(h.base);
        args.push(h.c.intervalUs, h.c.capacityUs, h.cost, h.nowArg);
      } else {
        keys.push(`${h.base}:log`, `${h.base}:n`);
        args.push(h.c.limit, h.c.periodUs, h.cost, h.nowArg);
      }
    }
    withTimeout((gcra ? GCRA : SLIDING).run(this.redis, keys, args), this.#timeoutMs).then(
      (reply) => {
        if (!Array.isArray(reply) || reply.length !== batch.length * 5) {
          this.#failAll(batch, new Error(`unexpected rate-limit script reply for ${batch.length} hits`));
          return;
        }
        for (let i = 0; i < batch.length; i++) batch[i]!.resolve(this.#decided(reply as Reply, i * 5, batch[i]!));
      },
      (err: unknown) => this.#failAll(batch, err instanceof Error ? err : new Error(String(err))),
    );
  }

  #failAll(batch: readonly PendingHit[], err: Error): void {
    this.#onError?.(err);
    for (const h of batch) h.resolve(this.#failed(h.c, h.now));
  }

  #decided(reply: Reply, at: number, h: PendingHit): Decision {
    const d = toDecision(
      { allowed: reply[at] === 1, remaining: reply[at + 1]!, resetUs: reply[at + 2]!, retryUs: reply[at + 3]! },
      h.c,
      reply[at + 4]!,
      this.algorithm,
      h.cost,
    );
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
