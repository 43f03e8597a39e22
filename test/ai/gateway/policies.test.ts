/**
 * What wraps an AI call: per-app limits through the hooks (Gantry's own AiLimiter, and a recording
 * hook to see check/reconcile pairs), hooks that throw, and response-phase policies on AI routes.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BASIC_HOOKS, type AiHooks } from '../../../src/ai/gateway/hooks.js';
import { AiLimiter, createUsageHooks } from '../../../src/ai/usage/index.js';
import type { AiLimits } from '../../../src/core/ai-limits.js';
import type { Gateway } from '../../gateway/helpers.js';
import { anthropicClient, collectOpenai, MODELS, openaiClient, standardConfig, startAi, startFixtures, type AiConfig, type Fixtures } from './helpers.js';

let fx: Fixtures;
let open: Gateway[] = [];

beforeAll(async () => {
  fx = await startFixtures();
});
afterEach(async () => {
  await Promise.all(open.map((g) => g.close()));
  open = [];
});
afterAll(async () => {
  await fx?.close();
});

function withLimits(limits: AiLimits): AiConfig {
  const config = standardConfig(fx);
  config.data.apps[0].ai_limits = limits;
  return config;
}

async function start(config: AiConfig, hooks: AiHooks): Promise<Gateway> {
  const gw = await startAi(config, { aiHooks: hooks });
  open.push(gw);
  return gw;
}

const ask = (model: string, text = 'hi') => ({ model, messages: [{ role: 'user' as const, content: text }] });

describe('app limits with the usage hooks', () => {
  it('refuses a call over the spend limit with 429 and Retry-After, in both shapes', async () => {
    const gw = await start(withLimits({ spend_per_day_usd: 0 }), createUsageHooks({ limiter: new AiLimiter() }));
    const sent = fx.openai.requests.length + fx.anthropic.requests.length;
    const o = await openaiClient(gw).chat.completions.create(ask(MODELS.openai)).then(() => null, (e: unknown) => e as InstanceType<typeof OpenAI.RateLimitError>);
    expect(o).toBeInstanceOf(OpenAI.RateLimitError);
    expect(o!.code).toBe('GANTRY_ERR_AI_BUDGET_EXCEEDED');
    expect(Number(o!.headers.get('retry-after'))).toBeGreaterThan(0);
    const a = await anthropicClient(gw).messages.create({ ...ask(MODELS.anthropic), max_tokens: 10 }).then(() => null, (e: unknown) => e as InstanceType<typeof Anthropic.RateLimitError>);
    expect(a).toBeInstanceOf(Anthropic.RateLimitError);
    expect((a!.error as { error: { type: string; code: string } }).error).toMatchObject({ type: 'rate_limit_error', code: 'GANTRY_ERR_AI_BUDGET_EXCEEDED' });
    expect(fx.openai.requests.length + fx.anthropic.requests.length).toBe(sent); // refused before sending
  });

  it('counts tokens per minute: a call within the limit passes, then the window is full', async () => {
    // The check reserves the prompt plus an output bound (4096 without max_tokens); reconcile keeps the real count.
    const gw = await start(withLimits({ tokens_per_minute: 5000 }), createUsageHooks({ limiter: new AiLimiter() }));
    const before = fx.openai.requests.length;
    for (let i = 0; i < 3; i++) expect((await openaiClient(gw).chat.completions.create(ask(MODELS.openai))).choices[0].message.content).toContain('You said: hi');
    const err = await openaiClient(gw).chat.completions.create(ask(MODELS.openai, 'word '.repeat(1500))).then(() => null, (e: unknown) => e as InstanceType<typeof OpenAI.RateLimitError>);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err!.code).toBe('GANTRY_ERR_AI_TOKEN_LIMIT');
    expect(fx.openai.requests.length - before).toBe(3);
  });
});

describe('the limiter hook contract', () => {
  it('checks before sending and reconciles once with the usage, the cost and its reservation', async () => {
    const seen: unknown[][] = [];
    const hooks: AiHooks = {
      ...BASIC_HOOKS,
      limiter: {
        check: async (appId, limits, estimate, model, request) => {
          seen.push(['check', appId, limits, estimate > 0, model, request?.endpoint]);
          return { ok: true, reservation: { id: seen.length } };
        },
        reconcile: (appId, _limits, _estimate, usage, cost, reservation) => void seen.push(['reconcile', appId, usage?.prompt_tokens, cost, reservation]),
      },
    };
    const gw = await start(withLimits({ tokens_per_minute: 1_000_000 }), hooks);
    const stream = await openaiClient(gw).chat.completions.create({ ...ask(MODELS.openai, '[scenario:cache] hi'), stream: true });
    await collectOpenai(stream);
    await expect(openaiClient(gw).chat.completions.create(ask(MODELS.openai, '[scenario:error] x'))).rejects.toThrow(OpenAI.InternalServerError);
    await new Promise((r) => setTimeout(r, 50));
    expect(seen[0]).toEqual(['check', 'app_ai', { tokens_per_minute: 1_000_000 }, true, 'openai/gpt-4o-mini', 'chat']);
    expect(seen[1][0]).toBe('reconcile');
    expect(seen[1][2]).toBeGreaterThan(2048);
    expect(seen[1][3]).toBeGreaterThan(0);
    expect(seen[1][4]).toEqual({ id: 1 });
    expect(seen[3]).toEqual(['reconcile', 'app_ai', undefined, null, { id: 3 }]); // no provider answered
    expect(seen).toHaveLength(4);
  });

  it('a hook that throws ends that request with an error; the next one is served', async () => {
    let boom = true;
    const hooks: AiHooks = {
      ...BASIC_HOOKS,
      limiter: {
        check: () => {
          if (boom) throw new Error('limiter down');
          return { ok: true };
        },
        reconcile: () => undefined,
      },
    };
    const gw = await start(withLimits({ tokens_per_minute: 10 }), hooks);
    const err = await openaiClient(gw).chat.completions.create(ask(MODELS.openai)).then(() => null, (e: unknown) => e as InstanceType<typeof OpenAI.APIError>);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(err!.code).toBe('GANTRY_ERR_INTERNAL');
    expect(gw.logger.errors.length).toBeGreaterThan(0);
    boom = false;
    expect((await openaiClient(gw).chat.completions.create(ask(MODELS.openai))).choices).toHaveLength(1);
  });
});

describe('response-phase policies on AI routes', () => {
  it('apply to streamed and non-streamed answers', async () => {
    const config = standardConfig(fx);
    const p = config.data.policies[0];
    config.data.policies.push({ ...p, id: 'pol_rh', name: 'rh', type: 'response-headers', config: { set: { 'x-team': 'blue' }, remove: ['x-gantry-overhead-ms'] } });
    const gw = await start(config, BASIC_HOOKS);
    const plain = await openaiClient(gw).chat.completions.create(ask(MODELS.anthropic)).withResponse();
    expect(plain.response.headers.get('x-team')).toBe('blue');
    expect(plain.response.headers.get('x-gantry-overhead-ms')).toBeNull();
    const streamed = await openaiClient(gw).chat.completions.create({ ...ask(MODELS.gemini), stream: true }).withResponse();
    expect(streamed.response.headers.get('x-team')).toBe('blue');
    expect((await collectOpenai(streamed.data)).text).toBe('Hello from the Gemini fixture.');
  });
});
