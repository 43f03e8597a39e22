/**
 * Response headers for a rate-limit decision, per draft-ietf-httpapi-ratelimit-headers-11 (May 2026):
 *
 *   ratelimit-policy: "<name>";q=<limit>;w=<window seconds>     (List of Items, §3)
 *   ratelimit:        "<name>";r=<remaining>;t=<seconds>         (List of Items, §4)
 *   retry-after:      <seconds>                                  (RFC 9110 §10.2.3, on a denial)
 *
 * `t` is the seconds until the bucket or window is fully replenished (ceil), so a client that waits
 * `t` has at least `r` again; `w` is sent only for whole-second periods (the draft has no sub-second
 * windows). The partition key (`pk`) is never sent: Gantry's keys contain API key ids and addresses.
 *
 * The pre-07 trio `ratelimit-limit` / `ratelimit-remaining` / `ratelimit-reset` (delta seconds) is
 * emitted only with `legacy: true`, for clients written against those drafts: the current draft
 * replaced it, and sending both doubles the bytes on every response for no gain to new clients.
 */
import type { Decision } from './types.js';

export interface RateLimitHeaderOptions {
  /** The limit's period; gives `w` when it is a whole number of seconds. */
  periodMs?: number;
  /** Also send ratelimit-limit / ratelimit-remaining / ratelimit-reset. */
  legacy?: boolean;
}

/** A Structured Field String (RFC 9651 §3.3.3): printable ASCII, `"` and `\` escaped. */
export function sfString(value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) continue;
    if (c === 0x22 || c === 0x5c) out += '\\';
    out += value[i];
  }
  return `${out}"`;
}

const seconds = (ms: number): number => (ms <= 0 ? 0 : Math.ceil(ms / 1000));

/** Builds the headers of one policy's decisions: `(decision) => [name, value, ...]`. */
export type RateLimitHeaderWriter = (decision: Decision) => string[];

/**
 * The header writer of one policy. Everything that does not depend on the decision — the quoted
 * name, `;w=`, the whole RateLimit-Policy value while the limit stays the same — is built here once,
 * not on every request: only `r` and `t` are new per response.
 */
export function rateLimitHeaderWriter(policyName: string, opts: RateLimitHeaderOptions = {}): RateLimitHeaderWriter {
  const name = sfString(policyName);
  const p = opts.periodMs;
  const window = p !== undefined && p >= 1000 && p % 1000 === 0 ? `;w=${p / 1000}` : '';
  const remainingPrefix = `${name};r=`;
  const legacy = opts.legacy === true;
  let policyLimit = -1;
  let policyValue = '';
  return function rateLimitHeaders(decision: Decision): string[] {
    const retryAfter = decision.allowed ? null : String(Math.max(1, seconds(decision.retryAfterMs)));
    // A degraded decision knows nothing of the real quota: advertise none.
    if (decision.degraded) return retryAfter === null ? [] : ['retry-after', retryAfter];
    if (decision.limit !== policyLimit) {
      policyLimit = decision.limit;
      policyValue = `${name};q=${policyLimit}${window}`;
    }
    const reset = seconds(decision.resetMs);
    const out = ['ratelimit-policy', policyValue, 'ratelimit', `${remainingPrefix}${decision.remaining};t=${reset}`];
    if (legacy) {
      out.push('ratelimit-limit', String(decision.limit), 'ratelimit-remaining', String(decision.remaining), 'ratelimit-reset', String(reset));
    }
    if (retryAfter !== null) out.push('retry-after', retryAfter);
    return out;
  };
}

/** Flat `[name, value, ...]` pairs to add to the response (a policy keeps a `rateLimitHeaderWriter` instead). */
export function rateLimitHeaders(decision: Decision, policyName: string, opts: RateLimitHeaderOptions = {}): string[] {
  return rateLimitHeaderWriter(policyName, opts)(decision);
}
