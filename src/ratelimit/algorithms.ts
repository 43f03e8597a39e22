/**
 * The two algorithms, as pure integer-microsecond arithmetic. The Redis Lua scripts
 * (redis-scripts.ts) implement the same steps; one conformance suite checks that both backends agree.
 *
 * GCRA (the default), the generic cell rate algorithm of ATM traffic policing: one number per key,
 * the theoretical arrival time (TAT) of the next unit. With emission interval T = period / limit and
 * capacity τ = burst × T, a hit of cost c is allowed when TAT' − τ ≤ now, where TAT' = max(TAT, now) + c·T.
 * Smooth (units replenish one every T, not all at once at a window edge), O(1) memory, and exact:
 * over any interval [a, b] the admitted cost never exceeds burst + (b − a) / T. With the default
 * burst = limit that means a full burst followed by the sustained rate, so a window of one period can
 * see up to 2·limit − 1; choose `burst: 1` for evenly spaced requests, or the sliding window for a
 * hard "never more than `limit` in any period" contract.
 *
 * Sliding window, as an exact log rather than the two-window weighted approximation. The
 * approximation assumes the previous window's hits were spread evenly; when they were bunched at its
 * end it admits up to (1 + elapsed fraction) × limit in a real sliding window, i.e. close to 2× in
 * the worst case, which breaks the guarantee this algorithm exists for. The log keeps one entry per
 * admitted hit (a sorted set in Redis), so memory is O(limit) per key, and the bound is exact: the
 * admitted cost in any half-open window [t, t + period) never exceeds `limit`. For large limits
 * (thousands per key) prefer GCRA.
 *
 * T is rounded up to a whole microsecond, so the sustained rate is at most 1 µs per unit slower than
 * nominal, never faster.
 */
import type { Decision, RateLimit, RateLimitAlgorithm } from './types.js';

export interface CompiledLimit {
  limit: number;
  burst: number;
  periodUs: number;
  /** GCRA emission interval T. */
  intervalUs: number;
  /** GCRA capacity τ = burst × T. */
  capacityUs: number;
}

function positiveInteger(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${what} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/** Checks a limit once; the result is what the hot path uses. */
export function compileLimit(l: RateLimit): CompiledLimit {
  const limit = positiveInteger(l.limit, 'limit');
  const burst = positiveInteger(l.burst ?? limit, 'burst');
  if (typeof l.periodMs !== 'number' || !Number.isFinite(l.periodMs) || l.periodMs <= 0) {
    throw new RangeError(`periodMs must be a positive number, got ${String(l.periodMs)}`);
  }
  const periodUs = Math.max(1, Math.round(l.periodMs * 1000));
  const intervalUs = Math.ceil(periodUs / limit);
  const capacityUs = burst * intervalUs;
  if (!Number.isSafeInteger(capacityUs * 4)) throw new RangeError('limit, burst and periodMs are too large');
  return { limit, burst, periodUs, intervalUs, capacityUs };
}

export function checkCost(cost: number): number {
  if (!Number.isSafeInteger(cost) || cost < 0) throw new RangeError(`cost must be a non-negative integer, got ${String(cost)}`);
  return cost;
}

export const toMicros = (ms: number): number => Math.floor(ms * 1000);

/** The raw outcome of one step, in microseconds; `decision` turns it into the public shape. */
export interface Step {
  allowed: boolean;
  remaining: number;
  resetUs: number;
  retryUs: number;
}

export interface GcraStep extends Step {
  /** The TAT to store (unchanged when denied). */
  tat: number;
}

export function gcraStep(storedTat: number, nowUs: number, c: CompiledLimit, cost: number): GcraStep {
  const base = storedTat > nowUs ? storedTat : nowUs;
  const tat = base + cost * c.intervalUs;
  const allowAt = tat - c.capacityUs;
  if (allowAt > nowUs) {
    return {
      allowed: false,
      remaining: Math.floor((nowUs + c.capacityUs - base) / c.intervalUs),
      resetUs: base - nowUs,
      retryUs: allowAt - nowUs,
      tat: base,
    };
  }
  return { allowed: true, remaining: Math.floor((nowUs + c.capacityUs - tat) / c.intervalUs), resetUs: tat - nowUs, retryUs: 0, tat };
}

/**
 * One key's log: admission times (µs, non-decreasing) and costs, oldest first, in a ring of typed
 * arrays whose capacity is a power of two. A hit allocates nothing unless the ring must grow (it
 * doubles) or has emptied to a quarter (it halves, so a key that was busy gives its memory back).
 * Arrays that were pushed to and sliced held every busy key's log in short-lived copies, which a
 * node under load kept promoting to the old generation. Entries at or before now − period have
 * left the window.
 */
export class SlidingLog {
  #times = new Float64Array(MIN_RING);
  #costs = new Float64Array(MIN_RING);
  /** Index of the oldest entry. */
  #head = 0;
  #size = 0;
  #sum = 0;
  #periodUs = 0;

  /** When the newest entry leaves the window (µs): the log is empty from then on. */
  get expiresAt(): number {
    return this.#size > 0 ? this.#times[(this.#head + this.#size - 1) & (this.#times.length - 1)]! + this.#periodUs : 0;
  }

  hit(nowUs: number, c: CompiledLimit, cost: number): Step {
    this.#periodUs = c.periodUs;
    const cutoff = nowUs - c.periodUs;
    let times = this.#times;
    let mask = times.length - 1;
    while (this.#size > 0 && times[this.#head]! <= cutoff) {
      this.#sum -= this.#costs[this.#head]!;
      this.#head = (this.#head + 1) & mask;
      this.#size--;
    }
    if (this.#size * 4 < times.length && times.length > MIN_RING) this.#resize(times.length >> 1);
    let allowed = false;
    let retryUs = 0;
    if (this.#sum + cost <= c.limit) {
      allowed = true;
      if (cost > 0) {
        if (this.#size === this.#times.length) this.#resize(this.#times.length << 1);
        times = this.#times;
        mask = times.length - 1;
        const at = (this.#head + this.#size) & mask;
        times[at] = nowUs;
        this.#costs[at] = cost;
        this.#size++;
        this.#sum += cost;
      }
    } else {
      // Each entry costs at least 1, so the entries to free are among the first `need`.
      const need = this.#sum + cost - c.limit;
      times = this.#times;
      mask = times.length - 1;
      let freed = 0;
      for (let k = 0; k < this.#size; k++) {
        const at = (this.#head + k) & mask;
        freed += this.#costs[at]!;
        if (freed >= need) {
          retryUs = times[at]! + c.periodUs - nowUs;
          break;
        }
      }
    }
    const resetUs = this.#size > 0 ? this.#times[(this.#head + this.#size - 1) & (this.#times.length - 1)]! + c.periodUs - nowUs : 0;
    if (!allowed && retryUs === 0) retryUs = resetUs; // cost > limit: never passes
    return { allowed, remaining: c.limit - this.#sum, resetUs, retryUs };
  }

  /** Entries in the window (as of the last hit). */
  get size(): number {
    return this.#size;
  }

  /** Copies the entries, oldest first, into rings of `capacity` (a power of two, ≥ size). */
  #resize(capacity: number): void {
    const times = new Float64Array(capacity);
    const costs = new Float64Array(capacity);
    const mask = this.#times.length - 1;
    for (let k = 0; k < this.#size; k++) {
      const from = (this.#head + k) & mask;
      times[k] = this.#times[from]!;
      costs[k] = this.#costs[from]!;
    }
    this.#times = times;
    this.#costs = costs;
    this.#head = 0;
  }
}

const MIN_RING = 8;

/** Whether a cost can ever pass this limit. */
export function overCapacity(algorithm: RateLimitAlgorithm, c: CompiledLimit, cost: number): boolean {
  return algorithm === 'gcra' ? cost > c.burst : cost > c.limit;
}

const msUp = (us: number): number => (us <= 0 ? 0 : Math.ceil(us / 1000));

export function toDecision(step: Step, c: CompiledLimit, nowUs: number, algorithm: RateLimitAlgorithm, cost: number): Decision {
  const d: Decision = {
    allowed: step.allowed,
    limit: c.limit,
    remaining: step.remaining < 0 ? 0 : step.remaining,
    resetMs: msUp(step.resetUs),
    retryAfterMs: step.allowed ? 0 : Math.max(1, msUp(step.retryUs)),
    at: nowUs / 1000,
  };
  if (!step.allowed) d.reason = overCapacity(algorithm, c, cost) ? 'over-capacity' : 'limited';
  return d;
}
