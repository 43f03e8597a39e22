/**
 * The in-process rate limiter: one Map, synchronous, no timers. Memory is bounded two ways, both
 * paid for on the hot path in O(1): every hit moves its key to the end of the Map (so the Map's
 * insertion order is least-recently-used first; a key that is already last is updated in place, which
 * spares the delete and re-insert that a Map with few keys pays for in shrinking and regrowing its
 * table: a route-wide limit, or one busy client) and drops up to two expired keys from the front;
 * at `maxKeys` the least recently used key is evicted even if live. That key forgets its count, so
 * evictions are counted in `stats()`; set `maxKeys` above the number of keys active in a period.
 */
import { checkCost, compileLimit, gcraStep, SlidingLog, toDecision, toMicros, type CompiledLimit } from './algorithms.js';
import type { Decision, RateLimit, RateLimitAlgorithm, RateLimiter, RateLimitStats } from './types.js';

export interface LocalRateLimiterOptions {
  algorithm?: RateLimitAlgorithm;
  /** Most keys held at once; default 100 000. */
  maxKeys?: number;
}

const SWEEP_PER_HIT = 2;

export class LocalRateLimiter implements RateLimiter {
  readonly algorithm: RateLimitAlgorithm;
  readonly #maxKeys: number;
  /** GCRA: key → TAT (µs). Sliding window: key → its log. */
  readonly #state = new Map<string, number | SlidingLog>();
  /** Compiled limits, by the limit object (policies pass the same object every time). */
  readonly #compiled = new WeakMap<RateLimit, CompiledLimit>();
  /** The last limit seen and its compiled form: a limiter belongs to one policy, which has one limit. */
  #lastLimit: RateLimit | null = null;
  #lastCompiled: CompiledLimit | null = null;
  /** The key last written to #state: while it is in the Map, it is the Map's last entry. */
  #newest: string | null = null;
  #allowed = 0;
  #denied = 0;
  #evictions = 0;

  constructor(opts: LocalRateLimiterOptions = {}) {
    this.algorithm = opts.algorithm ?? 'gcra';
    this.#maxKeys = opts.maxKeys ?? 100_000;
    if (!Number.isSafeInteger(this.#maxKeys) || this.#maxKeys < 1) throw new RangeError('maxKeys must be a positive integer');
  }

  hit(key: string, limit: RateLimit, cost = 1, now = Date.now()): Decision {
    let c = limit === this.#lastLimit ? this.#lastCompiled! : this.#compiled.get(limit);
    if (c === undefined) {
      c = compileLimit(limit);
      this.#compiled.set(limit, c);
    }
    this.#lastLimit = limit;
    this.#lastCompiled = c;
    if (cost !== 1) checkCost(cost);
    const nowUs = toMicros(now);
    const state = this.#state;
    const held = state.get(key);
    const last = held !== undefined && key === this.#newest;
    if (held === undefined) this.#makeRoom(nowUs);
    else if (!last) state.delete(key);

    let decision: Decision;
    let keep: boolean;
    if (this.algorithm === 'gcra') {
      const step = gcraStep(typeof held === 'number' ? held : 0, nowUs, c, cost);
      keep = step.tat > nowUs;
      if (keep) state.set(key, step.tat);
      decision = toDecision(step, c, nowUs, 'gcra', cost);
    } else {
      const log = held instanceof SlidingLog ? held : new SlidingLog();
      const step = log.hit(nowUs, c, cost);
      keep = log.size > 0;
      if (keep && !last) state.set(key, log);
      decision = toDecision(step, c, nowUs, 'sliding-window', cost);
    }
    if (keep) this.#newest = key;
    else if (last) state.delete(key);
    if (decision.allowed) this.#allowed++;
    else this.#denied++;
    this.#sweep(nowUs);
    return decision;
  }

  /** Drops up to SWEEP_PER_HIT expired keys from the least recently used end. */
  #sweep(nowUs: number): void {
    let n = 0;
    for (const [key, value] of this.#state) {
      if (n++ === SWEEP_PER_HIT) return;
      if (expiresAt(value) > nowUs) return;
      this.#state.delete(key);
    }
  }

  #makeRoom(nowUs: number): void {
    if (this.#state.size < this.#maxKeys) return;
    this.#sweep(nowUs);
    if (this.#state.size < this.#maxKeys) return;
    const oldest = this.#state.keys().next();
    if (oldest.done !== true) {
      this.#state.delete(oldest.value);
      this.#evictions++;
    }
  }

  stats(): RateLimitStats {
    return { allowed: this.#allowed, denied: this.#denied, degraded: 0, keys: this.#state.size, evictions: this.#evictions };
  }

  close(): void {
    this.#state.clear();
  }
}

function expiresAt(value: number | SlidingLog): number {
  return typeof value === 'number' ? value : value.expiresAt;
}
