/**
 * The rate limiter contract shared by every backend (in-process and Redis), STYLE.md rule 7.
 *
 * Time inside the limiters is integer microseconds, so the arithmetic is exact: no float drift on a
 * key that stays throttled for hours, and no off-by-one at window edges. `now` and every duration in a
 * `Decision` are milliseconds, as everywhere else in Gantry.
 */

export type RateLimitAlgorithm = 'gcra' | 'sliding-window';

export interface RateLimit {
  /** Requests (or cost units) allowed per period. */
  limit: number;
  periodMs: number;
  /**
   * GCRA only: how many units may arrive back to back (the bucket's capacity). Defaults to `limit`.
   * `1` spaces requests evenly (periodMs / limit apart). Ignored by the sliding window, whose
   * burst is always `limit`.
   */
  burst?: number;
}

export interface Decision {
  allowed: boolean;
  limit: number;
  /** Units still available now, after this hit when it was allowed. */
  remaining: number;
  /** Milliseconds until the bucket (GCRA) or the window (sliding window) is fully replenished. */
  resetMs: number;
  /** Milliseconds until a retry of the same cost can pass; 0 when allowed. */
  retryAfterMs: number;
  /** Epoch milliseconds (microsecond precision) of the clock that decided: Redis server time for Redis. */
  at: number;
  /** Set when the backend could not be asked and the fail mode decided instead. */
  degraded?: true;
  /**
   * Why a hit was denied: `limited` (over the limit), `over-capacity` (the cost alone exceeds the
   * burst or the limit: it can never pass), `unavailable` (backend down and the limiter fails closed).
   */
  reason?: 'limited' | 'over-capacity' | 'unavailable';
}

export interface RateLimiter {
  readonly algorithm: RateLimitAlgorithm;
  /**
   * Counts `cost` units (default 1; 0 only reads the state) against `key`. `now` (epoch ms) is for
   * tests and replays; in production leave it out: the local limiter then reads Date.now() and the
   * Redis limiter reads the Redis server's clock, so nodes' clocks do not matter. Pass the same
   * `limit` object on every call (a policy compiles it once): it is checked once per object.
   * Keys are the caller's: prefix them with the policy's id so two limits never share one.
   */
  hit(key: string, limit: RateLimit, cost?: number, now?: number): Promise<Decision> | Decision;
  /** Counters for metrics. */
  stats(): RateLimitStats;
  close(): Promise<void> | void;
}

/** What the Redis limiter does when Redis cannot answer in time. */
export type FailMode = 'open' | 'closed';

export interface RateLimitStats {
  allowed: number;
  denied: number;
  /** Decisions taken by the fail mode because the backend did not answer. */
  degraded: number;
  /** Keys held in memory (local limiter only). */
  keys?: number;
  /** Live keys dropped because the local limiter reached `maxKeys`. */
  evictions?: number;
}
