import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminApi, type ApiResponse, type TestApi } from './helpers.js';

let api: TestApi;
let otherTeam: string;
/** Providers: two of the default team, one org-wide, one of another team. */
const p = { openai: '', anthropic: '', org: '', other: '' };
beforeAll(async () => {
  api = await startAdminApi();
  otherTeam = await api.createTeam('other');
  p.openai = (await api.post('/api/v1/ai/providers', { name: 'openai', kind: 'openai' })).body.id;
  p.anthropic = (await api.post('/api/v1/ai/providers', { name: 'anthropic', kind: 'anthropic' })).body.id;
  p.org = (await api.post('/api/v1/ai/providers', { name: 'shared', kind: 'groq', team_id: null })).body.id;
  p.other = (await api.post('/api/v1/ai/providers', { name: 'theirs', kind: 'openai', team_id: otherTeam })).body.id;
});
afterAll(async () => {
  await api.close();
});

function expectTargetError(res: ApiResponse, index: number) {
  expect(res.status, res.text).toBe(400);
  expect(res.body.error.code).toBe('GANTRY_ERR_VALIDATION');
  expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(`/targets/${index}/provider`);
}

describe('AI aliases', () => {
  let aliasId: string;

  it('resolves targets by provider name or id and presents both', async () => {
    const res = await api.post('/api/v1/ai/aliases', {
      name: 'smart',
      strategy: 'fallback',
      targets: [
        { provider: 'anthropic', model: 'claude-sonnet-4-5' },
        { provider: p.openai, model: 'gpt-4o', weight: 3 },
        { provider: 'shared', model: 'llama-3.3-70b-versatile' },
      ],
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^ali_/),
      team_id: api.defaultTeamId,
      name: 'smart',
      description: '',
      strategy: 'fallback',
      targets: [
        { provider_id: p.anthropic, provider: 'anthropic', model: 'claude-sonnet-4-5', weight: 1 },
        { provider_id: p.openai, provider: 'openai', model: 'gpt-4o', weight: 3 },
        { provider_id: p.org, provider: 'shared', model: 'llama-3.3-70b-versatile', weight: 1 },
      ],
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    aliasId = res.body.id;
    // stored with ids only
    const stored = await api.store.aiAliases.get('all', aliasId);
    expect(stored?.targets.map((t) => t.provider_id)).toEqual([p.anthropic, p.openai, p.org]);
    expect((await api.get(`/api/v1/ai/aliases/${aliasId}`)).body).toEqual(res.body);
    expect((await api.get('/api/v1/ai/aliases')).body).toEqual({ data: [res.body], next_cursor: null });
  });

  it('accepts alias names with slashes, colons and dots', async () => {
    const res = await api.post('/api/v1/ai/aliases', { name: 'team/chat:v1.2', targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] });
    expect(res.status, res.text).toBe(201);
    expect(res.body.name).toBe('team/chat:v1.2');
  });

  it('answers an unknown or invisible provider with 400 at /targets/N/provider', async () => {
    const unknown = await api.post('/api/v1/ai/aliases', {
      name: 'broken',
      targets: [
        { provider: 'openai', model: 'gpt-4o' },
        { provider: 'nope', model: 'x' },
      ],
    });
    expectTargetError(unknown, 1);
    expect(unknown.body.error.message).toMatch(/'nope'/);
    // another team's provider, by name and by id, reads as unknown
    expectTargetError(await api.post('/api/v1/ai/aliases', { name: 'broken', targets: [{ provider: 'theirs', model: 'x' }] }), 0);
    expectTargetError(await api.post('/api/v1/ai/aliases', { name: 'broken', targets: [{ provider: p.other, model: 'x' }] }), 0);
    expect((await api.get('/api/v1/ai/aliases?name=broken')).body.data).toEqual([]);
  });

  it('lets an organisation-wide alias use organisation-wide providers only', async () => {
    expectTargetError(
      await api.post('/api/v1/ai/aliases', { name: 'org-smart', team_id: null, targets: [{ provider: 'openai', model: 'gpt-4o' }] }),
      0,
    );
    const ok = await api.post('/api/v1/ai/aliases', { name: 'org-smart', team_id: null, targets: [{ provider: 'shared', model: 'm' }] });
    expect(ok.status, ok.text).toBe(201);
    expect(ok.body.team_id).toBeNull();
    expect(ok.body.targets[0]).toMatchObject({ provider_id: p.org, provider: 'shared' });
  });

  it("prefers the team's provider over an organisation-wide one of the same name", async () => {
    const orgTwin = (await api.post('/api/v1/ai/providers', { name: 'openai', kind: 'openai', team_id: null })).body;
    expect(orgTwin.team_id).toBeNull();
    const res = await api.post('/api/v1/ai/aliases', { name: 'twin', targets: [{ provider: 'openai', model: 'gpt-4o' }] });
    expect(res.body.targets[0].provider_id).toBe(p.openai);
    const org = await api.post('/api/v1/ai/aliases', { name: 'twin', team_id: null, targets: [{ provider: 'openai', model: 'gpt-4o' }] });
    expect(org.body.targets[0].provider_id).toBe(orgTwin.id);
  });

  it('re-resolves targets on PATCH and keeps them when not given', async () => {
    const renamed = await api.patch(`/api/v1/ai/aliases/${aliasId}`, { description: 'Best effort', strategy: 'weighted' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.targets).toHaveLength(3);
    const retargeted = await api.patch(`/api/v1/ai/aliases/${aliasId}`, { targets: [{ provider: p.anthropic, model: 'claude-haiku-4-5' }] });
    expect(retargeted.body.targets).toEqual([{ provider_id: p.anthropic, provider: 'anthropic', model: 'claude-haiku-4-5', weight: 1 }]);
    expectTargetError(await api.patch(`/api/v1/ai/aliases/${aliasId}`, { targets: [{ provider: 'theirs', model: 'x' }] }), 0);
  });

  it('keeps a provider an alias targets from being deleted', async () => {
    const res = await api.del(`/api/v1/ai/providers/${p.anthropic}`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('GANTRY_ERR_IN_USE');
    expect((await api.del(`/api/v1/ai/aliases/${aliasId}`)).status).toBe(204);
    expect((await api.get(`/api/v1/ai/aliases/${aliasId}`)).status).toBe(404);
    expect((await api.del(`/api/v1/ai/providers/${p.anthropic}`)).status).toBe(204);
  });

  it('validates alias bodies', async () => {
    const empty = await api.post('/api/v1/ai/aliases', { name: 'empty', targets: [] });
    expect(empty.status).toBe(400);
    expect(empty.body.error.details[0].path).toBe('/targets');
    const strategy = await api.post('/api/v1/ai/aliases', { name: 's', strategy: 'random', targets: [{ provider: 'openai', model: 'x' }] });
    expect(strategy.body.error.details[0]).toMatchObject({ path: '/strategy', message: expect.stringMatching(/fallback/) });
    const id = await api.post('/api/v1/ai/aliases', { name: 'i', targets: [{ provider_id: p.openai, model: 'x' }] });
    expect(id.status).toBe(400);
    expect(id.body.error.details.map((d: { path: string }) => d.path)).toContain('/targets/0/provider_id');
  });
});
