import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { config } from '../fixtures/config.js';
import { startUpstream, type UpstreamFixture } from '../fixtures/upstream.js';
import { expectGantryError, parseRaw, raw, send, startGateway, type Gateway } from './helpers.js';

let a: UpstreamFixture;
let b: UpstreamFixture;
let c: UpstreamFixture;
let gw: Gateway;

beforeAll(async () => {
  [a, b, c] = await Promise.all([startUpstream('a'), startUpstream('b'), startUpstream('c')]);
  const data = config()
    .upstream('ups_a', [a.url])
    .upstream('ups_b', [b.url])
    .upstream('ups_c', [c.url])
    .service('svc_a', 'ups_a')
    .service('svc_b', 'ups_b')
    .service('svc_c', 'ups_c')
    .service('svc_v1', 'ups_a', { path: '/v1' })
    .service('svc_off', 'ups_a', { enabled: false })
    .route('rt_users', 'svc_a', ['/users/:id'], { methods: ['GET'] })
    .route('rt_static', 'svc_a', ['/static/*'])
    .route('rt_exact', 'svc_b', ['/exact'])
    .route('rt_post', 'svc_b', ['/things'], { methods: ['POST'] })
    .route('rt_host_exact', 'svc_a', ['/host-test'], { hosts: ['api.example.com'] })
    .route('rt_host_wild', 'svc_b', ['/host-test'], { hosts: ['*.wild.example.com'] })
    .route('rt_host_any', 'svc_c', ['/host-test'])
    .route('rt_strip', 'svc_a', ['/strip/api/*'], { strip_prefix: true })
    .route('rt_strip_param', 'svc_a', ['/sp/users/:id'], { strip_prefix: true })
    .route('rt_v1', 'svc_v1', ['/svc/*'], { strip_prefix: true })
    .route('rt_rewrite', 'svc_a', ['/old/:id/items/*'], { rewrite_path: '/new/items/:id/*' })
    .route('rt_disabled', 'svc_a', ['/disabled'], { enabled: false })
    .route('rt_svc_off', 'svc_off', ['/service-off'])
    .build();
  gw = await startGateway(data);
});

afterAll(async () => {
  await gw.close();
  await Promise.all([a.close(), b.close(), c.close()]);
});

const get = (path: string, headers?: Record<string, string>) => send(gw.url + path, { headers });

describe('routing', () => {
  it('matches params and keeps the path and query unchanged', async () => {
    const r = await get('/users/42?x=1&y=%20');
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({ upstream: 'a', method: 'GET', url: '/users/42?x=1&y=%20' });
  });

  it('matches a wildcard, including the bare prefix and the prefix with a slash', async () => {
    for (const path of ['/static', '/static/', '/static/css/site.css']) {
      const r = await get(path);
      expect(r.status, path).toBe(200);
      expect(r.json().url).toBe(path);
    }
  });

  it('matches exact paths only exactly', async () => {
    expect((await get('/exact')).json().upstream).toBe('b');
    expectGantryError(await get('/exact/more'), 404, 'GANTRY_ERR_ROUTE_NOT_FOUND');
  });

  it('restricts routes to their methods', async () => {
    const post = await send(gw.url + '/things', { method: 'POST', body: 'x' });
    expect(post.json()).toMatchObject({ upstream: 'b', method: 'POST', body: 'x' });
    expectGantryError(await get('/things'), 404, 'GANTRY_ERR_ROUTE_NOT_FOUND');
    expectGantryError(await send(gw.url + '/users/1', { method: 'DELETE' }), 404, 'GANTRY_ERR_ROUTE_NOT_FOUND');
  });

  it('prefers an exact host, then a wildcard host, then a route without hosts', async () => {
    expect((await get('/host-test', { host: 'api.example.com:8080' })).json().upstream).toBe('a');
    expect((await get('/host-test', { host: 'API.Example.COM' })).json().upstream).toBe('a');
    expect((await get('/host-test', { host: 'x.wild.example.com' })).json().upstream).toBe('b');
    expect((await get('/host-test', { host: 'a.b.wild.example.com' })).json().upstream).toBe('b');
    expect((await get('/host-test', { host: 'wild.example.com' })).json().upstream).toBe('c');
    expect((await get('/host-test', { host: 'other.test' })).json().upstream).toBe('c');
  });

  it('answers 404 with the JSON error body for unknown paths', async () => {
    const r = await get('/nope');
    expectGantryError(r, 404, 'GANTRY_ERR_ROUTE_NOT_FOUND');
    expect(r.json().error.message).toContain('/nope');
  });

  it('does not serve disabled routes or routes of disabled services', async () => {
    expectGantryError(await get('/disabled'), 404, 'GANTRY_ERR_ROUTE_NOT_FOUND');
    expectGantryError(await get('/service-off'), 404, 'GANTRY_ERR_ROUTE_NOT_FOUND');
  });

  it('refuses dot segments instead of forwarding them', async () => {
    // Sent raw: URL-aware clients would resolve the dots themselves.
    for (const path of ['/static/../admin', '/static/%2e%2E/admin', '/static/./x']) {
      const r = parseRaw(await raw(gw.port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
      expect(r.status, path).toBe(400);
      expect(JSON.parse(r.body).error.code).toBe('GANTRY_ERR_BAD_REQUEST');
    }
    expect(a.hits.get('/admin')).toBeUndefined();
  });
});

describe('upstream path', () => {
  it('strips the literal prefix and keeps the query', async () => {
    expect((await get('/strip/api/users/1?q=2')).json().url).toBe('/users/1?q=2');
    expect((await get('/strip/api')).json().url).toBe('/');
    expect((await get('/strip/api/')).json().url).toBe('/');
    expect((await get('/sp/users/7?a=b')).json().url).toBe('/7?a=b');
  });

  it('prepends the service path', async () => {
    expect((await get('/svc/things?y=1')).json().url).toBe('/v1/things?y=1');
    expect((await get('/svc')).json().url).toBe('/v1/');
  });

  it('rewrites with the template, substituting params and the wildcard', async () => {
    expect((await get('/old/7/items/a/b?z=1')).json().url).toBe('/new/items/7/a/b?z=1');
  });

  it('keeps escapes as the client sent them', async () => {
    expect((await get('/static/a%20b/%2Fc%3F?q=%26')).json().url).toBe('/static/a%20b/%2Fc%3F?q=%26');
    expect((await get('/old/a%2Fb/items/x%20y')).json().url).toBe('/new/items/a%2Fb/x%20y');
    expect((await get('/strip/api/%41b')).json().url).toBe('/%41b');
  });
});
