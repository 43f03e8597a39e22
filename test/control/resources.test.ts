import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodies, startAdminApi, type TestApi } from './helpers.js';

let api: TestApi;
beforeAll(async () => {
  api = await startAdminApi();
});
afterAll(async () => {
  await api.close();
});

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

describe('teams', () => {
  it('creates, gets, lists, updates and deletes a team', async () => {
    const created = await api.post('/api/v1/teams', { name: 'payments', description: 'Money' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^team_/),
      name: 'payments',
      description: 'Money',
      created_at: expect.stringMatching(ISO),
      updated_at: expect.stringMatching(ISO),
    });
    const id = created.body.id;
    expect((await api.get(`/api/v1/teams/${id}`)).body).toEqual(created.body);
    const list = await api.get('/api/v1/teams?name=pay');
    expect(list.body).toEqual({ data: [created.body], next_cursor: null });
    const patched = await api.patch(`/api/v1/teams/${id}`, { description: 'Payments team' });
    expect(patched.status).toBe(200);
    expect(patched.body.description).toBe('Payments team');
    expect((await api.del(`/api/v1/teams/${id}`)).status).toBe(204);
    const gone = await api.get(`/api/v1/teams/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('GANTRY_ERR_NOT_FOUND');
  });

  it('refuses a duplicate team name with 409 and deleting a team that owns resources', async () => {
    const dup = await api.post('/api/v1/teams', { name: 'default' });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('GANTRY_ERR_CONFLICT');
    const teamId = (await api.post('/api/v1/teams', { name: 'owner' })).body.id;
    expect((await api.post('/api/v1/apps', { name: 'owned', team_id: teamId })).status).toBe(201);
    const del = await api.del(`/api/v1/teams/${teamId}`);
    expect(del.status).toBe(409);
    expect(del.body.error.code).toBe('GANTRY_ERR_IN_USE');
  });
});

describe('upstreams, services, routes and apps', () => {
  it('creates an upstream in the default team with the store defaults applied', async () => {
    const res = await api.post('/api/v1/upstreams', bodies.upstream('crud-ups'));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      id: expect.stringMatching(/^ups_/),
      team_id: api.defaultTeamId,
      name: 'crud-ups',
      description: '',
      algorithm: 'round-robin',
      targets: [{ url: 'http://127.0.0.1:9999', weight: 1 }],
      created_at: expect.stringMatching(ISO),
    });
    expect(res.body.health_checks).toBeTypeOf('object');
    const patched = await api.patch(`/api/v1/upstreams/${res.body.id}`, { algorithm: 'least-connections' });
    expect(patched.status).toBe(200);
    expect(patched.body.algorithm).toBe('least-connections');
    expect(patched.body.name).toBe('crud-ups');
    expect((await api.get(`/api/v1/upstreams/${res.body.id}`)).body).toEqual(patched.body);
  });

  it('runs the whole chain: upstream → service → route, then deletes in order', async () => {
    const ups = (await api.post('/api/v1/upstreams', bodies.upstream('chain-ups'))).body;
    const svc = await api.post('/api/v1/services', bodies.service(ups.id, 'chain-svc', { path: '/v1' }));
    expect(svc.status).toBe(201);
    expect(svc.body).toMatchObject({
      id: expect.stringMatching(/^svc_/),
      team_id: api.defaultTeamId,
      upstream_id: ups.id,
      path: '/v1',
      preserve_host: false,
      retries: 2,
      enabled: true,
      timeouts: { connect_ms: 5000, header_ms: 60_000, total_ms: 300_000 },
    });
    const rt = await api.post('/api/v1/routes', bodies.route(svc.body.id, 'chain-rt', ['/chain/:id'], { methods: ['GET'] }));
    expect(rt.status).toBe(201);
    expect(rt.body).toMatchObject({
      id: expect.stringMatching(/^rt_/),
      team_id: api.defaultTeamId,
      service_id: svc.body.id,
      paths: ['/chain/:id'],
      methods: ['GET'],
      hosts: [],
      strip_prefix: false,
      rewrite_path: null,
      enabled: true,
    });
    const byService = await api.get(`/api/v1/routes?service_id=${svc.body.id}`);
    expect(byService.body.data.map((r: { id: string }) => r.id)).toEqual([rt.body.id]);
    const patched = await api.patch(`/api/v1/routes/${rt.body.id}`, { enabled: false, rewrite_path: '/v2/:id' });
    expect(patched.body).toMatchObject({ enabled: false, rewrite_path: '/v2/:id' });

    // in use: the upstream serves the service, the service serves the route
    const upsDel = await api.del(`/api/v1/upstreams/${ups.id}`);
    expect(upsDel.status).toBe(409);
    expect(upsDel.body.error.code).toBe('GANTRY_ERR_IN_USE');
    const svcDel = await api.del(`/api/v1/services/${svc.body.id}`);
    expect(svcDel.status).toBe(409);
    expect(svcDel.body.error.code).toBe('GANTRY_ERR_IN_USE');
    expect((await api.get(`/api/v1/services/${svc.body.id}`)).status).toBe(200);

    expect((await api.del(`/api/v1/routes/${rt.body.id}`)).status).toBe(204);
    expect((await api.del(`/api/v1/services/${svc.body.id}`)).status).toBe(204);
    expect((await api.del(`/api/v1/upstreams/${ups.id}`)).status).toBe(204);
    expect((await api.get(`/api/v1/upstreams/${ups.id}`)).status).toBe(404);
    expect((await api.del(`/api/v1/upstreams/${ups.id}`)).status).toBe(404);
  });

  it('creates, renames and deletes an app', async () => {
    const app = await api.post('/api/v1/apps', { name: 'mobile', description: 'iOS and Android' });
    expect(app.status).toBe(201);
    expect(app.body).toEqual({
      id: expect.stringMatching(/^app_/),
      team_id: api.defaultTeamId,
      name: 'mobile',
      description: 'iOS and Android',
      ai_limits: {},
      created_at: expect.stringMatching(ISO),
      updated_at: expect.stringMatching(ISO),
    });
    expect((await api.patch(`/api/v1/apps/${app.body.id}`, { name: 'mobile-v2' })).body.name).toBe('mobile-v2');
    expect((await api.del(`/api/v1/apps/${app.body.id}`)).status).toBe(204);
    expect((await api.get(`/api/v1/apps/${app.body.id}`)).status).toBe(404);
  });

  it('refuses a duplicate name in the same team with 409', async () => {
    expect((await api.post('/api/v1/apps', { name: 'twice' })).status).toBe(201);
    const dup = await api.post('/api/v1/apps', { name: 'twice' });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('GANTRY_ERR_CONFLICT');
  });

  it('answers 404 for unknown ids on get, patch and delete', async () => {
    for (const kind of ['teams', 'upstreams', 'services', 'routes', 'apps', 'policies', 'keys', 'admin-tokens']) {
      const get = await api.get(`/api/v1/${kind}/x_missing`);
      expect(get.status, kind).toBe(404);
      expect(get.body.error.code).toBe('GANTRY_ERR_NOT_FOUND');
      expect((await api.del(`/api/v1/${kind}/x_missing`)).status, kind).toBe(404);
    }
    expect((await api.patch('/api/v1/apps/x_missing', { description: 'x' })).status).toBe(404);
  });
});

describe('pagination', () => {
  it('pages through a list with limit and cursor, in creation order', async () => {
    const teamId = (await api.post('/api/v1/teams', { name: 'paged' })).body.id;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await api.post('/api/v1/apps', { name: `page-${i}`, team_id: teamId })).body.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `team_id=${teamId}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await api.get(`/api/v1/apps?${query}`);
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data.map((a: { id: string }) => a.id));
      cursor = page.body.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(ids);
  });

  it('filters by name substring', async () => {
    const res = await api.get('/api/v1/apps?name=PAGE-3');
    expect(res.body.data.map((a: { name: string }) => a.name)).toEqual(['page-3']);
  });
});

describe('configuration checks and notifications', () => {
  it('rejects a route that conflicts with another with 409, writing nothing', async () => {
    const ups = (await api.post('/api/v1/upstreams', bodies.upstream('conf-ups'))).body;
    const svc = (await api.post('/api/v1/services', bodies.service(ups.id, 'conf-svc'))).body;
    const first = await api.post('/api/v1/routes', bodies.route(svc.id, 'conf-first', ['/conflict/:id'], { methods: ['GET'] }));
    expect(first.status).toBe(201);
    const before = await api.get('/api/v1/routes');
    const version = (await api.get('/api/v1/status')).body.config_version;
    const changes = api.configChanges();

    const second = await api.post('/api/v1/routes', bodies.route(svc.id, 'conf-second', ['/conflict/:id'], { methods: ['GET'] }));
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('GANTRY_ERR_CONFLICT');
    expect(second.body.error.message).toContain('conf-first');

    expect((await api.get('/api/v1/routes')).body).toEqual(before.body);
    expect((await api.get('/api/v1/status')).body.config_version).toBe(version);
    expect(api.configChanges()).toBe(changes);
  });

  it('rejects an update that would make two routes conflict, keeping the old values', async () => {
    const svc = (await api.get('/api/v1/services?name=conf-svc')).body.data[0];
    const other = await api.post('/api/v1/routes', bodies.route(svc.id, 'conf-other', ['/elsewhere'], { methods: ['GET'] }));
    expect(other.status).toBe(201);
    const res = await api.patch(`/api/v1/routes/${other.body.id}`, { paths: ['/conflict/:id'] });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('GANTRY_ERR_CONFLICT');
    expect((await api.get(`/api/v1/routes/${other.body.id}`)).body.paths).toEqual(['/elsewhere']);
  });

  it('calls onConfigChange once per committed mutation and not for reads or rejected writes', async () => {
    const start = api.configChanges();
    const app = await api.post('/api/v1/apps', { name: 'notify' });
    expect(api.configChanges()).toBe(start + 1);
    await api.patch(`/api/v1/apps/${app.body.id}`, { description: 'changed' });
    expect(api.configChanges()).toBe(start + 2);
    await api.get('/api/v1/apps');
    await api.post('/api/v1/apps', { name: 'notify' }); // duplicate: 409
    await api.del('/api/v1/apps/app_missing'); // 404
    expect(api.configChanges()).toBe(start + 2);
    await api.del(`/api/v1/apps/${app.body.id}`);
    expect(api.configChanges()).toBe(start + 3);
  });
});

describe('team resolution', () => {
  it('uses the team named default when an org admin omits team_id, and requires one when there is none', async () => {
    const bare = await startAdminApi({ withDefaultTeam: false });
    try {
      const res = await bare.post('/api/v1/apps', { name: 'orphan' });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('GANTRY_ERR_VALIDATION');
      expect(res.body.error.message).toMatch(/team_id is required/);
      expect(res.body.error.details).toEqual([{ path: '/team_id', message: 'is required' }]);
      const teamId = await bare.createTeam('other');
      expect((await bare.post('/api/v1/apps', { name: 'placed', team_id: teamId })).body.team_id).toBe(teamId);
    } finally {
      await bare.close();
    }
  });

  it("puts a service in its upstream's team when team_id is omitted", async () => {
    const teamId = (await api.post('/api/v1/teams', { name: 'svc-team' })).body.id;
    const ups = (await api.post('/api/v1/upstreams', bodies.upstream('team-ups', { team_id: teamId }))).body;
    expect(ups.team_id).toBe(teamId);
    const svc = await api.post('/api/v1/services', bodies.service(ups.id, 'team-svc'));
    expect(svc.status).toBe(201);
    expect(svc.body.team_id).toBe(teamId);
    const mismatch = await api.post('/api/v1/services', bodies.service(ups.id, 'team-svc2', { team_id: api.defaultTeamId }));
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error.details[0].path).toBe('/upstream_id');
  });
});

describe('ai services and app AI limits', () => {
  it('creates an ai service without an upstream, in the default team, and round-trips its settings', async () => {
    const res = await api.post('/api/v1/services', {
      name: 'llm',
      kind: 'ai',
      ai: { models: ['openai/gpt-4o', 'smart'], default_max_tokens: 4096, retries: 1 },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({
      id: expect.stringMatching(/^svc_/),
      team_id: api.defaultTeamId,
      kind: 'ai',
      upstream_id: null,
      ai: { models: ['openai/gpt-4o', 'smart'], default_max_tokens: 4096, retries: 1 },
    });
    expect((await api.get(`/api/v1/services/${res.body.id}`)).body).toEqual(res.body);
    const patched = await api.patch(`/api/v1/services/${res.body.id}`, { ai: { models: [] } });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body.ai).toEqual({ models: [] });
    expect((await api.get('/api/v1/services?name=llm')).body.data).toEqual([patched.body]);
    const ups = (await api.post('/api/v1/upstreams', bodies.upstream('llm-ups'))).body;
    const repoint = await api.patch(`/api/v1/services/${res.body.id}`, { upstream_id: ups.id });
    expect(repoint.status).toBe(400);
    expect(repoint.body.error.details).toEqual([{ path: '/upstream_id', message: 'must be absent or null when kind is ai' }]);
  });

  it("puts an ai service in the caller's team, and an http service still defaults to kind http", async () => {
    const teamId = await api.createTeam('ai-team');
    const { token } = await api.createToken('team_admin', teamId);
    const own = await api.post('/api/v1/services', { name: 'llm', kind: 'ai' }, token);
    expect(own.status, own.text).toBe(201);
    expect(own.body).toMatchObject({ team_id: teamId, upstream_id: null, ai: {} });
    const ups = (await api.post('/api/v1/upstreams', bodies.upstream('kind-ups'))).body;
    const http = await api.post('/api/v1/services', bodies.service(ups.id, 'kind-http'));
    expect(http.body).toMatchObject({ kind: 'http', upstream_id: ups.id, ai: {} });
  });

  it('refuses fields of the other kind and an http service without an upstream', async () => {
    const ups = (await api.post('/api/v1/upstreams', bodies.upstream('mixed-ups'))).body;
    const aiWithUpstream = await api.post('/api/v1/services', { name: 'mixed', kind: 'ai', upstream_id: ups.id });
    expect(aiWithUpstream.status).toBe(400);
    expect(aiWithUpstream.body.error.details).toEqual([{ path: '/upstream_id', message: 'must be absent or null when kind is ai' }]);
    const httpWithoutUpstream = await api.post('/api/v1/services', { name: 'mixed' });
    expect(httpWithoutUpstream.status).toBe(400);
    expect(httpWithoutUpstream.body.error.details[0]).toEqual({ path: '/upstream_id', message: 'is required' });
    const httpWithAi = await api.post('/api/v1/services', bodies.service(ups.id, 'mixed', { ai: { retries: 1 } }));
    expect(httpWithAi.status).toBe(400);
    expect(httpWithAi.body.error.details[0].path).toBe('/ai');

    const http = (await api.post('/api/v1/services', bodies.service(ups.id, 'mixed-http'))).body;
    const unset = await api.patch(`/api/v1/services/${http.id}`, { upstream_id: null });
    expect(unset.status).toBe(400);
    expect(unset.body.error.details[0].path).toBe('/upstream_id');
    const aiSettings = await api.patch(`/api/v1/services/${http.id}`, { ai: { models: [] } });
    expect(aiSettings.status).toBe(400);
    expect(aiSettings.body.error.details[0].path).toBe('/ai');
    const kind = await api.patch(`/api/v1/services/${http.id}`, { kind: 'ai' });
    expect(kind.status).toBe(400);
    expect(kind.body.error.details[0]).toMatchObject({ path: '/kind', message: expect.stringMatching(/not a known field/) });
  });

  it('round-trips app ai_limits, null meaning unlimited', async () => {
    const limits = { tokens_per_minute: 20_000, spend_per_day_usd: 12.5, spend_per_month_usd: null };
    const app = await api.post('/api/v1/apps', { name: 'limited', ai_limits: limits });
    expect(app.status, app.text).toBe(201);
    expect(app.body.ai_limits).toEqual(limits);
    expect((await api.get(`/api/v1/apps/${app.body.id}`)).body.ai_limits).toEqual(limits);
    const patched = await api.patch(`/api/v1/apps/${app.body.id}`, { ai_limits: { spend_per_month_usd: 300 } });
    expect(patched.status).toBe(200);
    expect(patched.body.ai_limits).toEqual({ spend_per_month_usd: 300 });
    const bad = await api.post('/api/v1/apps', { name: 'bad-limits', ai_limits: { tokens_per_minute: 0, requests: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['/ai_limits/requests', '/ai_limits/tokens_per_minute']);
  });
});
