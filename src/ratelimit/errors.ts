/** The errors a rate-limit policy answers with, messages saying which limit and when to retry. */
import { GantryError } from '../core/errors.js';
import type { Decision, RateLimit } from './types.js';

function describePeriod(ms: number): string {
  const units: Array<[number, string]> = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1000, 'second'],
  ];
  for (const [size, name] of units) {
    if (ms % size === 0) return ms === size ? name : `${ms / size} ${name}s`;
  }
  return `${ms} ms`;
}

export function rateLimitedError(policyName: string, limit: RateLimit, decision: Decision): GantryError {
  const retry = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
  const what = `${limit.limit} per ${describePeriod(limit.periodMs)}`;
  const message =
    decision.reason === 'over-capacity'
      ? `The request costs more than the rate limit "${policyName}" (${what}) can ever allow; send a smaller request`
      : `Rate limit "${policyName}" (${what}) exceeded; retry after ${retry} s (Retry-After)`;
  return new GantryError('GANTRY_ERR_RATE_LIMITED', message);
}

export function rateLimitUnavailableError(policyName: string, cause?: unknown): GantryError {
  return new GantryError(
    'GANTRY_ERR_RATE_LIMIT_UNAVAILABLE',
    `Rate limit "${policyName}" cannot be checked (its Redis is unreachable) and is set to fail closed; retry shortly`,
    cause === undefined ? {} : { cause },
  );
}
