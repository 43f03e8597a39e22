import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminApi, type ApiResponse, type TestApi } from './helpers.js';

let api: TestApi;
let openaiId: string;
let bedrockId: string;
/** Every plaintext secret sent to the API; none may come back. */
const plaintexts: string[] = [];
/** The sealed form of every key created, read from the store. */
const sealedForms: string[] = [];
async function rememberSealed(keyId: string): Promise<void> {
  const stored = await api.store.aiProviderKeys.get('all', keyId);
  if (stored) sealedForms.push(stored.sealed_secret);
}
beforeAll(async () => {
  api = await startAdminApi();
  openaiId = (await api.post('/api/v1/ai/providers', { name: 'oai', kind: 'openai' })).body.id;
  bedrockId = (await api.post('/api/v1/ai/providers', { name: 'aws', kind: 'bedrock', settings: { region: 'us-east-1' } })).body.id;
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

const SECRET = 'sk-proj-Zq8vR2mXc4TnLp9WfYb7KdHs3GjA6eUo1iNtQwEr5yVx';
const AWS = {
  access_key_id: 'AKIAIOSFODNN7EXAMPLE',
  secret_access_key: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  session_token: 'FwoGZXIvYXdzEXAMPLEsessiontoken',
};

describe('provider keys', () => {
  let keyId: string;

  it('stores a key sealed with the key id as AAD and never returns the secret, not even on creation', async () => {
    plaintexts.push(SECRET);
    const changes = api.configChanges();
    const res = await api.post(`/api/v1/ai/providers/${openaiId}/keys`, { name: 'primary', secret: SECRET, priority: 5 });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^aik_/),
      provider_id: openaiId,
      name: 'primary',
      hint: 'sk-pro…',
      priority: 5,
      enabled: true,
      status: 'active',
      status_reason: null,
      status_changed_at: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(api.configChanges()).toBe(changes + 1);
    keyId = res.body.id;
    await rememberSealed(keyId);

    const stored = await api.store.aiProviderKeys.get('all', keyId);
    expect(stored?.sealed_secret).toMatch(/^v1\./);
    expect(stored?.sealed_secret).not.toContain(SECRET);
    expect(api.secretBox.open(stored!.sealed_secret, keyId)).toBe(SECRET);
    // bound to its row: under another id it does not open
    expect(() => api.secretBox.open(stored!.sealed_secret, 'aik_other')).toThrow(/cannot be decrypted/);
  });

  it('gets, lists and updates the key with the hint only', async () => {
    const got = await api.get(`/api/v1/ai/keys/${keyId}`);
    expect(got.status).toBe(200);
    expect(got.body.hint).toBe('sk-pro…');
    expect(Object.keys(got.body)).not.toContain('secret');
    expect(Object.keys(got.body)).not.toContain('sealed_secret');
    const listed = await api.get(`/api/v1/ai/providers/${openaiId}/keys`);
    expect(listed.body).toEqual({ data: [got.body], next_cursor: null });
    const patched = await api.patch(`/api/v1/ai/keys/${keyId}`, { name: 'renamed', priority: 1 });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'renamed', priority: 1, enabled: true });
  });

  it('names a key after its id when no name is given, and keeps hints of short keys short', async () => {
    plaintexts.push('abcdefgh');
    const res = await api.post(`/api/v1/ai/providers/${openaiId}/keys`, { secret: 'abcdefgh' });
    expect(res.status, res.text).toBe(201);
    expect(res.body.name).toBe(`key-${res.body.id.slice(-6)}`);
    expect(res.body.hint).toBe('ab…');
    expect(res.body.priority).toBe(0);
    await rememberSealed(res.body.id);
  });

  it('takes AWS credentials for bedrock, sealed as JSON, hinted by the access key id', async () => {
    plaintexts.push(AWS.secret_access_key, AWS.session_token);
    const res = await api.post(`/api/v1/ai/providers/${bedrockId}/keys`, { aws: AWS });
    expect(res.status, res.text).toBe(201);
    expect(res.body.hint).toBe('…MPLE');
    await rememberSealed(res.body.id);
    const stored = await api.store.aiProviderKeys.get('all', res.body.id);
    expect(JSON.parse(api.secretBox.open(stored!.sealed_secret, res.body.id))).toEqual(AWS);
  });

  it('requires exactly the credential form of the provider kind', async () => {
    expectValidation(await api.post(`/api/v1/ai/providers/${openaiId}/keys`, {}), '/secret', /is required/);
    expectValidation(await api.post(`/api/v1/ai/providers/${openaiId}/keys`, { secret: 'sk-x', aws: AWS }), '/aws', /only used by kind bedrock/);
    expectValidation(await api.post(`/api/v1/ai/providers/${openaiId}/keys`, { aws: AWS }), '/aws');
    expectValidation(await api.post(`/api/v1/ai/providers/${bedrockId}/keys`, { secret: 'sk-x' }), '/secret', /send aws/);
    expectValidation(await api.post(`/api/v1/ai/providers/${bedrockId}/keys`, {}), '/aws', /required for kind bedrock/);
    expectValidation(
      await api.post(`/api/v1/ai/providers/${bedrockId}/keys`, { aws: { access_key_id: AWS.access_key_id } }),
      '/aws/secret_access_key',
      /is required/,
    );
    expectValidation(await api.post(`/api/v1/ai/providers/${openaiId}/keys`, { secret: '' }), '/secret');
    expectValidation(await api.post(`/api/v1/ai/providers/${openaiId}/keys`, { secret: ' sk-padded\n' }), '/secret', /whitespace/);
    expectValidation(await api.post(`/api/v1/ai/providers/${openaiId}/keys`, { secret: 'sk-a\r\nX-Evil: 1' }), '/secret', /control/);
    expectValidation(await api.post(`/api/v1/ai/providers/${openaiId}/keys`, { secret: 'sk-x', sealed_secret: 'v1.a.b' }), '/sealed_secret');
  });

  it('answers 404 for keys of a provider that does not exist', async () => {
    expect((await api.get('/api/v1/ai/providers/aip_missing/keys')).status).toBe(404);
    expect((await api.post('/api/v1/ai/providers/aip_missing/keys', { secret: 'sk-x' })).status).toBe(404);
    for (const method of ['GET', 'DELETE'] as const) expect((await api.call(method, '/api/v1/ai/keys/aik_missing')).status).toBe(404);
    expect((await api.patch('/api/v1/ai/keys/aik_missing', { enabled: false })).status).toBe(404);
  });

  it('shows a key the data plane disabled after a 401 as auth_failed, and re-arms it on enabled: true', async () => {
    await api.store.aiProviderKeys.setStatus(keyId, 'auth_failed', 'provider answered 401: invalid api key');
    const flagged = await api.get(`/api/v1/ai/keys/${keyId}`);
    expect(flagged.body).toMatchObject({
      status: 'auth_failed',
      status_reason: 'provider answered 401: invalid api key',
      status_changed_at: expect.any(String),
    });
    const listed = await api.get(`/api/v1/ai/providers/${openaiId}/keys`);
    expect(listed.body.data.find((k: { id: string }) => k.id === keyId).status).toBe('auth_failed');
    const rearmed = await api.patch(`/api/v1/ai/keys/${keyId}`, { enabled: true });
    expect(rearmed.status).toBe(200);
    expect(rearmed.body).toMatchObject({ enabled: true, status: 'active', status_reason: null });
  });

  it('deletes a key, and a provider with its keys', async () => {
    expect((await api.del(`/api/v1/ai/keys/${keyId}`)).status).toBe(204);
    expect((await api.get(`/api/v1/ai/keys/${keyId}`)).status).toBe(404);
    const provider = (await api.post('/api/v1/ai/providers', { name: 'short-lived', kind: 'deepseek' })).body;
    plaintexts.push('sk-deepseek-0123456789');
    const key = (await api.post(`/api/v1/ai/providers/${provider.id}/keys`, { secret: 'sk-deepseek-0123456789' })).body;
    await rememberSealed(key.id);
    expect((await api.del(`/api/v1/ai/providers/${provider.id}`)).status).toBe(204);
    expect((await api.get(`/api/v1/ai/keys/${key.id}`)).status).toBe(404);
  });

  it('never sent a secret or its sealed form in any response', async () => {
    for (const path of [`/api/v1/ai/providers/${openaiId}/keys`, `/api/v1/ai/providers/${bedrockId}/keys`, '/api/v1/openapi.json']) {
      expect((await api.get(path)).status).toBe(200);
    }
    expect(sealedForms).toHaveLength(4);
    const forbidden = [...plaintexts, ...sealedForms];
    expect(api.recorded.length).toBeGreaterThan(20);
    for (const response of api.recorded) {
      if (response.status < 300 && response.path.startsWith('/api/v1/ai/')) {
        expect(response.text).not.toMatch(/sealed_secret|"secret":|"aws":/);
      }
      for (const value of forbidden) expect(response.text.includes(value), `${response.method} ${response.path}`).toBe(false);
    }
  });
});
