import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodies, createChain, startAdminApi, type ApiResponse, type TestApi } from './helpers.js';

let api: TestApi;
let teamA: string;
let teamB: string;
let adminA: string;
let viewerA: string;
/** Team B's resources, created by the org admin. */
const b = { upstreamId: '', serviceId: '', routeId: '', appId: '', keyId: '', policyId: '', tokenId: '' };

function expectNotFound(res: ApiResponse) {
  expect(res.status, res.text).toBe(404);
  expect(res.body.error.code).toBe('GANTRY_ERR_NOT_FOUND');
}

beforeAll(async () => {
  api = await startAdminApi();
  teamA = await api.createTeam('team-a');
  teamB = await api.createTeam('team-b');
  adminA = (await api.createToken('team_admin', teamA)).token;
  viewerA = (await api.createToken('team_viewer', teamA)).token;
  const chain = await createChain(api, 'b', { teamId: teamB });
  Object.assign(b, chain);
  b.appId = (await api.post('/api/v1/apps', { name: 'b-app', team_id: teamB })).body.id;
  b.keyId = (await api.post(`/api/v1/apps/${b.appId}/keys`, {})).body.id;
  b.tokenId = (await api.createToken('team_admin', teamB)).record.id;
  const policies = (await api.get('/api/v1/policy-types')).body.data as { type: string }[];
  expect(policies.length).toBeGreaterThan(0);
});
afterAll(async () => {
  await api.close();
});

describe('a team_admin', () => {
  it("works on its own team's resources, with team_id defaulting to its team", async () => {
    const chain = await createChain(api, 'a', { token: adminA });
    const ups = await api.get(`/api/v1/upstreams/${chain.upstreamId}`, adminA);
    expect(ups.body.team_id).toBe(teamA);
    const explicit = await api.post('/api/v1/apps', { name: 'a-app', team_id: teamA }, adminA);
    expect(explicit.status).toBe(201);
    expect(explicit.body.team_id).toBe(teamA);
  });

  it("cannot see team B's resources in lists", async () => {
    for (const kind of ['upstreams', 'services', 'routes', 'apps', 'keys', 'policies']) {
      const res = await api.get(`/api/v1/${kind}`, adminA);
      expect(res.status).toBe(200);
      expect(res.body.data.every((r: { team_id: string }) => r.team_id === teamA), kind).toBe(true);
    }
    const filtered = await api.get(`/api/v1/upstreams?team_id=${teamB}`, adminA);
    expect(filtered.body.data).toEqual([]);
    const teams = await api.get('/api/v1/teams', adminA);
    expect(teams.body.data.map((t: { id: string }) => t.id)).toEqual([teamA]);
  });

  it("gets 404 (never 403) for team B's resources on get, update and delete", async () => {
    const targets: [string, string, Record<string, unknown>][] = [
      ['upstreams', b.upstreamId, { description: 'x' }],
      ['services', b.serviceId, { description: 'x' }],
      ['routes', b.routeId, { description: 'x' }],
      ['apps', b.appId, { description: 'x' }],
      ['keys', b.keyId, { enabled: false }],
      ['teams', teamB, { description: 'x' }],
      ['admin-tokens', b.tokenId, {}],
    ];
    for (const [kind, id, patch] of targets) {
      expectNotFound(await api.get(`/api/v1/${kind}/${id}`, adminA));
      if (kind !== 'admin-tokens') expectNotFound(await api.patch(`/api/v1/${kind}/${id}`, patch, adminA));
      if (kind !== 'teams') expectNotFound(await api.del(`/api/v1/${kind}/${id}`, adminA));
    }
    expectNotFound(await api.get(`/api/v1/apps/${b.appId}/keys`, adminA));
    expectNotFound(await api.post(`/api/v1/apps/${b.appId}/keys`, {}, adminA));
    // nothing of team B changed
    expect((await api.get(`/api/v1/upstreams/${b.upstreamId}`)).body.description).toBe('');
    expect((await api.get(`/api/v1/keys/${b.keyId}`)).body.enabled).toBe(true);
  });

  it("cannot reference team B's upstream, service, route or team", async () => {
    const svc = await api.post('/api/v1/services', bodies.service(b.upstreamId, 'steal-svc'), adminA);
    expect(svc.status).toBe(400);
    expect(svc.body.error.details[0]).toEqual({ path: '/upstream_id', message: 'upstream not found' });
    const rt = await api.post('/api/v1/routes', bodies.route(b.serviceId, 'steal-rt', ['/steal']), adminA);
    expect(rt.status).toBe(400);
    expect(rt.body.error.details[0].path).toBe('/service_id');
    const own = (await api.get('/api/v1/services?name=a-svc', adminA)).body.data[0];
    const repoint = await api.patch(`/api/v1/services/${own.id}`, { upstream_id: b.upstreamId }, adminA);
    expect(repoint.status).toBe(400);
    expect(repoint.body.error.details[0].path).toBe('/upstream_id');
    const app = await api.post('/api/v1/apps', { name: 'elsewhere', team_id: teamB }, adminA);
    expect(app.status).toBe(400);
    expect(app.body.error.details).toEqual([{ path: '/team_id', message: 'team not found' }]);
    // the same answer as for a team that does not exist
    const ghost = await api.post('/api/v1/apps', { name: 'elsewhere', team_id: 'team_ghost' }, adminA);
    expect(ghost.body.error.details).toEqual(app.body.error.details);
    for (const scope of ['service', 'route'] as const) {
      const target = scope === 'service' ? b.serviceId : b.routeId;
      const pol = await api.post('/api/v1/policies', { type: 'ip-restriction', scope, target_id: target, config: { deny: ['10.0.0.0/8'] } }, adminA);
      expect(pol.status, pol.text).toBe(400);
      expect(pol.body.error.details[0].path).toBe('/target_id');
    }
  });

  it('may change its own team description but not its name, nor create or delete teams', async () => {
    expect((await api.patch(`/api/v1/teams/${teamA}`, { description: 'Team A' }, adminA)).status).toBe(200);
    const rename = await api.patch(`/api/v1/teams/${teamA}`, { name: 'team-z' }, adminA);
    expect(rename.status).toBe(403);
    expect(rename.body.error.code).toBe('GANTRY_ERR_FORBIDDEN');
    expect((await api.post('/api/v1/teams', { name: 'new-team' }, adminA)).status).toBe(403);
    expect((await api.del(`/api/v1/teams/${teamA}`, adminA)).status).toBe(403);
  });

  it('cannot create or see global policies', async () => {
    const create = await api.post('/api/v1/policies', { type: 'ip-restriction', scope: 'global', config: { deny: ['10.0.0.0/8'] } }, adminA);
    expect(create.status).toBe(403);
    expect(create.body.error.code).toBe('GANTRY_ERR_FORBIDDEN');
    const global = await api.post('/api/v1/policies', { type: 'ip-restriction', scope: 'global', config: { deny: ['10.0.0.0/8'] } });
    expect(global.status, global.text).toBe(201);
    expectNotFound(await api.get(`/api/v1/policies/${global.body.id}`, adminA));
    expectNotFound(await api.patch(`/api/v1/policies/${global.body.id}`, { enabled: false }, adminA));
    expectNotFound(await api.del(`/api/v1/policies/${global.body.id}`, adminA));
    expect((await api.get('/api/v1/policies?scope=global', adminA)).body.data).toEqual([]);
  });

  it('manages admin tokens of its own team only', async () => {
    const viewer = await api.post('/api/v1/admin-tokens', { name: 'a-viewer', role: 'team_viewer' }, adminA);
    expect(viewer.status).toBe(201);
    expect(viewer.body.team_id).toBe(teamA);
    const org = await api.post('/api/v1/admin-tokens', { name: 'escalate', role: 'org_admin' }, adminA);
    expect(org.status).toBe(403);
    const other = await api.post('/api/v1/admin-tokens', { name: 'b', role: 'team_admin', team_id: teamB }, adminA);
    expect(other.status).toBe(400);
    expect(other.body.error.details[0].path).toBe('/team_id');
    const list = await api.get('/api/v1/admin-tokens', adminA);
    expect(list.body.data.length).toBeGreaterThanOrEqual(3);
    expect(list.body.data.every((t: { team_id: string }) => t.team_id === teamA)).toBe(true);
    expect((await api.del(`/api/v1/admin-tokens/${viewer.body.id}`, adminA)).status).toBe(204);
    expect((await api.get('/api/v1/teams', viewer.body.token)).status).toBe(401);
  });
});

describe('a team_viewer', () => {
  it('reads its team', async () => {
    const res = await api.get('/api/v1/upstreams', viewerA);
    expect(res.status).toBe(200);
    expect(res.body.data.length).toBeGreaterThan(0);
    expectNotFound(await api.get(`/api/v1/upstreams/${b.upstreamId}`, viewerA));
  });

  it('cannot write anything: 403', async () => {
    const own = (await api.get('/api/v1/upstreams', viewerA)).body.data[0];
    const attempts: ApiResponse[] = [
      await api.post('/api/v1/upstreams', bodies.upstream('v-ups'), viewerA),
      await api.patch(`/api/v1/upstreams/${own.id}`, { description: 'x' }, viewerA),
      await api.del(`/api/v1/upstreams/${own.id}`, viewerA),
      await api.post('/api/v1/apps', { name: 'v-app' }, viewerA),
      await api.patch(`/api/v1/teams/${teamA}`, { description: 'x' }, viewerA),
      await api.post('/api/v1/admin-tokens', { name: 'v', role: 'team_viewer' }, viewerA),
      await api.get('/api/v1/admin-tokens', viewerA),
    ];
    for (const res of attempts) {
      expect(res.status, res.text).toBe(403);
      expect(res.body.error.code).toBe('GANTRY_ERR_FORBIDDEN');
    }
    expect((await api.get(`/api/v1/upstreams/${own.id}`)).body.description).toBe('');
  });

  it('is refused before its body is validated', async () => {
    const res = await api.post('/api/v1/upstreams', { nonsense: true }, viewerA);
    expect(res.status).toBe(403);
  });
});
