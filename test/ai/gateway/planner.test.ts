/**
 * The attempt state machine and key selection, without sockets: which step follows which outcome.
 */
import { describe, expect, it } from 'vitest';
import { failureOf } from '../../../src/ai/gateway/errors.js';
import { AttemptPlanner, backoffMs, classifyStatus, parseRetryAfter, type Outcome, type Step } from '../../../src/ai/gateway/planner.js';
import type { ResolvedTarget } from '../../../src/ai/gateway/types.js';
import type { CompiledProvider } from '../../../src/ai/providers/compiled.js';
import { AiKeyState, groupKeys, pickKey, type ProviderKey } from '../../../src/ai/providers/keys.js';
import { GantryError } from '../../../src/core/errors.js';

function key(id: string, priority = 0): ProviderKey {
  return { id, name: id, priority, secret: 's', aws: null, state: new AiKeyState(id) };
}

function target(name: string, keys: ProviderKey[], keyOptional = false): ResolvedTarget {
  const provider = { id: name, name, kind: 'openai', keyGroups: groupKeys(keys), keyCount: keys.length, descriptor: { keyOptional } } as unknown as CompiledProvider;
  return { provider, model: 'm', catalogId: `openai/m`, catalogModel: undefined };
}

const failure = failureOf(new GantryError('GANTRY_ERR_AI_PROVIDER_ERROR'));
const serverError: Outcome = { kind: 'retryable', reason: 'server_error', retryAfterMs: null, failure };
const limited = (after: number | null): Outcome => ({ kind: 'retryable', reason: 'rate_limited', retryAfterMs: after, failure: { ...failure, status: 429 } });
const auth: Outcome = { kind: 'auth', failure: { ...failure, status: 401 } };

function dispatched(step: Step): { target: string; key: string | null; delayMs: number } {
  if (step.kind !== 'dispatch') throw new Error(`expected a dispatch, got ${JSON.stringify(step.failure)}`);
  return { target: step.target.provider.name, key: step.key?.id ?? null, delayMs: step.delayMs };
}

describe('Retry-After and classification', () => {
  it('reads delta seconds and HTTP dates, ignores the rest', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter('0.5')).toBe(500);
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:03 GMT', now)).toBe(3000);
    expect(parseRetryAfter('soon')).toBeNull();
    expect(parseRetryAfter(undefined)).toBeNull();
  });

  it('classifies statuses', () => {
    expect(classifyStatus(429, failure, 1000)).toMatchObject({ kind: 'retryable', reason: 'rate_limited', retryAfterMs: 1000 });
    for (const s of [500, 502, 503, 504, 529]) expect(classifyStatus(s, failure, null).kind).toBe('retryable');
    expect(classifyStatus(401, failure, null).kind).toBe('auth');
    expect(classifyStatus(403, failure, null).kind).toBe('auth');
    // Gemini's invalid key is a 400 that translates to 401.
    expect(classifyStatus(400, { ...failure, status: 401 }, null).kind).toBe('auth');
    expect(classifyStatus(400, { ...failure, status: 400 }, null).kind).toBe('fatal');
    expect(classifyStatus(404, { ...failure, status: 404 }, null).kind).toBe('fatal');
  });

  it('backs off exponentially with jitter, capped at 5 s', () => {
    expect(backoffMs(1, () => 0)).toBe(100);
    expect(backoffMs(1, () => 1)).toBe(200);
    expect(backoffMs(3, () => 1)).toBe(800);
    expect(backoffMs(20, () => 1)).toBe(5000);
  });
});

describe('key selection', () => {
  it('takes the lowest priority, round robin among equals, skipping failed and cooling keys', () => {
    const [a, b, c] = [key('a', 0), key('b', 0), key('c', 1)];
    const groups = groupKeys([c, b, a]);
    const now = Date.now();
    expect([1, 2, 3, 4].map(() => pickKey(groups, null, now).key!.id)).toEqual(['a', 'b', 'a', 'b']);
    a.state.authFailed = true;
    b.state.cooldownUntil = now + 5000;
    expect(pickKey(groups, null, now).key!.id).toBe('c');
    c.state.cooldownUntil = now + 1000;
    expect(pickKey(groups, null, now)).toEqual({ soonest: now + 1000 });
    expect(pickKey(groups, null, now + 6000).key!.id).toBe('b');
  });
});

describe('AttemptPlanner', () => {
  it('retries a target, then falls back to the next one', () => {
    const p = new AttemptPlanner([target('one', [key('k1')]), target('two', [key('k2')])], 1);
    expect(dispatched(p.first())).toEqual({ target: 'one', key: 'k1', delayMs: 0 });
    const retry = dispatched(p.next(serverError, null));
    expect(retry.target).toBe('one');
    expect(retry.delayMs).toBeGreaterThanOrEqual(100);
    expect(dispatched(p.next(serverError, null))).toEqual({ target: 'two', key: 'k2', delayMs: 0 });
    expect(dispatched(p.next(serverError, null)).target).toBe('two');
    expect(p.next(serverError, null)).toEqual({ kind: 'fail', failure });
  });

  it('honours a short Retry-After and moves on at once after a long one', () => {
    const k = key('k');
    const p = new AttemptPlanner([target('one', [k]), target('two', [key('k2')])], 2);
    p.first();
    expect(dispatched(p.next(limited(2000), k))).toEqual({ target: 'one', key: 'k', delayMs: 2000 });
    expect(dispatched(p.next(limited(60_000), k))).toEqual({ target: 'two', key: 'k2', delayMs: 0 });
  });

  it('puts a rate-limited key in cooldown and retries with another key', () => {
    const [k1, k2] = [key('k1'), key('k2')];
    const p = new AttemptPlanner([target('one', [k1, k2])], 2);
    expect(dispatched(p.first()).key).toBe('k1');
    const next = dispatched(p.next(limited(null), k1));
    expect(next.key).toBe('k2');
    expect(k1.state.cooldownUntil).toBeGreaterThan(Date.now() + 25_000);
  });

  it('skips a refused key without using a retry, and never answers 401 for it', () => {
    const [bad, good] = [key('bad', 0), key('good', 1)];
    const p = new AttemptPlanner([target('one', [bad, good])], 0);
    expect(dispatched(p.first()).key).toBe('bad');
    expect(dispatched(p.next(auth, bad))).toEqual({ target: 'one', key: 'good', delayMs: 0 });
    expect(bad.state.authFailed).toBe(true);
    const last = p.next(auth, good);
    expect(last.kind === 'fail' && last.failure).toMatchObject({ status: 503, code: 'GANTRY_ERR_AI_NO_PROVIDER' });
  });

  it('answers 429 with Retry-After when every key is cooling, 503 when a provider has none', () => {
    const k = key('k');
    k.state.cooldownUntil = Date.now() + 7_000;
    const cooling = new AttemptPlanner([target('one', [k])], 2).first();
    expect(cooling.kind === 'fail' && cooling.failure).toMatchObject({ status: 429, code: 'GANTRY_ERR_AI_RATE_LIMITED', retryAfter: '7' });
    const none = new AttemptPlanner([target('one', [])], 2).first();
    expect(none.kind === 'fail' && none.failure.code).toBe('GANTRY_ERR_AI_NO_PROVIDER');
    expect(dispatched(new AttemptPlanner([target('local', [], true)], 2).first())).toEqual({ target: 'local', key: null, delayMs: 0 });
  });

  it('answers a request error at once', () => {
    const p = new AttemptPlanner([target('one', [key('k')]), target('two', [key('k2')])], 2);
    p.first();
    const bad = { ...failure, status: 400 };
    expect(p.next({ kind: 'fatal', failure: bad }, null)).toEqual({ kind: 'fail', failure: bad });
  });
});
