import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminApi, type TestApi } from './helpers.js';

let api: TestApi;
beforeAll(async () => {
  api = await startAdminApi();
});
afterAll(async () => {
  await api.close();
});

describe('authentication', () => {
  it('rejects a request without a token with 401 GANTRY_ERR_ADMIN_UNAUTHENTICATED', async () => {
    const res = await api.get('/api/v1/upstreams', null);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('GANTRY_ERR_ADMIN_UNAUTHENTICATED');
    expect(res.body.error.request_id).toBe(res.headers.get('x-request-id'));
  });

  it('rejects an unknown token and a non-bearer scheme', async () => {
    const bad = await api.get('/api/v1/upstreams', 'gadm_not-a-real-token');
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe('GANTRY_ERR_ADMIN_UNAUTHENTICATED');
    const basic = await api.call('GET', '/api/v1/upstreams', {
      token: null,
      headers: { authorization: `Basic ${api.orgToken}` },
    });
    expect(basic.status).toBe(401);
  });

  it('accepts a valid token', async () => {
    const res = await api.get('/api/v1/upstreams');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: [], next_cursor: null });
  });

  it('rejects an expired token', async () => {
    const { token } = await api.createToken('org_admin', null, { expiresAt: new Date(Date.now() - 1000).toISOString() });
    const res = await api.get('/api/v1/teams', token);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('GANTRY_ERR_ADMIN_UNAUTHENTICATED');
    expect(res.body.error.message).toMatch(/expired/);
  });

  it('accepts a token that expires in the future', async () => {
    const { token } = await api.createToken('org_admin', null, { expiresAt: new Date(Date.now() + 60_000).toISOString() });
    expect((await api.get('/api/v1/teams', token)).status).toBe(200);
  });

  it('stops accepting a token deleted through the API at once', async () => {
    const { token, record } = await api.createToken('org_admin', null);
    expect((await api.get('/api/v1/teams', token)).status).toBe(200);
    expect((await api.del(`/api/v1/admin-tokens/${record.id}`)).status).toBe(204);
    expect((await api.get('/api/v1/teams', token)).status).toBe(401);
  });

  it('stops accepting a token deleted behind its back (directly in the store) within 5 s', async () => {
    const { token, record } = await api.createToken('org_admin', null);
    expect((await api.get('/api/v1/teams', token)).status).toBe(200);
    expect(await api.store.adminTokens.delete('all', record.id)).toBe(true);
    const started = Date.now();
    let status = 200;
    while (Date.now() - started < 5000) {
      status = (await api.get('/api/v1/teams', token)).status;
      if (status === 401) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(401);
  });
});

describe('request ids', () => {
  it('returns a generated X-Request-Id on every response, errors included', async () => {
    const ok = await api.get('/api/v1/teams');
    const unauth = await api.get('/api/v1/teams', null);
    const missing = await api.get('/nope');
    for (const res of [ok, unauth, missing]) expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(ok.headers.get('x-request-id')).not.toBe(unauth.headers.get('x-request-id'));
  });

  it("keeps the client's request id when it is sane and replaces it when not", async () => {
    const kept = await api.call('GET', '/api/v1/upstreams/ups_missing', { headers: { 'x-request-id': 'trace-123.abc' } });
    expect(kept.headers.get('x-request-id')).toBe('trace-123.abc');
    expect(kept.body.error.request_id).toBe('trace-123.abc');
    const replaced = await api.call('GET', '/api/v1/teams', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const tooLong = await api.call('GET', '/api/v1/teams', { headers: { 'x-request-id': 'x'.repeat(200) } });
    expect(tooLong.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('basics', () => {
  it('answers an unknown endpoint with 404 GANTRY_ERR_NOT_FOUND', async () => {
    for (const path of ['/nope', '/api/v1/nope', '/api/v2/teams']) {
      const res = await api.get(path);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('GANTRY_ERR_NOT_FOUND');
    }
  });

  it('serves the OpenAPI document without a token', async () => {
    const res = await api.get('/api/v1/openapi.json', null);
    expect(res.status).toBe(200);
    expect(res.body.info.title).toBe('Gantry Admin API');
  });

  it('reports node status with the store and data-plane config versions', async () => {
    const before = await api.get('/api/v1/status');
    expect(before.status).toBe(200);
    expect(before.body).toEqual({
      node_id: 'node-test',
      version: '9.9.9-test',
      config_version: expect.any(Number),
      data_plane_config_version: 42,
    });
    expect((await api.post('/api/v1/apps', { name: 'status-bump' })).status).toBe(201);
    const after = await api.get('/api/v1/status');
    expect(after.body.config_version).toBeGreaterThan(before.body.config_version);
  });

  it('marks responses as not cacheable', async () => {
    const res = await api.get('/api/v1/teams');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });
});

describe('unexpected failures', () => {
  it('answers 500 GANTRY_ERR_INTERNAL without internals and logs the cause with the request id', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const broken = await startAdminApi({ logger });
    try {
      await broken.store.close(); // every store call now throws a plain Error
      const res = await broken.get('/api/v1/apps');
      expect(res.status).toBe(500);
      expect(res.body.error.code).toBe('GANTRY_ERR_INTERNAL');
      expect(res.body.error.message).toBe('Internal error; the request id identifies it in the logs');
      expect(res.text).not.toMatch(/at .*\.(ts|js):\d+|stack/);
      const logged = lines.find((l) => l.level === 50 && l.request_id === res.body.error.request_id);
      expect(logged, JSON.stringify(lines)).toBeDefined();
      expect((logged?.err as { message?: string } | undefined)?.message).toEqual(expect.any(String));
    } finally {
      await broken.close();
    }
  });

  it('answers a POST without a body with a sentence about the body', async () => {
    const res = await api.call('POST', '/api/v1/apps');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('GANTRY_ERR_VALIDATION');
    expect(res.body.error.message).toMatch(/must be a JSON object/);
  });
});
