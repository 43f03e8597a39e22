import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChain, startAdminApi, type ApiResponse, type TestApi } from './helpers.js';

let api: TestApi;
let chain: { upstreamId: string; serviceId: string; routeId: string };
beforeAll(async () => {
  api = await startAdminApi();
  chain = await createChain(api, 'pol');
});
afterAll(async () => {
  await api.close();
});

const deny = (cidr = '10.0.0.0/8') => ({ deny: [cidr] });

function expectValidation(res: ApiResponse, path: string) {
  expect(res.status, res.text).toBe(400);
  expect(res.body.error.code).toBe('GANTRY_ERR_VALIDATION');
  expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
}

describe('policy types', () => {
  it('lists the registry types with their JSON schemas', async () => {
    const res = await api.get('/api/v1/policy-types');
    expect(res.status).toBe(200);
    const ip = res.body.data.find((t: { type: string }) => t.type === 'ip-restriction');
    expect(ip).toMatchObject({ phases: ['access'], priority: expect.any(Number), description: expect.any(String) });
    expect(ip.schema).toMatchObject({ type: 'object', properties: { allow: { type: 'array' }, deny: { type: 'array' } } });
    expect(res.body.data.map((t: { type: string }) => t.type)).toContain('key-auth');
  });
});

describe('policies', () => {
  it('creates a route policy in the route team, named after its type by default', async () => {
    const res = await api.post('/api/v1/policies', { type: 'ip-restriction', scope: 'route', target_id: chain.routeId, config: deny() });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^pol_/),
      team_id: api.defaultTeamId,
      name: 'ip-restriction',
      type: 'ip-restriction',
      scope: 'route',
      target_id: chain.routeId,
      config: deny(),
      enabled: true,
      priority: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect((await api.get(`/api/v1/policies/${res.body.id}`)).body).toEqual(res.body);
  });

  it('creates service and global policies and filters lists by scope, target and type', async () => {
    const svc = await api.post('/api/v1/policies', {
      name: 'svc-cors',
      type: 'cors',
      scope: 'service',
      target_id: chain.serviceId,
      config: { origins: ['https://app.example.com'] },
      priority: 5,
    });
    expect(svc.status, svc.text).toBe(201);
    expect(svc.body).toMatchObject({ scope: 'service', team_id: api.defaultTeamId, priority: 5 });
    const global = await api.post('/api/v1/policies', { type: 'ip-restriction', scope: 'global', target_id: null, config: deny() });
    expect(global.status, global.text).toBe(201);
    expect(global.body).toMatchObject({ scope: 'global', team_id: null, target_id: null });

    const byScope = await api.get('/api/v1/policies?scope=global');
    expect(byScope.body.data.map((p: { id: string }) => p.id)).toEqual([global.body.id]);
    const byTarget = await api.get(`/api/v1/policies?target_id=${chain.serviceId}`);
    expect(byTarget.body.data.map((p: { id: string }) => p.id)).toEqual([svc.body.id]);
    const byType = await api.get('/api/v1/policies?type=cors');
    expect(byType.body.data.map((p: { id: string }) => p.id)).toEqual([svc.body.id]);
  });

  it('updates config, enabled and priority, checking the new config', async () => {
    const pol = (await api.get('/api/v1/policies?type=cors')).body.data[0];
    const ok = await api.patch(`/api/v1/policies/${pol.id}`, { enabled: false, priority: -1, config: { origins: ['*'] } });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body).toMatchObject({ enabled: false, priority: -1, config: { origins: ['*'] } });
    const bad = await api.patch(`/api/v1/policies/${pol.id}`, { config: { origins: [] } });
    expectValidation(bad, '/config/origins');
    expect((await api.get(`/api/v1/policies/${pol.id}`)).body.config).toEqual({ origins: ['*'] });
    const immutable = await api.patch(`/api/v1/policies/${pol.id}`, { scope: 'global' });
    expectValidation(immutable, '/scope');
  });

  it('rejects an invalid CIDR with a detail inside config', async () => {
    const changes = api.configChanges();
    const res = await api.post('/api/v1/policies', {
      type: 'ip-restriction',
      scope: 'route',
      target_id: chain.routeId,
      name: 'bad-cidr',
      config: { allow: ['10.0.0.0/33'] },
    });
    expectValidation(res, '/config/allow/0');
    expect(res.body.error.message).toMatch(/10\.0\.0\.0\/33/);
    expect(api.configChanges()).toBe(changes);
    expect((await api.get('/api/v1/policies?name=bad-cidr')).body.data).toEqual([]);
  });

  it('rejects options the type does not know', async () => {
    const res = await api.post('/api/v1/policies', {
      type: 'ip-restriction',
      scope: 'route',
      target_id: chain.routeId,
      config: { deny: ['10.0.0.1'], block: true },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toMatch(/^\/config/);
  });

  it('rejects an unknown policy type, listing the known ones', async () => {
    const res = await api.post('/api/v1/policies', { type: 'teleport', scope: 'route', target_id: chain.routeId, config: {} });
    expectValidation(res, '/type');
    expect(res.body.error.message).toMatch(/Unknown policy type 'teleport'; known types: .*ip-restriction/);
  });

  it('checks scope and target', async () => {
    const globalWithTarget = await api.post('/api/v1/policies', {
      type: 'ip-restriction',
      scope: 'global',
      target_id: chain.routeId,
      config: deny(),
    });
    expectValidation(globalWithTarget, '/target_id');
    const noTarget = await api.post('/api/v1/policies', { type: 'ip-restriction', scope: 'service', config: deny() });
    expectValidation(noTarget, '/target_id');
    const wrongKind = await api.post('/api/v1/policies', {
      type: 'ip-restriction',
      scope: 'service',
      target_id: chain.routeId,
      config: deny(),
    });
    expectValidation(wrongKind, '/target_id');
    expectValidation(await api.post('/api/v1/policies', { type: 'ip-restriction', scope: 'team', config: deny() }), '/scope');
  });

  it('refuses a second policy with the same name on the same target', async () => {
    const res = await api.post('/api/v1/policies', { type: 'ip-restriction', scope: 'route', target_id: chain.routeId, config: deny() });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('GANTRY_ERR_CONFLICT');
  });

  it('deletes a policy', async () => {
    const pol = (await api.get(`/api/v1/policies?target_id=${chain.routeId}`)).body.data[0];
    const changes = api.configChanges();
    expect((await api.del(`/api/v1/policies/${pol.id}`)).status).toBe(204);
    expect(api.configChanges()).toBe(changes + 1);
    expect((await api.get(`/api/v1/policies/${pol.id}`)).status).toBe(404);
  });
});
