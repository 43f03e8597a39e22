import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminApi, type ApiResponse, type TestApi } from './helpers.js';

let api: TestApi;
let teamA: string;
let teamB: string;
let adminA: string;
let viewerA: string;
/** Team B's and the organisation's AI resources, created by the org admin. */
const b = { providerId: '', keyId: '', aliasId: '' };
const org = { providerId: '', keyId: '', aliasId: '' };

function expectStatus(res: ApiResponse, status: number, code: string) {
  expect(res.status, res.text).toBe(status);
  expect(res.body.error.code).toBe(code);
}
const expectNotFound = (res: ApiResponse) => expectStatus(res, 404, 'GANTRY_ERR_NOT_FOUND');
const expectForbidden = (res: ApiResponse) => expectStatus(res, 403, 'GANTRY_ERR_FORBIDDEN');

beforeAll(async () => {
  api = await startAdminApi();
  teamA = await api.createTeam('team-a');
  teamB = await api.createTeam('team-b');
  adminA = (await api.createToken('team_admin', teamA)).token;
  viewerA = (await api.createToken('team_viewer', teamA)).token;
  b.providerId = (await api.post('/api/v1/ai/providers', { name: 'b-openai', kind: 'openai', team_id: teamB })).body.id;
  b.keyId = (await api.post(`/api/v1/ai/providers/${b.providerId}/keys`, { secret: 'sk-team-b-secret-0001' })).body.id;
  b.aliasId = (await api.post('/api/v1/ai/aliases', { name: 'b-alias', team_id: teamB, targets: [{ provider: 'b-openai', model: 'gpt-4o' }] })).body.id;
  org.providerId = (await api.post('/api/v1/ai/providers', { name: 'org-openai', kind: 'openai', team_id: null })).body.id;
  org.keyId = (await api.post(`/api/v1/ai/providers/${org.providerId}/keys`, { secret: 'sk-org-secret-0001' })).body.id;
  org.aliasId = (await api.post('/api/v1/ai/aliases', { name: 'org-alias', team_id: null, targets: [{ provider: 'org-openai', model: 'gpt-4o' }] })).body.id;
  for (const id of [b.providerId, b.keyId, b.aliasId, org.providerId, org.keyId, org.aliasId]) expect(id).toBeTruthy();
});
afterAll(async () => {
  await api.close();
});

describe('a team_admin and AI resources', () => {
  it("creates providers, keys and aliases in its own team by default", async () => {
    const provider = await api.post('/api/v1/ai/providers', { name: 'a-openai', kind: 'openai' }, adminA);
    expect(provider.status, provider.text).toBe(201);
    expect(provider.body.team_id).toBe(teamA);
    const key = await api.post(`/api/v1/ai/providers/${provider.body.id}/keys`, { secret: 'sk-team-a-secret-0001' }, adminA);
    expect(key.status, key.text).toBe(201);
    const alias = await api.post(
      '/api/v1/ai/aliases',
      { name: 'a-alias', targets: [{ provider: 'a-openai', model: 'gpt-4o' }, { provider: 'org-openai', model: 'gpt-4o-mini' }] },
      adminA,
    );
    expect(alias.status, alias.text).toBe(201);
    expect(alias.body.team_id).toBe(teamA);
    expect(alias.body.targets.map((t: { provider_id: string }) => t.provider_id)).toEqual([provider.body.id, org.providerId]);
  });

  it("sees its team's and the organisation's providers and aliases, never team B's", async () => {
    const providers = await api.get('/api/v1/ai/providers', adminA);
    expect(providers.body.data.map((p: { name: string }) => p.name).sort()).toEqual(['a-openai', 'org-openai']);
    const aliases = await api.get('/api/v1/ai/aliases', adminA);
    expect(aliases.body.data.map((a: { name: string }) => a.name).sort()).toEqual(['a-alias', 'org-alias']);
    expect((await api.get(`/api/v1/ai/providers/${org.providerId}`, adminA)).body.team_id).toBeNull();
    expect((await api.get(`/api/v1/ai/aliases/${org.aliasId}`, adminA)).body.targets[0].provider).toBe('org-openai');
    expect((await api.get(`/api/v1/ai/providers?team_id=${teamB}`, adminA)).body.data).toEqual([]);
  });

  it("gets 404 for team B's providers, keys and aliases on every operation", async () => {
    expectNotFound(await api.get(`/api/v1/ai/providers/${b.providerId}`, adminA));
    expectNotFound(await api.patch(`/api/v1/ai/providers/${b.providerId}`, { description: 'x' }, adminA));
    expectNotFound(await api.del(`/api/v1/ai/providers/${b.providerId}`, adminA));
    expectNotFound(await api.get(`/api/v1/ai/providers/${b.providerId}/keys`, adminA));
    expectNotFound(await api.post(`/api/v1/ai/providers/${b.providerId}/keys`, { secret: 'sk-x' }, adminA));
    expectNotFound(await api.get(`/api/v1/ai/keys/${b.keyId}`, adminA));
    expectNotFound(await api.patch(`/api/v1/ai/keys/${b.keyId}`, { enabled: false }, adminA));
    expectNotFound(await api.del(`/api/v1/ai/keys/${b.keyId}`, adminA));
    expectNotFound(await api.get(`/api/v1/ai/aliases/${b.aliasId}`, adminA));
    expectNotFound(await api.patch(`/api/v1/ai/aliases/${b.aliasId}`, { description: 'x' }, adminA));
    expectNotFound(await api.del(`/api/v1/ai/aliases/${b.aliasId}`, adminA));
    // nothing of team B changed
    expect((await api.get(`/api/v1/ai/providers/${b.providerId}`)).body.description).toBe('');
    expect((await api.get(`/api/v1/ai/keys/${b.keyId}`)).body.enabled).toBe(true);
  });

  it('reads organisation-wide providers and aliases but may not change them: 403', async () => {
    expectForbidden(await api.patch(`/api/v1/ai/providers/${org.providerId}`, { description: 'mine now' }, adminA));
    expectForbidden(await api.del(`/api/v1/ai/providers/${org.providerId}`, adminA));
    expectForbidden(await api.patch(`/api/v1/ai/aliases/${org.aliasId}`, { description: 'x' }, adminA));
    expectForbidden(await api.del(`/api/v1/ai/aliases/${org.aliasId}`, adminA));
    expect((await api.get(`/api/v1/ai/providers/${org.providerId}`)).body.description).toBe('');
  });

  it('cannot see or add keys of organisation-wide providers', async () => {
    expectForbidden(await api.get(`/api/v1/ai/providers/${org.providerId}/keys`, adminA));
    expectForbidden(await api.post(`/api/v1/ai/providers/${org.providerId}/keys`, { secret: 'sk-sneaky-0001' }, adminA));
    expectNotFound(await api.get(`/api/v1/ai/keys/${org.keyId}`, adminA));
    expectNotFound(await api.patch(`/api/v1/ai/keys/${org.keyId}`, { enabled: false }, adminA));
    expectNotFound(await api.del(`/api/v1/ai/keys/${org.keyId}`, adminA));
    expect((await api.get(`/api/v1/ai/providers/${org.providerId}/keys`)).body.data).toHaveLength(1);
  });

  it('may not create organisation-wide providers or aliases: 403, even with an invalid body', async () => {
    expectForbidden(await api.post('/api/v1/ai/providers', { name: 'org-2', kind: 'openai', team_id: null }, adminA));
    expectForbidden(await api.post('/api/v1/ai/providers', { name: 'org-3', kind: 'azure-openai', team_id: null }, adminA));
    expectForbidden(
      await api.post('/api/v1/ai/aliases', { name: 'org-2', team_id: null, targets: [{ provider: 'org-openai', model: 'x' }] }, adminA),
    );
  });

  it("cannot place a provider or alias in team B, nor target team B's provider", async () => {
    const provider = await api.post('/api/v1/ai/providers', { name: 'p', kind: 'openai', team_id: teamB }, adminA);
    expect(provider.status).toBe(400);
    expect(provider.body.error.details).toEqual([{ path: '/team_id', message: 'team not found' }]);
    const alias = await api.post('/api/v1/ai/aliases', { name: 'steal', targets: [{ provider: b.providerId, model: 'x' }] }, adminA);
    expect(alias.status).toBe(400);
    expect(alias.body.error.details[0].path).toBe('/targets/0/provider');
  });
});

describe('a team_viewer and AI resources', () => {
  it('reads but cannot write: 403', async () => {
    expect((await api.get('/api/v1/ai/providers', viewerA)).status).toBe(200);
    const own = (await api.get('/api/v1/ai/providers?name=a-openai', viewerA)).body.data[0];
    const attempts = [
      await api.post('/api/v1/ai/providers', { name: 'v', kind: 'openai' }, viewerA),
      await api.patch(`/api/v1/ai/providers/${own.id}`, { description: 'x' }, viewerA),
      await api.post(`/api/v1/ai/providers/${own.id}/keys`, { secret: 'sk-x' }, viewerA),
      await api.post('/api/v1/ai/aliases', { name: 'v', targets: [{ provider: 'a-openai', model: 'x' }] }, viewerA),
      await api.call('PUT', '/api/v1/ai/models/openai/gpt-4o', { body: {}, token: viewerA }),
    ];
    for (const res of attempts) expectForbidden(res);
  });
});
