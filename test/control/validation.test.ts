import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodies, startAdminApi, type ApiResponse, type TestApi } from './helpers.js';

let api: TestApi;
let upstreamId: string;
let serviceId: string;
let appId: string;
beforeAll(async () => {
  api = await startAdminApi();
  upstreamId = (await api.post('/api/v1/upstreams', bodies.upstream('v-ups'))).body.id;
  serviceId = (await api.post('/api/v1/services', bodies.service(upstreamId, 'v-svc'))).body.id;
  appId = (await api.post('/api/v1/apps', { name: 'v-app' })).body.id;
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
  expect(typeof res.body.error.message).toBe('string');
  expect(res.body.error.request_id).toBe(res.headers.get('x-request-id'));
}

describe('schema validation', () => {
  it('rejects a target URL with a path, naming the field and the rule', async () => {
    const res = await api.post('/api/v1/upstreams', bodies.upstream('u1', { targets: [{ url: 'http://a.example/x' }] }));
    expectValidation(res, '/targets/0/url', /must match pattern/);
    expect(res.body.error.message).toMatch(/targets\/0\/url/);
    expect(res.body.error.message).toMatch(/must match pattern/);
  });

  it('rejects unknown fields instead of dropping them', async () => {
    const res = await api.post('/api/v1/upstreams', bodies.upstream('u2', { colour: 'blue' }));
    expectValidation(res, '/colour', /not a known field/);
    const nested = await api.post('/api/v1/upstreams', bodies.upstream('u3', { targets: [{ url: 'http://a.example', w: 1 }] }));
    expectValidation(nested, '/targets/0/w');
  });

  it('reports a missing required field', async () => {
    const res = await api.post('/api/v1/upstreams', { name: 'u4' });
    expectValidation(res, '/targets', /is required/);
    expect(res.body.error.message).toBe("Request body field 'targets' is required");
  });

  it('reports every problem at once', async () => {
    const res = await api.post('/api/v1/upstreams', { name: '-bad', targets: [], extra: 1 });
    expect(res.status).toBe(400);
    const paths = res.body.error.details.map((d: { path: string }) => d.path).sort();
    expect(paths).toEqual(['/extra', '/name', '/targets']);
    expect(res.body.error.message).toMatch(/and 2 more problems/);
  });

  it('does not coerce types in bodies', async () => {
    const res = await api.post('/api/v1/services', bodies.service(upstreamId, 's1', { retries: '3' }));
    expectValidation(res, '/retries', /must be integer/);
    const bool = await api.post('/api/v1/services', bodies.service(upstreamId, 's2', { enabled: 'true' }));
    expectValidation(bool, '/enabled', /must be boolean/);
  });

  it('names the allowed values of an enum-like field', async () => {
    const res = await api.post('/api/v1/upstreams', bodies.upstream('u5', { algorithm: 'random' }));
    expectValidation(res, '/algorithm', /must be one of: "round-robin", "least-connections"/);
  });

  it('rejects a route path without a leading slash and an unknown method', async () => {
    const res = await api.post('/api/v1/routes', bodies.route(serviceId, 'r1', ['users/:id']));
    expectValidation(res, '/paths/0', /must match pattern/);
    const method = await api.post('/api/v1/routes', bodies.route(serviceId, 'r2', ['/x'], { methods: ['FETCH'] }));
    expectValidation(method, '/methods/0', /must be one of/);
  });

  it('rejects a service path with a query string and a reference to a missing upstream', async () => {
    expectValidation(await api.post('/api/v1/services', bodies.service(upstreamId, 's3', { path: '/v1?x=1' })), '/path');
    const missing = await api.post('/api/v1/services', bodies.service('ups_doesnotexist', 's4'));
    expectValidation(missing, '/upstream_id', /not found/);
  });

  it('rejects a route whose service does not exist', async () => {
    expectValidation(await api.post('/api/v1/routes', bodies.route('svc_nope', 'r3')), '/service_id', /not found/);
  });

  it('rejects a bad app name, a bad team name and a bad key expiry', async () => {
    expectValidation(await api.post('/api/v1/apps', { name: 'has space' }), '/name', /must match pattern/);
    expectValidation(await api.post('/api/v1/teams', { name: '' }), '/name');
    const key = await api.post(`/api/v1/apps/${appId}/keys`, { expires_at: 'tomorrow' });
    expectValidation(key, '/expires_at', /date-time/);
  });

  it('rejects an unknown admin role', async () => {
    expectValidation(await api.post('/api/v1/admin-tokens', { name: 't', role: 'root' }), '/role', /must be one of/);
  });

  it('rejects a team_id that does not exist', async () => {
    expectValidation(await api.post('/api/v1/apps', { name: 'a1', team_id: 'team_nope' }), '/team_id', /not found/);
  });

  it('validates PATCH bodies too', async () => {
    expectValidation(await api.patch(`/api/v1/upstreams/${upstreamId}`, { team_id: 'x' }), '/team_id', /not a known field/);
    expectValidation(await api.patch(`/api/v1/services/${serviceId}`, { retries: 99 }), '/retries', /<= 10/);
  });

  it('validates query strings', async () => {
    expectValidation(await api.get('/api/v1/upstreams?limit=0'), '/limit');
    expectValidation(await api.get('/api/v1/upstreams?limit=501'), '/limit');
    expectValidation(await api.get('/api/v1/upstreams?limit=abc'), '/limit');
    expectValidation(await api.get('/api/v1/upstreams?colour=blue'), '/colour');
    const cursor = await api.get('/api/v1/upstreams?cursor=garbage');
    expect(cursor.status).toBe(400);
    expect(cursor.body.error.code).toBe('GANTRY_ERR_VALIDATION');
  });

  it('does not write or notify when validation fails', async () => {
    const changes = api.configChanges();
    const version = (await api.get('/api/v1/status')).body.config_version;
    await api.post('/api/v1/upstreams', bodies.upstream('u6', { targets: [{ url: 'ftp://x' }] }));
    expect(api.configChanges()).toBe(changes);
    expect((await api.get('/api/v1/status')).body.config_version).toBe(version);
    expect((await api.get('/api/v1/upstreams?name=u6')).body.data).toEqual([]);
  });
});

describe('request format', () => {
  it('answers malformed JSON with 400 GANTRY_ERR_BAD_REQUEST', async () => {
    const res = await api.call('POST', '/api/v1/upstreams', { raw: '{"name": "x",', contentType: 'application/json' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('GANTRY_ERR_BAD_REQUEST');
    expect(res.body.error.message).toMatch(/JSON/);
  });

  it('answers an empty JSON body with 400 GANTRY_ERR_BAD_REQUEST', async () => {
    const res = await api.call('POST', '/api/v1/apps', { raw: '', contentType: 'application/json' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('GANTRY_ERR_BAD_REQUEST');
  });

  it('rejects prototype pollution attempts', async () => {
    const res = await api.call('POST', '/api/v1/apps', { raw: '{"name":"p","__proto__":{"x":1}}', contentType: 'application/json' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('GANTRY_ERR_BAD_REQUEST');
  });

  it('answers another content type with 415 on POST and PATCH', async () => {
    const post = await api.call('POST', '/api/v1/apps', { raw: 'name=x', contentType: 'application/x-www-form-urlencoded' });
    expect(post.status).toBe(415);
    expect(post.body.error.code).toBe('GANTRY_ERR_UNSUPPORTED_MEDIA_TYPE');
    const patch = await api.call('PATCH', `/api/v1/apps/${appId}`, { raw: '{"description":"x"}', contentType: 'text/plain' });
    expect(patch.status).toBe(415);
    expect(patch.body.error.code).toBe('GANTRY_ERR_UNSUPPORTED_MEDIA_TYPE');
  });

  it('accepts application/json with a charset', async () => {
    const res = await api.call('POST', '/api/v1/apps', { body: { name: 'charset' }, contentType: 'application/json; charset=utf-8' });
    expect(res.status).toBe(201);
  });

  it('rejects bodies over 1 MiB', async () => {
    const res = await api.post('/api/v1/apps', { name: 'big', description: 'x'.repeat(1024 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('GANTRY_ERR_BODY_TOO_LARGE');
  });

  it('checks the token before looking at the body', async () => {
    const res = await api.call('POST', '/api/v1/apps', { raw: '{', contentType: 'application/json', token: null });
    expect(res.status).toBe(401);
  });
});
