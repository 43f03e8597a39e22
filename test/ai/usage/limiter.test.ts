import { describe, expect, test } from 'vitest';
import {
  AiLimiter,
  DEFAULT_MAX_OUTPUT_TOKENS,
  estimateCall,
  estimateCost,
  outputTokenBound,
  type AiReservation,
  type LimitCheck,
} from '../../../src/ai/usage/index.js';
import { at, testCatalog } from './helpers.js';

const T0 = at('2025-03-10T12:00:00.000Z');

function reservation(result: LimitCheck): AiReservation {
  if (!result.ok) throw new Error(`expected the check to pass: ${result.message}`);
  return result.reservation;
}

describe('tokens per minute', () => {
  const limits = { tokens_per_minute: 1000 };

  test('admits up to the limit, rejects beyond with a retry-after, admits again once the window slid', () => {
    const limiter = new AiLimiter();
    for (let i = 0; i < 4; i++) expect(limiter.check('app', limits, { tokens: 250, costUsd: 0 }, T0 + i).ok).toBe(true);
    const rejected = limiter.check('app', limits, { tokens: 1, costUsd: 0 }, T0 + 500);
    expect(rejected).toMatchObject({ ok: false, code: 'GANTRY_ERR_AI_TOKEN_LIMIT', retryAfterS: 60 });
    expect(!rejected.ok && rejected.message).toMatch(/limit of 1000 tokens per minute.*1000 used or reserved.*retry in 60 s/);
    expect(limiter.check('app', limits, { tokens: 1, costUsd: 0 }, T0 + 59_999).ok).toBe(false);
    expect(limiter.check('app', limits, { tokens: 1000, costUsd: 0 }, T0 + 60_000).ok).toBe(true);
  });

  test('the window slides one second at a time: retry-after is when enough old tokens leave', () => {
    const limiter = new AiLimiter();
    expect(limiter.check('app', limits, { tokens: 500, costUsd: 0 }, T0).ok).toBe(true);
    expect(limiter.check('app', limits, { tokens: 500, costUsd: 0 }, T0 + 30_000).ok).toBe(true);
    const rejected = limiter.check('app', limits, { tokens: 400, costUsd: 0 }, T0 + 45_000);
    expect(rejected).toMatchObject({ ok: false, retryAfterS: 15 });
    expect(limiter.check('app', limits, { tokens: 400, costUsd: 0 }, T0 + 59_999).ok).toBe(false);
    expect(limiter.check('app', limits, { tokens: 400, costUsd: 0 }, T0 + 60_000).ok).toBe(true);
    // The second 500 is still in the window: 500 + 400 used, 100 left.
    expect(limiter.check('app', limits, { tokens: 101, costUsd: 0 }, T0 + 60_000)).toMatchObject({ ok: false, retryAfterS: 30 });
    expect(limiter.usage('app', T0 + 60_000).tokensInWindow).toBe(900);
  });

  test('concurrent reservations cannot jointly exceed the limit; apps do not share a window', () => {
    const limiter = new AiLimiter();
    const results = Array.from({ length: 10 }, () => limiter.check('app', limits, { tokens: 300, costUsd: 0 }, T0));
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    expect(limiter.check('other', limits, { tokens: 1000, costUsd: 0 }, T0).ok).toBe(true);
  });

  test('reconcile replaces the estimate with the actual, lowering or raising what the window holds', () => {
    const limiter = new AiLimiter();
    const big = reservation(limiter.check('app', limits, { tokens: 800, costUsd: 0 }, T0));
    expect(limiter.check('app', limits, { tokens: 300, costUsd: 0 }, T0 + 1000).ok).toBe(false);
    limiter.reconcile(big, { tokens: 100, costUsd: 0 }, T0 + 2000);
    expect(limiter.check('app', limits, { tokens: 850, costUsd: 0 }, T0 + 3000).ok).toBe(true);

    const other = new AiLimiter();
    const small = reservation(other.check('app', limits, { tokens: 100, costUsd: 0 }, T0));
    other.reconcile(small, { tokens: 900, costUsd: 0 }, T0 + 1000);
    expect(other.check('app', limits, { tokens: 200, costUsd: 0 }, T0 + 2000).ok).toBe(false);
    expect(other.check('app', limits, { tokens: 100, costUsd: 0 }, T0 + 2000).ok).toBe(true);
  });

  test('an actual larger than the estimate still counts when the estimate already left the window', () => {
    const limiter = new AiLimiter();
    const r = reservation(limiter.check('app', limits, { tokens: 100, costUsd: 0 }, T0));
    limiter.reconcile(r, { tokens: 700, costUsd: 0 }, T0 + 90_000); // a long stream
    expect(limiter.usage('app', T0 + 90_000).tokensInWindow).toBe(600);
  });

  test('release gives the tokens back; settling twice changes nothing', () => {
    const limiter = new AiLimiter();
    const r = reservation(limiter.check('app', limits, { tokens: 1000, costUsd: 0 }, T0));
    limiter.release(r, T0 + 10);
    limiter.release(r, T0 + 20);
    limiter.reconcile(r, { tokens: 5000, costUsd: 0 }, T0 + 30);
    expect(r.settled).toBe(true);
    expect(limiter.usage('app', T0 + 40).tokensInWindow).toBe(0);
    expect(limiter.check('app', limits, { tokens: 1000, costUsd: 0 }, T0 + 50).ok).toBe(true);
  });

  test('a request larger than the whole limit is refused with advice, not a pointless retry', () => {
    const result = new AiLimiter().check('app', limits, { tokens: 1001, costUsd: 0 }, T0);
    expect(result).toMatchObject({ ok: false, code: 'GANTRY_ERR_AI_TOKEN_LIMIT', retryAfterS: 60 });
    expect(!result.ok && result.message).toMatch(/needs about 1001 tokens.*more than app app's limit of 1000.*lower max_tokens/);
  });

  test('a reservation never settled expires after its TTL', () => {
    const limiter = new AiLimiter({ reservationTtlMs: 60_000 });
    const r = reservation(limiter.check('app', { spend_per_day_usd: 1 }, { tokens: 10, costUsd: 0.9 }, T0));
    expect(limiter.check('app', { spend_per_day_usd: 1 }, { tokens: 10, costUsd: 0.2 }, T0 + 30_000).ok).toBe(false);
    expect(limiter.check('app', { spend_per_day_usd: 1 }, { tokens: 10, costUsd: 0.2 }, T0 + 70_000).ok).toBe(true);
    expect(r.settled).toBe(true);
    expect(limiter.stats()).toEqual({ outstanding: 1, expired: 1 });
  });
});

describe('spend per day and month', () => {
  test('the day budget counts reservations, rejects what could overshoot, and resets at UTC midnight', () => {
    const limiter = new AiLimiter();
    const limits = { spend_per_day_usd: 1 };
    const first = reservation(limiter.check('app', limits, { tokens: 0, costUsd: 0.6 }, T0));
    const rejected = limiter.check('app', limits, { tokens: 0, costUsd: 0.5 }, T0);
    expect(rejected).toMatchObject({ ok: false, code: 'GANTRY_ERR_AI_BUDGET_EXCEEDED', retryAfterS: 12 * 3600 });
    expect(!rejected.ok && rejected.message).toMatch(
      /spend limit of \$1\.00 per day \(UTC\): \$0\.6 spent or reserved, this request may cost up to \$0\.5\. The limit resets at 2025-03-11T00:00:00\.000Z \(in 43200 s\); raise spend_per_day_usd/,
    );
    limiter.reconcile(first, { tokens: 0, costUsd: 0.3 }, T0 + 1);
    const second = reservation(limiter.check('app', limits, { tokens: 0, costUsd: 0.5 }, T0 + 2));
    expect(limiter.usage('app', T0 + 2).spentDayUsd).toBeCloseTo(0.8, 12);
    limiter.reconcile(second, { tokens: 0, costUsd: 0.5 }, T0 + 3);
    expect(limiter.check('app', limits, { tokens: 0, costUsd: 0.3 }, at('2025-03-10T23:59:59.999Z')).ok).toBe(false);
    expect(limiter.check('app', limits, { tokens: 0, costUsd: 0.9 }, at('2025-03-11T00:00:00.000Z')).ok).toBe(true);
  });

  test('spend adds up exactly: ten 0.1 reservations fill a 1.0 budget, the eleventh is refused', () => {
    const limiter = new AiLimiter();
    for (let i = 0; i < 10; i++) expect(limiter.check('app', { spend_per_day_usd: 1 }, { tokens: 0, costUsd: 0.1 }, T0).ok).toBe(true);
    expect(limiter.check('app', { spend_per_day_usd: 1 }, { tokens: 0, costUsd: 0.1 }, T0).ok).toBe(false);
  });

  test('the month budget spans days and resets on the first of the next month (UTC)', () => {
    const limiter = new AiLimiter();
    const limits = { spend_per_month_usd: 2 };
    for (const day of ['2025-03-01', '2025-03-15', '2025-03-31']) {
      const r = reservation(limiter.check('app', limits, { tokens: 0, costUsd: 0.7 }, at(`${day}T10:00:00Z`)));
      limiter.reconcile(r, { tokens: 0, costUsd: 0.6 }, at(`${day}T10:00:01Z`));
    }
    const lastHour = at('2025-03-31T23:00:00Z');
    const rejected = limiter.check('app', limits, { tokens: 0, costUsd: 0.25 }, lastHour);
    expect(rejected).toMatchObject({ ok: false, code: 'GANTRY_ERR_AI_BUDGET_EXCEEDED', retryAfterS: 3600 });
    expect(!rejected.ok && rejected.message).toMatch(/per calendar month \(UTC\).*resets at 2025-04-01T00:00:00\.000Z.*spend_per_month_usd/);
    expect(limiter.check('app', limits, { tokens: 0, costUsd: 0.2 }, lastHour).ok).toBe(true);
    expect(limiter.check('app', limits, { tokens: 0, costUsd: 1.9 }, at('2025-04-01T00:00:00Z')).ok).toBe(true);
  });

  test('a budget of 0 blocks every call, even one with no known price', () => {
    const result = new AiLimiter().check('app', { spend_per_day_usd: 0 }, { tokens: 1, costUsd: 0 }, T0);
    expect(result).toMatchObject({ ok: false, code: 'GANTRY_ERR_AI_BUDGET_EXCEEDED' });
  });

  test('release returns the reserved spend; spend is tracked even for apps without a budget', () => {
    const limiter = new AiLimiter();
    const r = reservation(limiter.check('app', {}, { tokens: 0, costUsd: 0.4 }, T0));
    expect(limiter.usage('app', T0).spentDayUsd).toBeCloseTo(0.4, 12);
    limiter.release(r, T0);
    expect(limiter.usage('app', T0)).toEqual({ tokensInWindow: 0, spentDayUsd: 0, spentMonthUsd: 0 });
    const kept = reservation(limiter.check('app', {}, { tokens: 0, costUsd: 0.4 }, T0));
    limiter.reconcile(kept, { tokens: 0, costUsd: 0.35 }, T0);
    expect(limiter.check('app', { spend_per_day_usd: 0.5 }, { tokens: 0, costUsd: 0.2 }, T0).ok).toBe(false);
  });
});

describe('the pre-send cost bound', () => {
  test('prompt at the input price plus the requested max output at the output price, exactly', () => {
    // 1,000 × $2.5/M + 500 × $10/M
    expect(estimateCost(testCatalog, 'openai/gpt-4o', 1000, 500)).toBe(0.0075);
    expect(estimateCost(testCatalog, 'openai/gpt-4o', 1000, 500, 3)).toBe(0.0175);
  });

  test('without max_tokens: the model maximum, capped at the documented default', () => {
    const gpt4o = testCatalog.get('openai/gpt-4o');
    expect(outputTokenBound(gpt4o, null)).toBe(DEFAULT_MAX_OUTPUT_TOKENS);
    expect(outputTokenBound(testCatalog.get('openai/short-out'), null)).toBe(1000);
    expect(outputTokenBound(testCatalog.get('openai/short-out'), 5000)).toBe(1000);
    expect(outputTokenBound(undefined, null)).toBe(4096);
    expect(estimateCost(testCatalog, 'openai/gpt-4o', 0, null)).toBe(0.04096);
  });

  test('a prompt is bounded at the cache-write price when it is above the input price', () => {
    // 1,000 × $3.75/M (cache write) + 100 × $15/M
    expect(estimateCost(testCatalog, 'anthropic/claude-test', 1000, 100)).toBe(0.00525);
  });

  test('embedding models produce no output; unknown models cost 0', () => {
    expect(estimateCost(testCatalog, 'openai/embed-test', 1_000_000, null)).toBe(0.02);
    expect(estimateCost(testCatalog, 'nobody/model', 1000, 1000)).toBe(0);
  });

  test('estimateCall combines the token estimate and the cost bound of a body', () => {
    const body = { model: 'gpt-4o', messages: [{ role: 'user', content: 'Say this is a test!' }], max_tokens: 50, n: 2 };
    expect(estimateCall(testCatalog, body, 'chat', 'openai/gpt-4o')).toEqual({
      promptTokens: 13,
      outputTokens: 100,
      tokens: 113,
      costUsd: 0.0010325, // 13 × 2.5/M + 100 × 10/M
    });
  });
});
