import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../src/core/ids.js';
import { startAdminApi, type TestApi } from './helpers.js';

let api: TestApi;
let appId: string;
/** Every secret the API handed out, with its hash. */
const secrets: string[] = [];
beforeAll(async () => {
  api = await startAdminApi();
  appId = (await api.post('/api/v1/apps', { name: 'keyed' })).body.id;
  secrets.push(api.orgToken);
});
afterAll(async () => {
  await api.close();
});

describe('API keys', () => {
  let keyId: string;
  let secret: string;

  it('shows the key once, on creation, with its hint', async () => {
    const res = await api.post(`/api/v1/apps/${appId}/keys`, { name: 'primary' });
    expect(res.status).toBe(201);
    secret = res.body.key;
    secrets.push(secret);
    keyId = res.body.id;
    expect(secret).toMatch(/^gk_[A-Za-z0-9_-]{43}$/);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^key_/),
      team_id: api.defaultTeamId,
      app_id: appId,
      name: 'primary',
      hint: secret.slice(0, 9),
      enabled: true,
      expires_at: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
      key: secret,
    });
    // the store keeps the hash, and only the hash
    const stored = await api.store.apiKeys.get('all', keyId);
    expect(stored?.key_hash).toBe(hashSecret(secret));
  });

  it('never shows the key again: get, list and patch carry the hint only', async () => {
    const got = await api.get(`/api/v1/keys/${keyId}`);
    expect(got.status).toBe(200);
    expect(got.body.key).toBeUndefined();
    expect(got.body.key_hash).toBeUndefined();
    expect(got.body.hint).toBe(secret.slice(0, 9));
    const listed = await api.get(`/api/v1/apps/${appId}/keys`);
    expect(listed.body.data).toEqual([got.body]);
    const all = await api.get(`/api/v1/keys?app_id=${appId}`);
    expect(all.body.data).toEqual([got.body]);
    const patched = await api.patch(`/api/v1/keys/${keyId}`, {
      enabled: false,
      name: 'renamed',
      expires_at: '2099-01-01T00:00:00.000Z',
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ enabled: false, name: 'renamed', expires_at: '2099-01-01T00:00:00.000Z' });
    expect(patched.body.key).toBeUndefined();
  });

  it('creates a key from an empty POST with a generated name', async () => {
    const res = await api.call('POST', `/api/v1/apps/${appId}/keys`);
    expect(res.status).toBe(201);
    secrets.push(res.body.key);
    expect(res.body.name).toMatch(/^key-/);
  });

  it('answers 404 for keys of an app that does not exist', async () => {
    expect((await api.post('/api/v1/apps/app_missing/keys', {})).status).toBe(404);
    expect((await api.get('/api/v1/apps/app_missing/keys')).status).toBe(404);
  });

  it('deletes a key and notifies the data plane', async () => {
    const changes = api.configChanges();
    expect((await api.del(`/api/v1/keys/${keyId}`)).status).toBe(204);
    expect(api.configChanges()).toBe(changes + 1);
    expect((await api.get(`/api/v1/keys/${keyId}`)).status).toBe(404);
  });
});

describe('admin tokens', () => {
  it('creates a team token, shows it once and lets it authenticate', async () => {
    const res = await api.post('/api/v1/admin-tokens', { name: 'ci', role: 'team_admin', team_id: api.defaultTeamId });
    expect(res.status).toBe(201);
    const token: string = res.body.token;
    secrets.push(token);
    expect(token).toMatch(/^gadm_/);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^adm_/),
      name: 'ci',
      role: 'team_admin',
      team_id: api.defaultTeamId,
      hint: token.slice(0, 11),
      expires_at: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
      token,
    });
    expect((await api.get('/api/v1/apps', token)).status).toBe(200);
    const got = await api.get(`/api/v1/admin-tokens/${res.body.id}`);
    expect(got.body.token).toBeUndefined();
    expect(got.body.token_hash).toBeUndefined();
    const listed = await api.get('/api/v1/admin-tokens');
    expect(listed.body.next_cursor).toBeNull();
    expect(listed.body.data.map((t: { name: string }) => t.name)).toEqual(['bootstrap', 'ci']);
  });

  it('does not notify the data plane about admin tokens', async () => {
    const changes = api.configChanges();
    const res = await api.post('/api/v1/admin-tokens', { name: 'quiet', role: 'org_admin' });
    secrets.push(res.body.token);
    expect(api.configChanges()).toBe(changes);
  });

  it('requires team_id for team roles and refuses it for org_admin', async () => {
    const noTeam = await api.post('/api/v1/admin-tokens', { name: 'x', role: 'team_viewer' });
    expect(noTeam.status).toBe(400);
    expect(noTeam.body.error.details).toEqual([{ path: '/team_id', message: 'is required when role is team_viewer' }]);
    const orgWithTeam = await api.post('/api/v1/admin-tokens', { name: 'x', role: 'org_admin', team_id: api.defaultTeamId });
    expect(orgWithTeam.status).toBe(400);
    expect(orgWithTeam.body.error.details[0].path).toBe('/team_id');
  });

  it('pages the token list', async () => {
    const first = await api.get('/api/v1/admin-tokens?limit=1');
    expect(first.body.data).toHaveLength(1);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await api.get(`/api/v1/admin-tokens?limit=1&cursor=${first.body.next_cursor}`);
    expect(second.body.data[0].id > first.body.data[0].id).toBe(true);
  });

  it('refuses to delete the last usable org_admin token', async () => {
    const fresh = await startAdminApi();
    try {
      const tokens = await fresh.get('/api/v1/admin-tokens');
      const only = tokens.body.data.find((t: { role: string }) => t.role === 'org_admin');
      // an expired org admin token does not count as a way back in
      await fresh.createToken('org_admin', null, { expiresAt: '2000-01-01T00:00:00.000Z' });
      const res = await fresh.del(`/api/v1/admin-tokens/${only.id}`);
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('GANTRY_ERR_CONFLICT');
      expect(res.body.error.message).toMatch(/last usable org_admin token/);
      expect((await fresh.get('/api/v1/teams')).status).toBe(200);

      const second = await fresh.post('/api/v1/admin-tokens', { name: 'second', role: 'org_admin' });
      expect(second.status).toBe(201);
      // a token may delete itself when it is not the last one
      expect((await fresh.del(`/api/v1/admin-tokens/${only.id}`)).status).toBe(204);
      expect((await fresh.get('/api/v1/teams')).status).toBe(401);
      const last = await fresh.del(`/api/v1/admin-tokens/${second.body.id}`, second.body.token);
      expect(last.status).toBe(409);
    } finally {
      await fresh.close();
    }
  });
});

describe('no secret leaks', () => {
  it('never returns a hash, and returns secrets only in the create responses', async () => {
    // touch every read endpoint once more so the record covers them
    for (const path of ['/api/v1/admin-tokens', '/api/v1/keys', `/api/v1/apps/${appId}/keys`, '/api/v1/openapi.json']) {
      expect((await api.get(path)).status).toBe(200);
    }
    const forbidden = secrets.flatMap((s) => [s, hashSecret(s)]);
    const isCreate = (r: { method: string; path: string; status: number }) =>
      r.method === 'POST' && r.status === 201 && (r.path === '/api/v1/admin-tokens' || r.path.endsWith('/keys'));
    expect(api.recorded.length).toBeGreaterThan(20);
    for (const response of api.recorded) {
      expect(response.text).not.toMatch(/key_hash|token_hash/);
      if (isCreate(response)) {
        expect(forbidden.filter((f) => response.text.includes(f))).toHaveLength(1);
        continue;
      }
      for (const value of forbidden) expect(response.text.includes(value), `${response.method} ${response.path}`).toBe(false);
    }
  });
});
