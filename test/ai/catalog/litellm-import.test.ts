import { describe, expect, it } from 'vitest';
import { GantryError } from '../../../src/core/errors.js';
import { ModelCatalog, importLiteLLMPrices } from '../../../src/ai/catalog/index.js';

/** A small file in LiteLLM's `model_prices_and_context_window.json` format. */
const fixture = {
  sample_spec: {
    max_tokens: 'LEGACY parameter. set to max_output_tokens if provider specifies it.',
    input_cost_per_token: 0,
    output_cost_per_token: 0,
    litellm_provider: 'one of https://docs.litellm.ai/docs/providers',
    mode: 'one of: chat, embedding, completion, image_generation, audio_transcription, audio_speech',
  },
  'gpt-4o': {
    max_tokens: 16384,
    max_input_tokens: 128000,
    max_output_tokens: 16384,
    input_cost_per_token: 2.5e-6,
    output_cost_per_token: 1e-5,
    cache_read_input_token_cost: 1.25e-6,
    litellm_provider: 'openai',
    mode: 'chat',
    supports_function_calling: true,
    supports_parallel_function_calling: true,
    supports_response_schema: true,
    supports_vision: true,
    supports_prompt_caching: true,
  },
  'claude-sonnet-4-5-20250929': {
    max_tokens: 64000,
    max_input_tokens: 200000,
    max_output_tokens: 64000,
    input_cost_per_token: 3e-6,
    output_cost_per_token: 1.5e-5,
    cache_creation_input_token_cost: 3.75e-6,
    cache_read_input_token_cost: 3e-7,
    litellm_provider: 'anthropic',
    mode: 'chat',
    supports_function_calling: true,
    supports_vision: true,
    supports_reasoning: true,
  },
  'gemini/gemini-2.5-flash': {
    max_input_tokens: 1048576,
    max_output_tokens: 65535,
    input_cost_per_token: 3e-7,
    output_cost_per_token: 2.5e-6,
    litellm_provider: 'gemini',
    mode: 'chat',
    supports_function_calling: true,
    supports_vision: true,
    supports_response_schema: true,
    supports_reasoning: true,
  },
  'gemini-2.5-flash': {
    max_input_tokens: 1048576,
    max_output_tokens: 65535,
    input_cost_per_token: 3e-7,
    output_cost_per_token: 2.5e-6,
    litellm_provider: 'vertex_ai-language-models',
    mode: 'chat',
  },
  'together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo': {
    max_tokens: 131072,
    input_cost_per_token: 8.8e-7,
    output_cost_per_token: 8.8e-7,
    litellm_provider: 'together_ai',
    mode: 'chat',
    supports_function_calling: true,
  },
  'azure/gpt-4.1-nano': {
    max_input_tokens: 1047576,
    max_output_tokens: 32768,
    input_cost_per_token: 1e-7,
    output_cost_per_token: 4e-7,
    cache_read_input_token_cost: 3e-8,
    litellm_provider: 'azure',
    mode: 'chat',
  },
  'amazon.nova-micro-v1:0': {
    max_input_tokens: 128000,
    max_output_tokens: 10000,
    input_cost_per_token: 3.5e-8,
    output_cost_per_token: 1.4e-7,
    litellm_provider: 'bedrock_converse',
    mode: 'chat',
    supports_function_calling: true,
  },
  'text-embedding-3-small': {
    max_tokens: 8191,
    max_input_tokens: 8191,
    input_cost_per_token: 2e-8,
    output_cost_per_token: 0,
    litellm_provider: 'openai',
    mode: 'embedding',
  },
  'fireworks_ai/accounts/fireworks/models/gpt-oss-20b': {
    max_input_tokens: 131072,
    input_cost_per_token: 1.5e-7,
    output_cost_per_token: 6e-7,
    litellm_provider: 'fireworks_ai',
    mode: 'chat',
  },
  'bedrock/us-east-1/anthropic.claude-3-haiku-20240307-v1:0': {
    max_input_tokens: 200000,
    input_cost_per_token: 2.5e-7,
    output_cost_per_token: 1.25e-6,
    litellm_provider: 'bedrock',
    mode: 'chat',
  },
  'dall-e-3': { litellm_provider: 'openai', mode: 'image_generation', output_cost_per_image: 0.04 },
  'command-r': {
    max_input_tokens: 128000,
    input_cost_per_token: 1.5e-7,
    output_cost_per_token: 6e-7,
    litellm_provider: 'cohere_chat',
    mode: 'chat',
  },
  'gpt-unpriced': { max_input_tokens: 8192, litellm_provider: 'openai', mode: 'chat' },
  'gpt-no-output-price': { max_input_tokens: 8192, input_cost_per_token: 1e-6, litellm_provider: 'openai', mode: 'chat' },
  'gpt-no-window': { input_cost_per_token: 1e-6, output_cost_per_token: 2e-6, litellm_provider: 'openai', mode: 'chat' },
  'gpt-3.5-turbo-0301': {
    max_input_tokens: 4097,
    input_cost_per_token: 1.5e-6,
    output_cost_per_token: 2e-6,
    litellm_provider: 'openai',
    mode: 'chat',
    deprecation_date: '2024-06-13',
  },
  broken: 'not an object',
};

const AS_OF = '2026-11-26';

describe('importLiteLLMPrices', () => {
  const { models, skipped } = importLiteLLMPrices(fixture, { asOf: AS_OF });
  const byId = new Map(models.map((m) => [m.id, m]));

  it('converts per-token costs to per-1M prices, cache prices included', () => {
    expect(byId.get('openai/gpt-4o')?.price).toEqual({
      input: 2.5,
      output: 10,
      cache_read: 1.25,
      cache_write: null,
      currency: 'USD',
      source: 'litellm-import',
      as_of: AS_OF,
    });
    expect(byId.get('anthropic/claude-sonnet-4-5-20250929')?.price).toMatchObject({
      input: 3,
      output: 15,
      cache_read: 0.3,
      cache_write: 3.75,
    });
    // 1.5e-7 × 1e6 is 0.15000000000000002 in floating point; the import rounds that noise away.
    expect(byId.get('fireworks/accounts/fireworks/models/gpt-oss-20b')?.price.input).toBe(0.15);
    expect(byId.get('bedrock/amazon.nova-micro-v1:0')?.price).toMatchObject({ input: 0.035, output: 0.14 });
  });

  it('maps LiteLLM provider names to Gantry providers and strips their key prefix', () => {
    expect([...byId.keys()].sort()).toEqual(
      [
        'anthropic/claude-sonnet-4-5-20250929',
        'azure-openai/gpt-4.1-nano',
        'bedrock/amazon.nova-micro-v1:0',
        'fireworks/accounts/fireworks/models/gpt-oss-20b',
        'gemini/gemini-2.5-flash',
        'openai/gpt-3.5-turbo-0301',
        'openai/gpt-4o',
        'openai/text-embedding-3-small',
        'together/meta-llama/Llama-3.3-70B-Instruct-Turbo',
      ].sort(),
    );
    expect(byId.get('together/meta-llama/Llama-3.3-70B-Instruct-Turbo')?.model).toBe(
      'meta-llama/Llama-3.3-70B-Instruct-Turbo',
    );
  });

  it('maps limits, modes and capabilities', () => {
    const gpt4o = byId.get('openai/gpt-4o');
    expect(gpt4o).toMatchObject({ mode: 'chat', context_window: 128000, max_output_tokens: 16384 });
    expect(gpt4o?.capabilities).toEqual({
      tools: true,
      vision: true,
      json_mode: true,
      json_schema: true,
      streaming: true,
      reasoning: false,
    });
    expect(byId.get('anthropic/claude-sonnet-4-5-20250929')?.capabilities.reasoning).toBe(true);
    expect(byId.get('together/meta-llama/Llama-3.3-70B-Instruct-Turbo')?.context_window).toBe(131072);
    const embedding = byId.get('openai/text-embedding-3-small');
    expect(embedding).toMatchObject({ mode: 'embedding', context_window: 8191, max_output_tokens: null });
    expect(embedding?.capabilities.streaming).toBe(false);
    expect(byId.get('openai/gpt-3.5-turbo-0301')).toMatchObject({ deprecated: true });
  });

  it('skips, with a reason, what it cannot map or price, and ignores sample_spec', () => {
    const reasons = Object.fromEntries(skipped.map((s) => [s.key, s.reason]));
    expect(reasons).not.toHaveProperty('sample_spec');
    expect(reasons['dall-e-3']).toMatch(/mode "image_generation"/);
    expect(reasons['command-r']).toMatch(/provider "cohere_chat"/);
    expect(reasons['gpt-unpriced']).toMatch(/input_cost_per_token/);
    expect(reasons['gpt-no-output-price']).toMatch(/output_cost_per_token/);
    expect(reasons['gpt-no-window']).toMatch(/max_input_tokens/);
    expect(reasons['bedrock/us-east-1/anthropic.claude-3-haiku-20240307-v1:0']).toMatch(/region/);
    expect(reasons['gemini-2.5-flash']).toMatch(/same model id "gemini\/gemini-2.5-flash"/);
    expect(reasons.broken).toMatch(/not an object/);
    expect(skipped).toHaveLength(8);
  });

  it('keeps only the requested providers', () => {
    const only = importLiteLLMPrices(fixture, { asOf: AS_OF, providers: ['anthropic', 'gemini'] });
    expect(only.models.map((m) => m.id).sort()).toEqual(['anthropic/claude-sonnet-4-5-20250929', 'gemini/gemini-2.5-flash']);
    expect(only.skipped.find((s) => s.key === 'gpt-4o')?.reason).toMatch(/not requested/);
  });

  it('stamps today as as_of by default', () => {
    const today = new Date().toISOString().slice(0, 10);
    expect(importLiteLLMPrices({ 'gpt-4o': fixture['gpt-4o'] }).models[0]?.price.as_of).toBe(today);
  });

  it('produces models a catalog accepts as overrides', () => {
    const next = ModelCatalog.shipped().withOverrides(models);
    expect(next.get('openai/gpt-4o')?.price.source).toBe('litellm-import');
    expect(next.get('openai/gpt-3.5-turbo-0301')?.deprecated).toBe(true);
  });

  it('rejects a file that is not an object of entries', () => {
    expect(() => importLiteLLMPrices([1, 2])).toThrowError(GantryError);
    expect(() => importLiteLLMPrices(null)).toThrowError(expect.objectContaining({ code: 'GANTRY_ERR_VALIDATION' }));
  });
});
