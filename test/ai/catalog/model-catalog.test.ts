import { describe, expect, it } from 'vitest';
import { GantryError } from '../../../src/core/errors.js';
import { ModelCatalog, type CatalogModel } from '../../../src/ai/catalog/index.js';

const shipped = ModelCatalog.shipped();

function custom(overrides: Partial<CatalogModel> = {}): CatalogModel {
  return {
    id: 'openai-compatible/house-llm',
    provider: 'openai-compatible',
    model: 'house-llm',
    display_name: 'House LLM',
    mode: 'chat',
    context_window: 32_768,
    max_output_tokens: 4_096,
    capabilities: { tools: true, vision: false, json_mode: true, json_schema: false, streaming: true, reasoning: false },
    price: {
      input: 0.1,
      output: 0.2,
      cache_read: null,
      cache_write: null,
      currency: 'USD',
      source: 'https://llm.internal.example/pricing',
      as_of: '2026-01-15',
    },
    ...overrides,
  };
}

function validationDetails(fn: () => unknown): { path?: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GantryError);
    expect((err as GantryError).code).toBe('GANTRY_ERR_VALIDATION');
    expect((err as GantryError).status).toBe(400);
    return (err as GantryError).details ?? [];
  }
  throw new Error('expected a validation error');
}

describe('ModelCatalog lookups', () => {
  it('gets a model by exact id', () => {
    expect(shipped.get('openai/gpt-4o')?.model).toBe('gpt-4o');
    expect(shipped.get('gpt-4o')).toBeUndefined();
  });

  it('resolves an exact id first, then an alias', () => {
    expect(shipped.resolve('anthropic/claude-sonnet-4-5-20250929')?.id).toBe('anthropic/claude-sonnet-4-5-20250929');
    expect(shipped.resolve('anthropic/claude-sonnet-4-5')?.id).toBe('anthropic/claude-sonnet-4-5-20250929');
    expect(shipped.resolve('fireworks/gpt-oss-120b')?.id).toBe('fireworks/accounts/fireworks/models/gpt-oss-120b');
    expect(shipped.get('anthropic/claude-sonnet-4-5')).toBeUndefined();
  });

  it('treats ids and aliases as case-sensitive', () => {
    expect(shipped.resolve('OpenAI/GPT-4o')).toBeUndefined();
    expect(shipped.resolve('anthropic/Claude-Sonnet-4-5')).toBeUndefined();
  });

  it('lists by provider and by mode', () => {
    const anthropic = shipped.list({ provider: 'anthropic' });
    expect(anthropic.length).toBeGreaterThan(0);
    expect(anthropic.every((m) => m.provider === 'anthropic')).toBe(true);
    const openaiEmbeddings = shipped.list({ provider: 'openai', mode: 'embedding' }).map((m) => m.id);
    expect(openaiEmbeddings.sort()).toEqual([
      'openai/text-embedding-3-large',
      'openai/text-embedding-3-small',
      'openai/text-embedding-ada-002',
    ]);
    expect(shipped.list()).toHaveLength(shipped.size);
  });

  it('hands out frozen models, so a caller cannot change the catalog', () => {
    const model = shipped.get('openai/gpt-4o') as CatalogModel;
    expect(() => {
      model.price.input = 0;
    }).toThrow(TypeError);
    expect(shipped.get('openai/gpt-4o')?.price.input).toBe(2.5);
  });

  it('rejects a catalog with duplicate ids or clashing aliases', () => {
    const dup = validationDetails(() => new ModelCatalog([custom(), custom()]));
    expect(dup).toContainEqual({ path: '/models/1/id', message: 'duplicate model id "openai-compatible/house-llm"' });
    const clash = validationDetails(
      () =>
        new ModelCatalog([
          custom({ aliases: ['house'] }),
          custom({ id: 'openai-compatible/other', model: 'other', aliases: ['house'] }),
        ]),
    );
    expect(clash).toEqual([
      { path: '/aliases', message: 'alias "house" is claimed by "openai-compatible/house-llm" and "openai-compatible/other"' },
    ]);
  });
});

describe('ModelCatalog.cost', () => {
  it('prices uncached input, cache reads, cache writes and output separately (worked by hand)', () => {
    // claude-sonnet-4-5: input $3, cache read $0.30, cache write (5m) $3.75, output $15 per 1M tokens.
    // prompt 10,000 includes 6,000 cache-read and 2,000 cache-write tokens → 2,000 uncached.
    //   uncached    2,000 × 3.00 / 1M = 0.006
    //   cache read  6,000 × 0.30 / 1M = 0.0018
    //   cache write 2,000 × 3.75 / 1M = 0.0075
    //   output      1,500 × 15   / 1M = 0.0225 (the 500 reasoning tokens are inside the 1,500)
    //   total                         = 0.0378
    const cost = shipped.cost('anthropic/claude-sonnet-4-5-20250929', {
      prompt_tokens: 10_000,
      completion_tokens: 1_500,
      cached_read_tokens: 6_000,
      cache_write_tokens: 2_000,
      reasoning_tokens: 500,
    });
    expect(cost).toEqual({ input: 0.006, cache_read: 0.0018, cache_write: 0.0075, output: 0.0225, total: 0.0378 });
  });

  it('accepts an alias as the model name', () => {
    expect(shipped.cost('anthropic/claude-sonnet-4-5', { prompt_tokens: 1_000_000, completion_tokens: 0 }).total).toBe(3);
  });

  it('falls back to the input price for cache tokens when the model has no cache price', () => {
    // gpt-4: $30 input, $60 output, no cache prices.
    //   uncached 600 × 30 / 1M = 0.018; cache read 400 × 30 / 1M = 0.012; cache write 0
    //   output   100 × 60 / 1M = 0.006; total 0.036
    const cost = shipped.cost('openai/gpt-4', { prompt_tokens: 1_000, completion_tokens: 100, cached_read_tokens: 400 });
    expect(cost).toEqual({ input: 0.018, cache_read: 0.012, cache_write: 0, output: 0.006, total: 0.036 });
    const writes = shipped.cost('openai/gpt-4', { prompt_tokens: 1_000, completion_tokens: 0, cache_write_tokens: 1_000 });
    expect(writes.cache_write).toBe(0.03);
    expect(writes.input).toBe(0);
  });

  it('is exact where float arithmetic is not (0.1 + 0.2)', () => {
    const catalog = new ModelCatalog([custom()]);
    const cost = catalog.cost('openai-compatible/house-llm', { prompt_tokens: 1_000_000, completion_tokens: 1_000_000 });
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(cost.total).toBe(0.3);
  });

  it('rounds each part half-up to 10 decimal places', () => {
    // Nova Micro cache read: $0.00875 per 1M → one token costs 8.75e-9 USD → 0.0000000088.
    const cost = shipped.cost('bedrock/amazon.nova-micro-v1:0', {
      prompt_tokens: 1,
      completion_tokens: 0,
      cached_read_tokens: 1,
    });
    expect(cost.cache_read).toBe(0.0000000088);
    expect(cost.total).toBe(0.0000000088);
  });

  it('rejects usage that contradicts the OpenAI convention, with details', () => {
    const cached = validationDetails(() =>
      shipped.cost('openai/gpt-4o', { prompt_tokens: 10, completion_tokens: 0, cached_read_tokens: 8, cache_write_tokens: 5 }),
    );
    expect(cached[0]?.path).toBe('/prompt_tokens');
    const reasoning = validationDetails(() =>
      shipped.cost('openai/o3', { prompt_tokens: 10, completion_tokens: 5, reasoning_tokens: 6 }),
    );
    expect(reasoning[0]?.path).toBe('/completion_tokens');
    const negative = validationDetails(() => shipped.cost('openai/gpt-4o', { prompt_tokens: -1, completion_tokens: 1.5 }));
    expect(negative.map((d) => d.path)).toEqual(['/prompt_tokens', '/completion_tokens']);
  });

  it('throws GANTRY_ERR_NOT_FOUND for a model it does not know', () => {
    expect(() => shipped.cost('openai/gpt-404', { prompt_tokens: 1, completion_tokens: 1 })).toThrowError(
      expect.objectContaining({ code: 'GANTRY_ERR_NOT_FOUND' }),
    );
  });
});

describe('ModelCatalog.withOverrides', () => {
  it('changes a price in a new catalog and leaves the shipped one alone', () => {
    const next = shipped.withOverrides([{ id: 'openai/gpt-4o', price: { input: 2, as_of: '2026-11-01' } }]);
    const model = next.get('openai/gpt-4o');
    expect(model?.price).toMatchObject({ input: 2, output: 10, cache_read: 1.25, as_of: '2026-11-01' });
    expect(shipped.get('openai/gpt-4o')?.price.input).toBe(2.5);
    expect(next.cost('openai/gpt-4o', { prompt_tokens: 1_000_000, completion_tokens: 0 }).total).toBe(2);
    expect(next.size).toBe(shipped.size);
  });

  it('changes any other field, such as capabilities and aliases', () => {
    const next = shipped.withOverrides([
      { id: 'xai/grok-4.3', capabilities: { vision: true }, aliases: ['grok'], max_output_tokens: 64_000 },
    ]);
    expect(next.resolve('grok')?.id).toBe('xai/grok-4.3');
    expect(next.get('xai/grok-4.3')?.capabilities).toMatchObject({ vision: true, tools: true });
    expect(next.get('xai/grok-4.3')?.max_output_tokens).toBe(64_000);
  });

  it('adds a model, taking provider and model from the id when they are not given', () => {
    const { provider, model, ...rest } = custom({ aliases: ['house'] });
    expect([provider, model]).toEqual(['openai-compatible', 'house-llm']);
    const next = shipped.withOverrides([rest]);
    expect(next.size).toBe(shipped.size + 1);
    expect(next.resolve('house')?.model).toBe('house-llm');
    expect(next.cost('house', { prompt_tokens: 1_000_000, completion_tokens: 0 }).input).toBe(0.1);
  });

  it('rejects bad overrides with a detail per problem, applying none of them', () => {
    const details = validationDetails(() =>
      shipped.withOverrides([
        { id: 'openai/gpt-4o', price: { input: -1 } },
        { id: 'acme/new-model', display_name: 'Acme' },
        { id: 'openai/gpt-4o-mini', provider: 'anthropic' },
      ]),
    );
    const paths = details.map((d) => d.path);
    expect(paths).toContain('/overrides/0/price/input');
    expect(paths.some((p) => p?.startsWith('/overrides/1/'))).toBe(true);
    expect(details).toContainEqual({
      path: '/overrides/2/id',
      message: 'id must be "anthropic/gpt-4o-mini" (provider/model)',
    });
    expect(shipped.get('openai/gpt-4o')?.price.input).toBe(2.5);
  });

  it('rejects an override without an id, and a list that is not a list', () => {
    const missing = validationDetails(() => shipped.withOverrides([{ price: { input: 1 } } as never]));
    expect(missing[0]?.path).toBe('/overrides/0/id');
    const notList = validationDetails(() => shipped.withOverrides({} as never));
    expect(notList[0]?.path).toBe('/overrides');
  });

  it('rejects an alias that another model already uses', () => {
    const details = validationDetails(() =>
      shipped.withOverrides([{ id: 'openai/gpt-4o', aliases: ['anthropic/claude-sonnet-4-5'] }]),
    );
    expect(details[0]?.message).toMatch(/"anthropic\/claude-sonnet-4-5" is claimed by "openai\/gpt-4o" and "anthropic\/claude-sonnet-4-5-20250929"/);
  });
});
