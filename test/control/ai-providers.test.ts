import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminApi, type ApiResponse, type TestApi } from './helpers.js';

let api: TestApi;
beforeAll(async () => {
  api = await startAdminApi();
});
afterAll(async () => {
  await api.close();
});

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function expectValidation(res: ApiResponse, path: string, message?: RegExp) {
  expect(res.status, res.text).toBe(400);
  expect(res.body.error.code).toBe('GANTRY_ERR_VALIDATION');
  const detail = res.body.error.details?.find((d: { path?: string }) => d.path === path);
  expect(detail, `no detail for ${path} in ${res.text}`).toBeDefined();
  if (message) expect(detail.message).toMatch(message);
}

describe('AI providers', () => {
  it('creates, gets, lists, updates and deletes a provider, with defaults applied', async () => {
    const changes = api.configChanges();
    const created = await api.post('/api/v1/ai/providers', { name: 'openai-main', kind: 'openai' });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^aip_/),
      team_id: api.defaultTeamId,
      name: 'openai-main',
      kind: 'openai',
      description: '',
      base_url: null,
      settings: {},
      enabled: true,
      created_at: expect.stringMatching(ISO),
      updated_at: expect.stringMatching(ISO),
    });
    expect(api.configChanges()).toBe(changes + 1);
    const id = created.body.id;
    expect((await api.get(`/api/v1/ai/providers/${id}`)).body).toEqual(created.body);
    const listed = await api.get('/api/v1/ai/providers?name=openai-main');
    expect(listed.body).toEqual({ data: [created.body], next_cursor: null });

    const patched = await api.patch(`/api/v1/ai/providers/${id}`, {
      description: 'Primary',
      settings: { timeout_ms: 30_000, headers: { 'OpenAI-Organization': 'org-1' } },
      enabled: false,
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body).toMatchObject({ description: 'Primary', enabled: false, settings: { timeout_ms: 30_000 } });

    expect((await api.del(`/api/v1/ai/providers/${id}`)).status).toBe(204);
    expect((await api.get(`/api/v1/ai/providers/${id}`)).status).toBe(404);
    expect((await api.del(`/api/v1/ai/providers/${id}`)).status).toBe(404);
  });

  it('creates an organisation-wide provider with team_id null (org_admin)', async () => {
    const res = await api.post('/api/v1/ai/providers', { name: 'anthropic-org', kind: 'anthropic', team_id: null });
    expect(res.status, res.text).toBe(201);
    expect(res.body.team_id).toBeNull();
  });

  it('refuses a duplicate name in the same team with 409', async () => {
    expect((await api.post('/api/v1/ai/providers', { name: 'twice', kind: 'groq' })).status).toBe(201);
    const dup = await api.post('/api/v1/ai/providers', { name: 'twice', kind: 'groq' });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('GANTRY_ERR_CONFLICT');
  });

  it('rejects an unknown kind and kind changes', async () => {
    expectValidation(await api.post('/api/v1/ai/providers', { name: 'x', kind: 'skynet' }), '/kind', /must be one of/);
    const p = (await api.post('/api/v1/ai/providers', { name: 'fixed-kind', kind: 'mistral' })).body;
    expectValidation(await api.patch(`/api/v1/ai/providers/${p.id}`, { kind: 'openai' }), '/kind', /not a known field/);
  });
});

describe('kind-specific provider settings', () => {
  it('requires base_url and settings.api_version for azure-openai, saying what to add', async () => {
    const res = await api.post('/api/v1/ai/providers', { name: 'azure', kind: 'azure-openai' });
    expectValidation(res, '/base_url', /required for kind azure-openai; add base_url/);
    expectValidation(res, '/settings/api_version', /add settings\.api_version/);
    expect(res.body.error.message).toMatch(/azure-openai provider needs base_url .* and settings\.api_version/);
    const ok = await api.post('/api/v1/ai/providers', {
      name: 'azure',
      kind: 'azure-openai',
      base_url: 'https://my-resource.openai.azure.com',
      settings: { api_version: '2024-10-21', deployments: { 'gpt-4o': 'prod-4o' } },
    });
    expect(ok.status, ok.text).toBe(201);
    expect(ok.body.settings).toEqual({ api_version: '2024-10-21', deployments: { 'gpt-4o': 'prod-4o' } });
  });

  it('requires settings.region for bedrock', async () => {
    expectValidation(await api.post('/api/v1/ai/providers', { name: 'bedrock', kind: 'bedrock' }), '/settings/region', /add settings\.region/);
    expectValidation(
      await api.post('/api/v1/ai/providers', { name: 'bedrock', kind: 'bedrock', settings: { region: 'Frankfurt' } }),
      '/settings/region',
      /must match pattern/,
    );
    const ok = await api.post('/api/v1/ai/providers', { name: 'bedrock', kind: 'bedrock', settings: { region: 'eu-central-1' } });
    expect(ok.status, ok.text).toBe(201);
  });

  it('requires base_url for vllm and openai-compatible, not for kinds with a public endpoint', async () => {
    for (const kind of ['vllm', 'openai-compatible']) {
      expectValidation(await api.post('/api/v1/ai/providers', { name: `self-${kind}`, kind }), '/base_url', /add base_url/);
      const ok = await api.post('/api/v1/ai/providers', { name: `self-${kind}`, kind, base_url: 'http://10.0.0.5:8000/v1' });
      expect(ok.status, ok.text).toBe(201);
    }
    for (const kind of ['gemini', 'deepseek', 'together', 'fireworks', 'openrouter', 'xai', 'ollama']) {
      expect((await api.post('/api/v1/ai/providers', { name: `pub-${kind}`, kind })).status, kind).toBe(201);
    }
  });

  it("refuses settings of another kind instead of ignoring them", async () => {
    const res = await api.post('/api/v1/ai/providers', { name: 'oai-region', kind: 'openai', settings: { region: 'us-east-1' } });
    expectValidation(res, '/settings/region', /applies to kind bedrock only/);
  });

  it('checks the merged result on PATCH: removing what the kind needs is refused', async () => {
    const azure = (await api.get('/api/v1/ai/providers?name=azure')).body.data[0];
    expectValidation(await api.patch(`/api/v1/ai/providers/${azure.id}`, { base_url: null }), '/base_url', /required for kind azure-openai/);
    expectValidation(await api.patch(`/api/v1/ai/providers/${azure.id}`, { settings: {} }), '/settings/api_version');
    const ok = await api.patch(`/api/v1/ai/providers/${azure.id}`, { description: 'EU' });
    expect(ok.status).toBe(200);
    expect(ok.body.settings.api_version).toBe('2024-10-21');
  });

  it('rejects a base_url that is not http(s)', async () => {
    expectValidation(await api.post('/api/v1/ai/providers', { name: 'ftp', kind: 'vllm', base_url: 'ftp://x' }), '/base_url');
  });
});
