/**
 * State of one upstream target that must survive config reloads: passive and active health, and
 * the requests in flight to it (least-connections balancing). Keyed by (upstream id, target url).
 */
import type { PassivePolicy } from '../snapshot/types.js';

export class TargetState {
  readonly key: string;
  inflight = 0;
  /** Consecutive failures seen by live traffic. */
  failures = 0;
  /** Epoch ms until which passive health keeps the target out; 0 when not ejected. */
  ejectedUntil = 0;
  /** Verdict of active health checks; true when none run. */
  activeUp = true;
  activeSuccesses = 0;
  activeFailures = 0;

  constructor(key: string) {
    this.key = key;
  }

  /** Whether the balancer may pick the target now. After a cooldown the target is tried again. */
  isAvailable(): boolean {
    if (!this.activeUp) return false;
    return this.ejectedUntil === 0 || Date.now() >= this.ejectedUntil;
  }
}

export function recordSuccess(state: TargetState): void {
  if (state.failures !== 0) state.failures = 0;
  if (state.ejectedUntil !== 0) state.ejectedUntil = 0;
}

/**
 * A failure from live traffic. Reaching `maxFailures` in a row ejects the target for the cooldown;
 * a target back from cooldown keeps its count, so one more failure ejects it again.
 */
export function recordFailure(state: TargetState, passive: PassivePolicy | null): void {
  if (passive === null) return;
  state.failures++;
  if (state.failures >= passive.maxFailures) state.ejectedUntil = Date.now() + passive.cooldownMs;
}

export function isFailureStatus(passive: PassivePolicy | null, status: number): boolean {
  return passive !== null && status >= 500 && status < 600 && passive.failureStatuses[status - 500] === 1;
}

/** Target states by key; states of targets gone from the config are dropped after a swap. */
export class TargetStates {
  readonly #states = new Map<string, TargetState>();

  get(upstreamId: string, url: string): TargetState {
    const key = `${upstreamId} ${url}`;
    let state = this.#states.get(key);
    if (state === undefined) {
      state = new TargetState(key);
      this.#states.set(key, state);
    }
    return state;
  }

  retainOnly(keys: Set<string>): void {
    for (const key of this.#states.keys()) if (!keys.has(key)) this.#states.delete(key);
  }
}
