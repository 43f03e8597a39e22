import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { config } from '../fixtures/config.js';
import { startUpstream, type UpstreamFixture } from '../fixtures/upstream.js';
import { expectGantryError, send, startGateway, type Gateway } from './helpers.js';

let up: UpstreamFixture;
let gw: Gateway;

beforeAll(async () => {
  up = await startUpstream('u');
  const data = config()
    .upstream('ups', [up.url])
    .service('svc', 'ups')
    .route('rt', 'svc', ['/api/*'], { methods: ['GET', 'POST'] })
    .route('rt_creds', 'svc', ['/creds/*'])
    .route('rt_star', 'svc', ['/star/*'])
    .app('app_1')
    .key('key_1', 'app_1', 'gk_key')
    .policy('pol_auth', 'key-auth', 'route', 'rt')
    .policy('pol_cors', 'cors', 'route', 'rt', {
      origins: ['https://app.example.com', '*.trusted.dev'],
      headers: ['authorization', 'content-type'],
      expose_headers: ['x-upstream'],
      max_age_s: 600,
    })
    .policy('pol_cors_creds', 'cors', 'route', 'rt_creds', { origins: ['*'], credentials: true })
    .policy('pol_cors_star', 'cors', 'route', 'rt_star', { origins: ['*'] })
    .build();
  gw = await startGateway(data);
});

afterAll(async () => {
  await gw.close();
  await up.close();
});

const preflight = (path: string, origin: string) =>
  send(gw.url + path, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
  });

describe('cors', () => {
  it('answers a preflight itself with 204, before key-auth and without the upstream', async () => {
    const r = await preflight('/api/things', 'https://app.example.com');
    expect(r.status).toBe(204);
    expect(r.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(r.headers['access-control-allow-methods']).toContain('POST');
    expect(r.headers['access-control-allow-headers']).toBe('authorization, content-type');
    expect(r.headers['access-control-max-age']).toBe('600');
    expect(r.headers.vary).toContain('Origin');
    expect(r.headers['x-request-id']).toBeDefined();
    expect(up.hits.get('/api/things')).toBeUndefined();
  });

  it('accepts origins matching a subdomain pattern', async () => {
    const r = await preflight('/api/things', 'https://deep.sub.trusted.dev');
    expect(r.status).toBe(204);
    expect(r.headers['access-control-allow-origin']).toBe('https://deep.sub.trusted.dev');
  });

  it('rejects a preflight from an origin not allowed with 403', async () => {
    expectGantryError(await preflight('/api/things', 'https://evil.example.net'), 403, 'GANTRY_ERR_CORS_REJECTED');
    expectGantryError(await preflight('/api/things', 'https://trusted.dev.evil.net'), 403, 'GANTRY_ERR_CORS_REJECTED');
  });

  it('adds CORS headers to actual responses, gateway errors included', async () => {
    const ok = await send(`${gw.url}/api/x`, { headers: { origin: 'https://app.example.com', authorization: 'Bearer gk_key' } });
    expect(ok.status).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(ok.headers['access-control-expose-headers']).toBe('x-upstream');
    expect(ok.headers.vary).toContain('Origin');
    const denied = await send(`${gw.url}/api/x`, { headers: { origin: 'https://app.example.com' } });
    expect(denied.status).toBe(401);
    expect(denied.headers['access-control-allow-origin']).toBe('https://app.example.com');
  });

  it('omits CORS headers for a simple request from an origin not allowed', async () => {
    const r = await send(`${gw.url}/api/x`, { headers: { origin: 'https://evil.example.net', authorization: 'Bearer gk_key' } });
    expect(r.status).toBe(200);
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('echoes the origin, never *, when credentials are allowed', async () => {
    const pre = await preflight('/creds/x', 'https://a.example.org');
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('https://a.example.org');
    expect(pre.headers['access-control-allow-credentials']).toBe('true');
    expect(pre.headers['access-control-allow-headers']).toBe('authorization');
    const actual = await send(`${gw.url}/creds/x`, { headers: { origin: 'https://a.example.org' } });
    expect(actual.headers['access-control-allow-origin']).toBe('https://a.example.org');
    expect(actual.headers['access-control-allow-credentials']).toBe('true');
  });

  it('answers * for any origin without credentials', async () => {
    const r = await send(`${gw.url}/star/x`, { headers: { origin: 'https://anything.test' } });
    expect(r.headers['access-control-allow-origin']).toBe('*');
    expect(r.headers['access-control-allow-credentials']).toBeUndefined();
  });
});
