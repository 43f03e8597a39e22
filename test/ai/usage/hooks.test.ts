import { describe, expect, test } from 'vitest';
import type { NormalizedUsage } from '../../../src/ai/protocols/openai-types.js';
import { AiLimiter, createUsageHooks, estimateInputTokens } from '../../../src/ai/usage/index.js';
import { testCatalog } from './helpers.js';

const usage = (prompt: number, completion: number): NormalizedUsage => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  cached_read_tokens: 0,
  cache_write_tokens: 0,
  reasoning_tokens: 0,
  estimated: false,
});

describe('createUsageHooks (the AI handler’s hooks interface)', () => {
  test('estimates with the tokenizer and prices with the catalog', () => {
    const hooks = createUsageHooks();
    const body = { model: 'gpt-4o', messages: [{ role: 'user', content: 'Say this is a test!' }] };
    expect(hooks.estimateInputTokens(body, 'chat', 'openai/gpt-4o')).toBe(13);
    expect(hooks.estimateInputTokens(body, 'chat', 'openai/gpt-4o')).toBe(estimateInputTokens(body, 'chat', 'openai/gpt-4o'));
    expect(hooks.estimateTextTokens('hello world', 'openai/gpt-4o')).toBe(2);
    expect(hooks.cost('openai/gpt-4o', usage(1000, 500), testCatalog)?.total).toBe(0.0075);
    expect(hooks.limiter).toBeUndefined();
  });

  test('check reserves prompt + default output bound at the catalog price; refusals carry code, message and retry-after', async () => {
    const limiter = new AiLimiter();
    const hooks = createUsageHooks({ limiter, catalog: () => testCatalog });
    const limits = { tokens_per_minute: 10_000, spend_per_day_usd: 0.1 };
    expect(await hooks.limiter!.check('app', limits, 1000, 'openai/gpt-4o')).toMatchObject({ ok: true, reservation: expect.anything() });
    // No request given: 1,000 prompt + the default 4,096 output reserved; $0.0025 + $0.04096
    expect(limiter.usage('app')).toMatchObject({ tokensInWindow: 5096 });
    expect(limiter.usage('app').spentDayUsd).toBeCloseTo(0.04346, 12);
    const refused = await hooks.limiter!.check('app', limits, 5000, 'openai/gpt-4o');
    expect(refused).toMatchObject({ ok: false, code: 'GANTRY_ERR_AI_TOKEN_LIMIT' });
    expect(!refused.ok && refused.retryAfterS).toBeGreaterThan(0);
  });

  test('reconcile settles the reservation check returned with the real usage and cost; no usage releases it', async () => {
    const limiter = new AiLimiter();
    const hooks = createUsageHooks({ limiter, catalog: () => testCatalog });
    const limits = { tokens_per_minute: 100_000 };
    const first = await hooks.limiter!.check('app', limits, 1000, 'openai/gpt-4o');
    const second = await hooks.limiter!.check('app', limits, 2000, 'openai/gpt-4o');
    if (!first.ok || !second.ok) throw new Error('expected both checks to pass');
    hooks.limiter!.reconcile('app', limits, 2000, usage(2000, 10), 0.0051, second.reservation);
    expect(limiter.usage('app').tokensInWindow).toBe(5096 + 2010);
    expect(limiter.usage('app').spentDayUsd).toBeCloseTo(0.04346 + 0.0051, 12);
    hooks.limiter!.reconcile('app', limits, 1000, null, null, first.reservation);
    expect(limiter.usage('app')).toMatchObject({ tokensInWindow: 2010 });
    expect(limiter.usage('app').spentDayUsd).toBeCloseTo(0.0051, 12);
    expect(limiter.stats().outstanding).toBe(0);
    hooks.limiter!.reconcile('app', limits, 1000, usage(1, 1), 1, first.reservation); // already settled
    expect(limiter.usage('app').spentDayUsd).toBeCloseTo(0.0051, 12);
  });

  test("with the request, the reservation uses its max_tokens and the snapshot's catalog prices", async () => {
    const limiter = new AiLimiter();
    const hooks = createUsageHooks({ limiter });
    const limits = { tokens_per_minute: 100_000, spend_per_day_usd: 1 };
    const body = { model: 'openai/gpt-4o', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] };
    const verdict = await hooks.limiter!.check('app', limits, 1000, 'openai/gpt-4o', { endpoint: 'chat', body, catalog: testCatalog });
    expect(verdict.ok).toBe(true);
    // 1,000 prompt + 100 output (not the 4,096 default); $0.0025 + $0.001 at testCatalog's prices
    expect(limiter.usage('app').tokensInWindow).toBe(1100);
    expect(limiter.usage('app').spentDayUsd).toBeCloseTo(0.0035, 12);
  });

  test('an unknown model reserves the default output and costs nothing', async () => {
    const limiter = new AiLimiter();
    const hooks = createUsageHooks({ limiter, catalog: () => testCatalog });
    const limits = { spend_per_day_usd: 0.01, tokens_per_minute: 10_000 };
    expect(await hooks.limiter!.check('app', limits, 10, 'nobody/model')).toMatchObject({ ok: true });
    expect(limiter.usage('app')).toMatchObject({ tokensInWindow: 10 + 4096, spentDayUsd: 0 });
  });
});
