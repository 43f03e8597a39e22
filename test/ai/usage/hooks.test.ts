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
    expect(await hooks.limiter!.check('app', limits, 1000, 'openai/gpt-4o')).toEqual({ ok: true });
    // 1,000 prompt + 4,096 output reserved; $0.0025 + $0.04096
    expect(limiter.usage('app')).toMatchObject({ tokensInWindow: 5096 });
    expect(limiter.usage('app').spentDayUsd).toBeCloseTo(0.04346, 12);
    const refused = await hooks.limiter!.check('app', limits, 5000, 'openai/gpt-4o');
    expect(refused).toMatchObject({ ok: false, code: 'GANTRY_ERR_AI_TOKEN_LIMIT' });
    expect(!refused.ok && refused.retryAfterS).toBeGreaterThan(0);
  });

  test('reconcile settles the matching reservation with the real usage and cost; no usage releases it', async () => {
    const limiter = new AiLimiter();
    const hooks = createUsageHooks({ limiter, catalog: () => testCatalog });
    const limits = { tokens_per_minute: 100_000 };
    await hooks.limiter!.check('app', limits, 1000, 'openai/gpt-4o');
    await hooks.limiter!.check('app', limits, 2000, 'openai/gpt-4o');
    hooks.limiter!.reconcile('app', limits, 2000, usage(2000, 10), 0.0051);
    expect(limiter.usage('app').tokensInWindow).toBe(5096 + 2010);
    expect(limiter.usage('app').spentDayUsd).toBeCloseTo(0.04346 + 0.0051, 12);
    hooks.limiter!.reconcile('app', limits, 1000, null, null);
    expect(limiter.usage('app')).toMatchObject({ tokensInWindow: 2010 });
    expect(limiter.usage('app').spentDayUsd).toBeCloseTo(0.0051, 12);
    expect(limiter.stats().outstanding).toBe(0);
    hooks.limiter!.reconcile('app', limits, 1000, usage(1, 1), 1); // nothing left to settle
    expect(limiter.usage('app').spentDayUsd).toBeCloseTo(0.0051, 12);
  });

  test('an unknown model reserves the default output and costs nothing', async () => {
    const limiter = new AiLimiter();
    const hooks = createUsageHooks({ limiter, catalog: () => testCatalog });
    const limits = { spend_per_day_usd: 0.01, tokens_per_minute: 10_000 };
    expect(await hooks.limiter!.check('app', limits, 10, 'nobody/model')).toEqual({ ok: true });
    expect(limiter.usage('app')).toMatchObject({ tokensInWindow: 10 + 4096, spentDayUsd: 0 });
  });
});
