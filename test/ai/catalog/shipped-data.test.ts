import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { shippedModels } from '../../../src/ai/catalog/data/index.js';
import { CatalogModelSchema, ModelCatalog, PROVIDER_KINDS } from '../../../src/ai/catalog/index.js';

const today = new Date().toISOString().slice(0, 10);

describe('shipped model data', () => {
  it('every model matches the CatalogModel schema', () => {
    const errors = shippedModels.flatMap((m) =>
      [...Value.Errors(CatalogModelSchema, m)].map((e) => `${m.id}${e.path}: ${e.message}`),
    );
    expect(errors).toEqual([]);
  });

  it('ships at least 150 models', () => {
    expect(shippedModels.length).toBeGreaterThanOrEqual(150);
  });

  it('has unique ids, each equal to provider/model', () => {
    const ids = shippedModels.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const m of shippedModels) expect(m.id).toBe(`${m.provider}/${m.model}`);
  });

  it('builds a catalog with no alias colliding with an id or another alias', () => {
    const catalog = ModelCatalog.shipped();
    expect(catalog.size).toBe(shippedModels.length);
  });

  it('covers the providers the gateway routes to', () => {
    const providers = new Set(shippedModels.map((m) => m.provider));
    for (const p of ['openai', 'azure-openai', 'anthropic', 'gemini', 'bedrock', 'mistral', 'deepseek', 'groq'] as const) {
      expect(providers.has(p)).toBe(true);
    }
    for (const p of ['together', 'fireworks', 'xai', 'ollama', 'vllm'] as const) expect(providers.has(p)).toBe(true);
    for (const p of providers) expect(PROVIDER_KINDS).toContain(p);
  });

  it('gives every chat model a context window above 0', () => {
    const bad = shippedModels.filter((m) => m.mode === 'chat' && !(m.context_window > 0)).map((m) => m.id);
    expect(bad).toEqual([]);
  });

  it('ships embedding models from OpenAI, Gemini, Mistral and Bedrock (Titan and Cohere)', () => {
    const embeddings = shippedModels.filter((m) => m.mode === 'embedding').map((m) => m.id);
    expect(embeddings).toEqual(
      expect.arrayContaining([
        'openai/text-embedding-3-small',
        'openai/text-embedding-3-large',
        'openai/text-embedding-ada-002',
        'gemini/gemini-embedding-001',
        'mistral/mistral-embed',
        'bedrock/amazon.titan-embed-text-v2:0',
        'bedrock/cohere.embed-english-v3',
      ]),
    );
    for (const m of shippedModels.filter((x) => x.mode === 'embedding')) {
      expect(m.price.output).toBe(0);
      expect(m.capabilities.streaming).toBe(false);
    }
  });

  it('cites an https source and a real, past as_of date for every price', () => {
    for (const m of shippedModels) {
      expect(new URL(m.price.source).protocol, m.id).toBe('https:');
      const { as_of } = m.price;
      expect(as_of, m.id).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(new Date(`${as_of}T00:00:00Z`).toISOString().slice(0, 10), m.id).toBe(as_of);
      expect(as_of <= today, `${m.id} as_of ${as_of} is in the future`).toBe(true);
    }
  });

  it('prices self-hosted models at 0 with the runtime docs as source', () => {
    const selfHosted = shippedModels.filter((m) => m.provider === 'ollama' || m.provider === 'vllm');
    expect(selfHosted.length).toBeGreaterThan(0);
    for (const m of selfHosted) {
      expect(m.price.input).toBe(0);
      expect(m.price.output).toBe(0);
      expect(m.price.source).toMatch(/^https:\/\/(ollama\.com|docs\.vllm\.ai)\//);
    }
  });
});

describe('spot checks of verified prices (a typo in the data fails here)', () => {
  const catalog = ModelCatalog.shipped();
  const price = (id: string) => {
    const model = catalog.get(id);
    if (!model) throw new Error(`missing ${id}`);
    const { input, output, cache_read, cache_write } = model.price;
    return { input, output, cache_read, cache_write };
  };

  it.each([
    ['openai/gpt-4o', { input: 2.5, output: 10, cache_read: 1.25, cache_write: null }],
    ['openai/gpt-4o-mini', { input: 0.15, output: 0.6, cache_read: 0.075, cache_write: null }],
    ['openai/gpt-5-mini', { input: 0.25, output: 2, cache_read: 0.025, cache_write: null }],
    ['openai/gpt-4', { input: 30, output: 60, cache_read: null, cache_write: null }],
    ['openai/text-embedding-3-small', { input: 0.02, output: 0, cache_read: null, cache_write: null }],
    ['anthropic/claude-sonnet-4-5-20250929', { input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 }],
    ['anthropic/claude-opus-4-5-20251101', { input: 5, output: 25, cache_read: 0.5, cache_write: 6.25 }],
    ['anthropic/claude-haiku-4-5-20251001', { input: 1, output: 5, cache_read: 0.1, cache_write: 1.25 }],
    ['gemini/gemini-2.5-pro', { input: 1.25, output: 10, cache_read: null, cache_write: null }],
    ['gemini/gemini-2.5-flash', { input: 0.3, output: 2.5, cache_read: null, cache_write: null }],
    ['bedrock/amazon.nova-pro-v1:0', { input: 0.8, output: 3.2, cache_read: 0.2, cache_write: null }],
    ['bedrock/meta.llama3-3-70b-instruct-v1:0', { input: 0.72, output: 0.72, cache_read: null, cache_write: null }],
    [
      'bedrock/eu.anthropic.claude-sonnet-4-5-20250929-v1:0',
      { input: 3.3, output: 16.5, cache_read: 0.33, cache_write: 4.125 },
    ],
    ['groq/openai/gpt-oss-120b', { input: 0.15, output: 0.6, cache_read: 0.075, cache_write: null }],
    ['xai/grok-4.3', { input: 1.25, output: 2.5, cache_read: 0.2, cache_write: null }],
    ['deepseek/deepseek-chat', { input: 0.28, output: 0.42, cache_read: 0.028, cache_write: null }],
    ['fireworks/accounts/fireworks/models/kimi-k2p6', { input: 0.95, output: 4, cache_read: 0.16, cache_write: null }],
    ['mistral/mistral-embed', { input: 0.1, output: 0, cache_read: null, cache_write: null }],
  ])('%s', (id, expected) => {
    expect(price(id)).toEqual(expected);
  });

  it('notes the base tier on tiered prices', () => {
    expect(catalog.get('gemini/gemini-2.5-pro')?.notes).toMatch(/Base tier/);
    expect(catalog.get('openai/gpt-5.4')?.notes).toMatch(/Base tier/);
  });
});
