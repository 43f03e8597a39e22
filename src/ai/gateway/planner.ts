/**
 * The attempt state machine of an AI call (interceptor style: the call reports each attempt's
 * outcome, the planner answers with the next step; no loops around I/O). Policy:
 *  - targets in order (alias fallbacks, or the weighted pick first); per target up to `retries`
 *    retries of retryable failures (connect error, timeout, 429, 500/502/503/504/529, a 200 stream
 *    that broke before the client got a byte), after an exponential backoff with jitter (base
 *    200 ms, cap 5 s) or the provider's Retry-After when it is at most 10 s; a longer Retry-After
 *    moves on to the next target at once;
 *  - a 429 puts the key in cooldown (Retry-After, else 30 s): the retry takes another key if there is one;
 *  - 401/403: the key is marked failed at once and the next key is tried (then the next target),
 *    without using a retry;
 *  - any other failure (a 4xx: the request is at fault) is answered at once.
 * When nothing is left: the last provider failure, or 429 when every key is cooling, or 503.
 */
import { GantryError } from '../../core/errors.js';
import { pickKey, type ProviderKey } from '../providers/keys.js';
import { failureOf, type AiFailure } from './errors.js';
import type { ResolvedTarget } from './types.js';

export type RetryReason = 'rate_limited' | 'server_error' | 'timeout' | 'connect_error' | 'stream_interrupted';

export type Outcome =
  | { kind: 'retryable'; reason: RetryReason; retryAfterMs: number | null; failure: AiFailure }
  | { kind: 'auth'; failure: AiFailure }
  | { kind: 'fatal'; failure: AiFailure };

export type Step =
  | { kind: 'dispatch'; target: ResolvedTarget; key: ProviderKey | null; delayMs: number }
  | { kind: 'fail'; failure: AiFailure };

export const BACKOFF_BASE_MS = 200;
export const BACKOFF_CAP_MS = 5_000;
export const MAX_RETRY_AFTER_MS = 10_000;
export const RATE_LIMIT_COOLDOWN_MS = 30_000;

const RETRYABLE_STATUS = new Set([500, 502, 503, 504, 529]);

/** `Retry-After` in ms (delta seconds or an HTTP date); null when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v === '') return null;
  if (/^\s*\d+(\.\d+)?\s*$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** What a provider's HTTP error means for the call. */
export function classifyStatus(upstreamStatus: number, failure: AiFailure, retryAfterMs: number | null): Outcome {
  if (upstreamStatus === 429 || failure.status === 429) return { kind: 'retryable', reason: 'rate_limited', retryAfterMs, failure };
  if (upstreamStatus === 401 || upstreamStatus === 403 || failure.status === 401) return { kind: 'auth', failure };
  if (RETRYABLE_STATUS.has(upstreamStatus) || RETRYABLE_STATUS.has(failure.status)) {
    return { kind: 'retryable', reason: 'server_error', retryAfterMs, failure };
  }
  return { kind: 'fatal', failure };
}

export function backoffMs(retry: number, random: () => number = Math.random): number {
  const full = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, retry - 1));
  return Math.round(full * (0.5 + random() / 2));
}

export class AttemptPlanner {
  readonly #targets: readonly ResolvedTarget[];
  readonly #retries: number;
  readonly #now: () => number;
  #index = 0;
  #retriesUsed = 0;
  /** Keys not to use again for the current target (failed auth, rate limited). */
  #exclude = new Set<string>();
  #last: AiFailure | null = null;
  #lastWasAuth = false;
  /** Soonest end of a cooldown among keys skipped, for the final 429. */
  #coolingUntil = 0;

  constructor(targets: readonly ResolvedTarget[], retries: number, now: () => number = Date.now) {
    this.#targets = targets;
    this.#retries = retries;
    this.#now = now;
  }

  first(): Step {
    return this.#fromTarget(0);
  }

  /** The attempt with `key` on the current target ended with `outcome`. */
  next(outcome: Outcome, key: ProviderKey | null): Step {
    this.#last = outcome.failure;
    this.#lastWasAuth = outcome.kind === 'auth';
    if (outcome.kind === 'fatal') return { kind: 'fail', failure: outcome.failure };
    const now = this.#now();
    if (outcome.kind === 'auth') {
      if (key !== null) {
        key.state.authFailed = true;
        this.#exclude.add(key.id);
        const other = this.#key(now);
        if (other !== undefined) return this.#dispatch(other, 0);
      }
      return this.#fromTarget(this.#index + 1);
    }
    const after = outcome.retryAfterMs;
    if (outcome.reason === 'rate_limited' && after !== null) outcome.failure.retryAfter = String(Math.max(1, Math.ceil(after / 1000)));
    if (outcome.reason === 'rate_limited' && key !== null) {
      key.state.cooldownUntil = now + (after ?? RATE_LIMIT_COOLDOWN_MS);
      this.#exclude.add(key.id);
    }
    if (this.#retriesUsed >= this.#retries || (after !== null && after > MAX_RETRY_AFTER_MS)) return this.#fromTarget(this.#index + 1);
    this.#retriesUsed++;
    const delay = after ?? backoffMs(this.#retriesUsed);
    // Another key when there is one; else the same key again (after the provider's delay).
    const nextKey = this.#key(now) ?? (key !== null && !key.state.authFailed ? key : undefined);
    if (nextKey === undefined && key !== null) return this.#fromTarget(this.#index + 1);
    return this.#dispatch(nextKey ?? null, delay);
  }

  /**
   * The current target cannot take this request (its translator refused it): try the next one; when
   * none is left, that refusal is the answer.
   */
  skipTarget(failure: AiFailure): Step {
    this.#last = failure;
    this.#lastWasAuth = false;
    return this.#fromTarget(this.#index + 1);
  }

  /** The current target's next usable key; undefined when none. */
  #key(now: number): ProviderKey | undefined {
    const provider = this.#targets[this.#index].provider;
    const picked = pickKey(provider.keyGroups, this.#exclude.size === 0 ? null : this.#exclude, now);
    if (picked.key === undefined && picked.soonest > 0 && (this.#coolingUntil === 0 || picked.soonest < this.#coolingUntil)) {
      this.#coolingUntil = picked.soonest;
    }
    return picked.key;
  }

  #dispatch(key: ProviderKey | null, delayMs: number): Step {
    return { kind: 'dispatch', target: this.#targets[this.#index], key, delayMs };
  }

  #fromTarget(start: number): Step {
    const now = this.#now();
    for (let i = start; i < this.#targets.length; i++) {
      this.#index = i;
      this.#retriesUsed = 0;
      this.#exclude = new Set();
      const provider = this.#targets[i].provider;
      if (provider.keyCount === 0) {
        if (provider.descriptor.keyOptional) return this.#dispatch(null, 0);
        continue;
      }
      const key = this.#key(now);
      if (key !== undefined) return this.#dispatch(key, 0);
    }
    if (this.#last !== null && !this.#lastWasAuth) return { kind: 'fail', failure: this.#last };
    if (this.#coolingUntil > now) {
      const f = failureOf(new GantryError('GANTRY_ERR_AI_RATE_LIMITED'));
      f.retryAfter = String(Math.max(1, Math.ceil((this.#coolingUntil - now) / 1000)));
      return { kind: 'fail', failure: f };
    }
    const names = [...new Set(this.#targets.map((t) => t.provider.name))].join(', ');
    // The provider refused Gantry's key, not the client's: never a 401 the client would blame on itself.
    const why = this.#lastWasAuth ? 'rejected every key Gantry holds' : 'has no usable key';
    return { kind: 'fail', failure: failureOf(new GantryError('GANTRY_ERR_AI_NO_PROVIDER', `The provider(s) ${names} ${why}: add a key, or re-enable one that failed authentication`)) };
  }
}
