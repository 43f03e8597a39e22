import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelCatalog } from '../../src/ai/catalog/index.js';
import { startAdminApi, type ApiResponse, type TestApi } from './helpers.js';

let api: TestApi;
let teamAdmin: string;
const shipped = ModelCatalog.shipped();
beforeAll(async () => {
  api = await startAdminApi();
  teamAdmin = (await api.createToken('team_admin', api.defaultTeamId)).token;
});
afterAll(async () => {
  await api.close();
});

function expectValidation(res: ApiResponse, path: string, message?: RegExp) {
  expect(res.status, res.text).toBe(400);
  expect(res.body.error.code).toBe('GANTRY_ERR_VALIDATION');
  const detail = res.body.error.details?.find((d: { path?: string }) => d.path === path);
  expect(detail, `no detail for ${path} in ${res.text}`).toBeDefined();
  if (message) expect(detail.message).toMatch(message);
}

const put = (id: string, body: unknown, token?: string) => api.call('PUT', `/api/v1/ai/models/${id}`, { body, token });

const BEDROCK = 'bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0';
const NESTED = 'together/meta-llama/Llama-3.3-70B-Instruct-Turbo';

describe('model catalog', () => {
  it('lists the shipped catalog by id, in pages', async () => {
    const first = await api.get('/api/v1/ai/models');
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(100);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page: ApiResponse = await api.get(`/api/v1/ai/models?limit=40${cursor ? `&cursor=${cursor}` : ''}`);
      ids.push(...page.body.data.map((m: { id: string }) => m.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(ids).toEqual(shipped.list().map((m) => m.id).sort());
    expect(first.body.data[0]).toEqual({ ...shipped.get(first.body.data[0].id), overridden: false });
  });

  it('filters by provider and mode, and validates the query', async () => {
    const bedrock = await api.get('/api/v1/ai/models?provider=bedrock&limit=500');
    expect(bedrock.body.data.length).toBe(shipped.list({ provider: 'bedrock' }).length);
    expect(bedrock.body.data.every((m: { provider: string }) => m.provider === 'bedrock')).toBe(true);
    const embeddings = await api.get('/api/v1/ai/models?mode=embedding&limit=500');
    expect(embeddings.body.data.length).toBe(shipped.list({ mode: 'embedding' }).length);
    expectValidation(await api.get('/api/v1/ai/models?provider=skynet'), '/provider');
    expectValidation(await api.get('/api/v1/ai/models?mode=image'), '/mode');
    expectValidation(await api.get('/api/v1/ai/models?cursor=garbage'), '/cursor');
  });

  it('gets a model whose id has slashes, colons and dots', async () => {
    for (const id of [BEDROCK, NESTED, 'openai/gpt-4o']) {
      const res = await api.get(`/api/v1/ai/models/${id}`);
      expect(res.status, id).toBe(200);
      expect(res.body).toEqual({ ...shipped.get(id), overridden: false });
    }
    const encoded = await api.get(`/api/v1/ai/models/${encodeURIComponent(BEDROCK.slice('bedrock/'.length)).replace(/^/, 'bedrock/')}`);
    expect(encoded.body.id).toBe(BEDROCK);
    const missing = await api.get('/api/v1/ai/models/openai/gpt-0');
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toMatch(/openai\/gpt-0/);
  });
});

describe('model overrides', () => {
  it('overrides part of a shipped model (org_admin), merged into its price', async () => {
    const changes = api.configChanges();
    const res = await put(BEDROCK, { price: { input: 2.5, as_of: '2026-01-01' }, notes: 'negotiated' });
    expect(res.status, res.text).toBe(200);
    const original = shipped.get(BEDROCK)!;
    expect(res.body).toEqual({
      ...original,
      price: { ...original.price, input: 2.5, as_of: '2026-01-01' },
      notes: 'negotiated',
      overridden: true,
    });
    expect(api.configChanges()).toBe(changes + 1);
    expect((await api.store.aiModels.get(BEDROCK))?.data).toEqual({ price: { input: 2.5, as_of: '2026-01-01' }, notes: 'negotiated' });
    expect((await api.get(`/api/v1/ai/models/${BEDROCK}`)).body).toEqual(res.body);
    const listed = await api.get('/api/v1/ai/models?provider=bedrock&limit=500');
    expect(listed.body.data.find((m: { id: string }) => m.id === BEDROCK).overridden).toBe(true);
  });

  it('replaces the stored override on a second PUT', async () => {
    const res = await put(BEDROCK, { price: { output: 20 } });
    expect(res.body.price.input).toBe(shipped.get(BEDROCK)!.price.input);
    expect(res.body.price.output).toBe(20);
    expect(res.body.notes).toBe(shipped.get(BEDROCK)!.notes);
  });

  it('adds a complete new model, and refuses an incomplete one with the catalog details', async () => {
    const incomplete = await put('openai/gpt-house', { display_name: 'House' });
    expect(incomplete.status, incomplete.text).toBe(400);
    expect(incomplete.body.error.code).toBe('GANTRY_ERR_VALIDATION');
    expect(incomplete.body.error.message).toMatch(/openai\/gpt-house/);
    const paths = incomplete.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toContain('/price');
    expect(paths.every((p: string) => !p.startsWith('/overrides'))).toBe(true);

    const complete = {
      display_name: 'House model',
      mode: 'chat',
      context_window: 32_000,
      max_output_tokens: 4096,
      capabilities: { tools: true, vision: false, json_mode: true, json_schema: false, streaming: true, reasoning: false },
      price: { input: 0.1, output: 0.2, cache_read: null, cache_write: null, currency: 'USD', source: 'internal', as_of: '2026-02-01' },
    };
    const added = await put('openai/gpt-house', complete);
    expect(added.status, added.text).toBe(200);
    expect(added.body).toMatchObject({ id: 'openai/gpt-house', provider: 'openai', model: 'gpt-house', overridden: true });
    expect((await api.get('/api/v1/ai/models/openai/gpt-house')).status).toBe(200);
  });

  it('validates override bodies with the schema and the catalog rules', async () => {
    expectValidation(await put('openai/gpt-4o', { price: { input: -1 } }), '/price/input');
    expectValidation(await put('openai/gpt-4o', { id: 'openai/gpt-4o' }), '/id', /not a known field/);
    expectValidation(await put('openai/gpt-4o', { mode: 'image' }), '/mode');
    expectValidation(await put('openai/gpt-4o', { model: 'gpt-4o-renamed' }), '/id', /provider\/model/);
    // an alias that is already another model's id
    expectValidation(await put('openai/gpt-4o-mini', { aliases: ['openai/gpt-4o'] }), '/aliases', /already a model id/);
    expect((await api.store.aiModels.get('openai/gpt-4o-mini'))).toBeUndefined();
  });

  it('deletes an override: the shipped model applies again; an added model disappears', async () => {
    expect((await api.del(`/api/v1/ai/models/${BEDROCK}`)).status).toBe(204);
    expect((await api.get(`/api/v1/ai/models/${BEDROCK}`)).body).toEqual({ ...shipped.get(BEDROCK), overridden: false });
    const again = await api.del(`/api/v1/ai/models/${BEDROCK}`);
    expect(again.status).toBe(404);
    expect(again.body.error.message).toMatch(/no stored override/);
    expect((await api.del('/api/v1/ai/models/openai/gpt-house')).status).toBe(204);
    expect((await api.get('/api/v1/ai/models/openai/gpt-house')).status).toBe(404);
  });

  it('lets team tokens read the catalog but not change it', async () => {
    expect((await api.get('/api/v1/ai/models?limit=1', teamAdmin)).status).toBe(200);
    expect((await api.get(`/api/v1/ai/models/${NESTED}`, teamAdmin)).status).toBe(200);
    for (const res of [
      await put('openai/gpt-4o', { notes: 'x' }, teamAdmin),
      await api.del('/api/v1/ai/models/openai/gpt-4o', teamAdmin),
      await api.post('/api/v1/ai/models/import', {}, teamAdmin),
    ]) {
      expect(res.status, res.text).toBe(403);
      expect(res.body.error.code).toBe('GANTRY_ERR_FORBIDDEN');
    }
  });
});

/** A few entries in LiteLLM's model_prices_and_context_window.json format. */
const LITELLM = {
  sample_spec: { litellm_provider: 'one of https://docs.litellm.ai/docs/providers', mode: 'chat' },
  'gpt-4o': {
    litellm_provider: 'openai',
    mode: 'chat',
    max_input_tokens: 128000,
    max_output_tokens: 16384,
    input_cost_per_token: 0.0000025,
    output_cost_per_token: 0.00001,
    cache_read_input_token_cost: 0.00000125,
    supports_function_calling: true,
    supports_vision: true,
  },
  'gpt-imported': {
    litellm_provider: 'openai',
    mode: 'chat',
    max_input_tokens: 64000,
    max_output_tokens: 8000,
    input_cost_per_token: 0.0000003,
    output_cost_per_token: 0.0000012,
  },
  'text-embedding-imported': { litellm_provider: 'openai', mode: 'embedding', max_input_tokens: 8191, input_cost_per_token: 0.00000002 },
  'claude-opus-4-5': {
    litellm_provider: 'anthropic',
    mode: 'chat',
    max_input_tokens: 200000,
    max_output_tokens: 64000,
    input_cost_per_token: 0.000005,
    output_cost_per_token: 0.000025,
  },
  'claude-imported': {
    litellm_provider: 'anthropic',
    mode: 'chat',
    max_input_tokens: 200000,
    max_output_tokens: 8192,
    input_cost_per_token: 0.000001,
    output_cost_per_token: 0.000005,
  },
  'dall-e-3': { litellm_provider: 'openai', mode: 'image_generation', input_cost_per_pixel: 0.0000000382 },
  'sagemaker/some-model': { litellm_provider: 'sagemaker', mode: 'chat', input_cost_per_token: 0, output_cost_per_token: 0 },
  'mistral/mistral-large-latest': {
    litellm_provider: 'mistral',
    mode: 'chat',
    max_input_tokens: 128000,
    input_cost_per_token: 0.000002,
    output_cost_per_token: 0.000006,
  },
};

describe('LiteLLM price import', () => {
  it('stores each imported model as an override and reports what it skipped', async () => {
    const changes = api.configChanges();
    const res = await api.post('/api/v1/ai/models/import?providers=openai,anthropic', LITELLM);
    expect(res.status, res.text).toBe(200);
    expect(res.body.imported).toBe(4);
    const reasons = Object.fromEntries(res.body.skipped.map((s: { key: string; reason: string }) => [s.key, s.reason]));
    expect(Object.keys(reasons).sort()).toEqual(
      ['anthropic/claude-opus-4-5', 'dall-e-3', 'mistral/mistral-large-latest', 'sagemaker/some-model'].sort(),
    );
    expect(reasons['anthropic/claude-opus-4-5']).toMatch(/alias of the catalog model "anthropic\/claude-opus-4-5-20251101"/);
    expect(reasons['mistral/mistral-large-latest']).toMatch(/not requested/);
    expect(reasons['dall-e-3']).toMatch(/mode/);
    expect(api.configChanges()).toBe(changes + 1);

    const stored = (await api.store.aiModels.list()).map((r) => r.id).sort();
    expect(stored).toEqual(['anthropic/claude-imported', 'openai/gpt-4o', 'openai/gpt-imported', 'openai/text-embedding-imported']);
    const imported = await api.get('/api/v1/ai/models/openai/gpt-imported');
    expect(imported.body).toMatchObject({
      mode: 'chat',
      context_window: 64000,
      overridden: true,
      price: { input: 0.3, output: 1.2, source: 'litellm-import' },
    });
    const gpt4o = await api.get('/api/v1/ai/models/openai/gpt-4o');
    expect(gpt4o.body.price).toMatchObject({ input: 2.5, output: 10, cache_read: 1.25, source: 'litellm-import' });
  });

  it('imports every mapped provider without a filter', async () => {
    const res = await api.post('/api/v1/ai/models/import', LITELLM);
    expect(res.status, res.text).toBe(200);
    expect(res.body.imported).toBe(5);
    expect((await api.get('/api/v1/ai/models/mistral/mistral-large-latest')).body.overridden).toBe(true);
  });

  it('validates the provider filter and the body', async () => {
    expectValidation(await api.post('/api/v1/ai/models/import?providers=openai,skynet', LITELLM), '/providers', /openai/);
    expectValidation(await api.post('/api/v1/ai/models/import?providers=', LITELLM), '/providers');
    const array = await api.post('/api/v1/ai/models/import', [LITELLM]);
    expect(array.status).toBe(400);
    expect(array.body.error.code).toBe('GANTRY_ERR_VALIDATION');
  });

  it('accepts a price file over 1 MiB on this route only, up to 20 MiB', async () => {
    const big: Record<string, unknown> = { ...LITELLM };
    for (let i = 0; i < 4000; i++) big[`padding-${i}`] = { litellm_provider: 'sagemaker', mode: 'chat', notes: 'x'.repeat(400) };
    const text = JSON.stringify(big);
    expect(text.length).toBeGreaterThan(1024 * 1024);
    const ok = await api.call('POST', '/api/v1/ai/models/import', { raw: text, contentType: 'application/json' });
    expect(ok.status, ok.text.slice(0, 300)).toBe(200);
    expect(ok.body.skipped.length).toBeGreaterThan(4000);

    const tooBig = await api.call('POST', '/api/v1/ai/models/import', {
      raw: JSON.stringify({ pad: 'x'.repeat(21 * 1024 * 1024) }),
      contentType: 'application/json',
    });
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.error.code).toBe('GANTRY_ERR_BODY_TOO_LARGE');
    expect(tooBig.body.error.message).toMatch(/20 MiB/);
    // other routes keep the 1 MiB limit
    const app = await api.post('/api/v1/apps', { name: 'big', description: 'x'.repeat(1024 * 1024) });
    expect(app.status).toBe(413);
    expect(app.body.error.message).toMatch(/1 MiB/);
  });
});
