import { describe, expect, it } from 'vitest';
import { isGantryError } from '../../src/core/errors.js';
import { rateLimitedError, rateLimitHeaders, rateLimitHeaderWriter, rateLimitUnavailableError, sfString, type Decision } from '../../src/ratelimit/index.js';

const base: Decision = { allowed: true, limit: 100, remaining: 42, resetMs: 12_300, retryAfterMs: 0, at: 0 };

function toMap(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) out[flat[i]] = flat[i + 1];
  return out;
}

describe('rateLimitHeaders (draft-ietf-httpapi-ratelimit-headers-11)', () => {
  it('sends RateLimit-Policy with q and w, and RateLimit with r and t (seconds, rounded up)', () => {
    expect(rateLimitHeaders(base, 'per-minute', { periodMs: 60_000 })).toEqual([
      'ratelimit-policy',
      '"per-minute";q=100;w=60',
      'ratelimit',
      '"per-minute";r=42;t=13',
    ]);
  });

  it('leaves w out for periods that are not whole seconds (the draft has no sub-second windows)', () => {
    expect(toMap(rateLimitHeaders(base, 'p', { periodMs: 500 }))['ratelimit-policy']).toBe('"p";q=100');
    expect(toMap(rateLimitHeaders(base, 'p'))['ratelimit-policy']).toBe('"p";q=100');
  });

  it('adds Retry-After in whole seconds, at least 1, on a denial only', () => {
    expect(toMap(rateLimitHeaders(base, 'p'))['retry-after']).toBeUndefined();
    const denied = { ...base, allowed: false, remaining: 0, retryAfterMs: 1_001 };
    expect(toMap(rateLimitHeaders(denied, 'p'))['retry-after']).toBe('2');
    expect(toMap(rateLimitHeaders({ ...denied, retryAfterMs: 1 }, 'p'))['retry-after']).toBe('1');
  });

  it('sends the pre-07 RateLimit-Limit / -Remaining / -Reset trio only when asked', () => {
    expect(Object.keys(toMap(rateLimitHeaders(base, 'p')))).toEqual(['ratelimit-policy', 'ratelimit']);
    expect(toMap(rateLimitHeaders(base, 'p', { legacy: true }))).toMatchObject({
      'ratelimit-limit': '100',
      'ratelimit-remaining': '42',
      'ratelimit-reset': '13',
    });
  });

  it('advertises no quota for a degraded decision: nothing when open, Retry-After when closed', () => {
    expect(rateLimitHeaders({ ...base, degraded: true }, 'p')).toEqual([]);
    const closed: Decision = { ...base, allowed: false, degraded: true, reason: 'unavailable', retryAfterMs: 1000 };
    expect(rateLimitHeaders(closed, 'p')).toEqual(['retry-after', '1']);
  });

  it('a policy\'s writer, reused for every decision, follows each decision\'s limit, remaining and reset', () => {
    const write = rateLimitHeaderWriter('p', { periodMs: 60_000 });
    expect(write(base)).toEqual(['ratelimit-policy', '"p";q=100;w=60', 'ratelimit', '"p";r=42;t=13']);
    expect(write({ ...base, limit: 7, remaining: 6, resetMs: 500 })).toEqual(['ratelimit-policy', '"p";q=7;w=60', 'ratelimit', '"p";r=6;t=1']);
    expect(write({ ...base, allowed: false, remaining: 0, retryAfterMs: 2500 })).toEqual([
      'ratelimit-policy',
      '"p";q=100;w=60',
      'ratelimit',
      '"p";r=0;t=13',
      'retry-after',
      '3',
    ]);
  });

  it('writes the policy name as a valid Structured Field string', () => {
    expect(sfString('a "b" \\c')).toBe('"a \\"b\\" \\\\c"');
    expect(sfString('naïve\n')).toBe('"nave"');
  });
});

describe('rate limit errors', () => {
  it('GANTRY_ERR_RATE_LIMITED is a 429 naming the limit and when to retry', () => {
    const err = rateLimitedError('per-app', { limit: 100, periodMs: 60_000 }, { ...base, allowed: false, retryAfterMs: 2500 });
    expect(isGantryError(err)).toBe(true);
    expect(err.code).toBe('GANTRY_ERR_RATE_LIMITED');
    expect(err.status).toBe(429);
    expect(err.message).toBe('Rate limit "per-app" (100 per minute) exceeded; retry after 3 s (Retry-After)');
    const perFive = rateLimitedError('p', { limit: 3, periodMs: 5000 }, { ...base, allowed: false, retryAfterMs: 10 });
    expect(perFive.message).toContain('(3 per 5 seconds)');
  });

  it('says when a request can never fit the limit', () => {
    const err = rateLimitedError('tokens', { limit: 1000, periodMs: 60_000 }, { ...base, allowed: false, reason: 'over-capacity' });
    expect(err.message).toMatch(/costs more than .* can ever allow/);
  });

  it('GANTRY_ERR_RATE_LIMIT_UNAVAILABLE is a 503 for a limit that fails closed', () => {
    const cause = new Error('ECONNREFUSED');
    const err = rateLimitUnavailableError('per-ip', cause);
    expect(err.status).toBe(503);
    expect(err.code).toBe('GANTRY_ERR_RATE_LIMIT_UNAVAILABLE');
    expect(err.cause).toBe(cause);
    expect(err.toBody().error.message).toContain('"per-ip"');
  });
});
