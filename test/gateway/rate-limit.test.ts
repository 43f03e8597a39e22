import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GantryError } from '../../src/core/errors.js';
import { validatePolicyConfig } from '../../src/gateway/index.js';
import { config, type ConfigBuilder } from '../fixtures/config.js';
import { startUpstream, type UpstreamFixture } from '../fixtures/upstream.js';
import { deleteByPrefix, describeRedis, eventually, freePort, uniquePrefix } from '../helpers/redis.js';
import { expectGantryError, send, startGateway, type Gateway } from './helpers.js';

let up: UpstreamFixture;
const gateways: Gateway[] = [];

beforeAll(async () => {
  up = await startUpstream('u');
});

afterAll(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  await up.close();
});

function base(): ConfigBuilder {
  return config().upstream('ups', [up.url]).service('svc', 'ups');
}

async function gateway(...args: Parameters<typeof startGateway>): Promise<Gateway> {
  const gw = await startGateway(...args);
  gateways.push(gw);
  return gw;
}

function thrown(fn: () => unknown): GantryError {
  try {
    fn();
  } catch (err) {
    if (err instanceof GantryError) return err;
    throw err;
  }
  throw new Error('expected a GantryError');
}

describe('rate-limit (local)', () => {
  it('admits exactly `limit` per window, then answers 429 with Retry-After and RateLimit headers', async () => {
    const data = base().route('rt', 'svc', ['/*']).policy('pol_rl', 'rate-limit', 'route', 'rt', { limit: 5, per: 'minute', by: 'ip' }).build();
    const gw = await gateway(data);
    for (let i = 0; i < 5; i++) {
      const r = await send(`${gw.url}/x`);
      expect(r.status).toBe(200);
      expect(r.headers['ratelimit-policy']).toBe('"pol-rl";q=5;w=60');
      expect(r.headers['ratelimit']).toMatch(new RegExp(`^"pol-rl";r=${4 - i};t=\\d+$`));
    }
    const denied = await send(`${gw.url}/x`);
    expectGantryError(denied, 429, 'GANTRY_ERR_RATE_LIMITED');
    expect(Number(denied.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(denied.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(denied.headers['ratelimit-policy']).toBe('"pol-rl";q=5;w=60');
    expect(denied.headers['ratelimit']).toMatch(/^"pol-rl";r=0;t=\d+$/);
    expect(denied.json().error.message).toContain('5 per minute');
  });

  it('gives each app its own budget by app, and one shared budget by ip', async () => {
    const data = base()
      .route('rt_app', 'svc', ['/by-app/*'])
      .route('rt_ip', 'svc', ['/by-ip/*'])
      .app('app_a')
      .app('app_b')
      .key('key_a', 'app_a', 'secret-a')
      .key('key_b', 'app_b', 'secret-b')
      .policy('pol_auth', 'key-auth', 'service', 'svc')
      .policy('pol_app', 'rate-limit', 'route', 'rt_app', { limit: 2, per: 'minute' })
      .policy('pol_ip', 'rate-limit', 'route', 'rt_ip', { limit: 2, per: 'minute', by: 'ip' })
      .build();
    const gw = await gateway(data);
    const as = (secret: string) => ({ headers: { authorization: `Bearer ${secret}` } });

    const statuses = async (path: string, secret: string, n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push((await send(`${gw.url}${path}`, as(secret))).status);
      return out;
    };
    expect(await statuses('/by-app/x', 'secret-a', 3)).toEqual([200, 200, 429]);
    expect(await statuses('/by-app/x', 'secret-b', 3)).toEqual([200, 200, 429]);

    expect(await statuses('/by-ip/x', 'secret-a', 2)).toEqual([200, 200]);
    expect(await statuses('/by-ip/x', 'secret-b', 1)).toEqual([429]);
  });

  it('keeps counting across a config reload', async () => {
    const first = base().route('rt', 'svc', ['/*']).policy('pol_rl', 'rate-limit', 'route', 'rt', { limit: 4, per: 'hour', by: 'ip' });
    const gw = await gateway(first.build());
    for (let i = 0; i < 3; i++) expect((await send(`${gw.url}/x`)).status).toBe(200);

    gw.plane.applyConfig(first.route('rt_other', 'svc', ['/other/*']).version(2).build());
    expect(gw.plane.configVersion).toBe(2);
    expect((await send(`${gw.url}/x`)).status).toBe(200);
    expectGantryError(await send(`${gw.url}/x`), 429, 'GANTRY_ERR_RATE_LIMITED');
  });

  it('with gcra advertises the limit and admits the burst', async () => {
    const data = base().route('rt', 'svc', ['/*']).policy('pol_g', 'rate-limit', 'route', 'rt', { limit: 3, per: 'day', by: 'route', algorithm: 'gcra' }).build();
    const gw = await gateway(data);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await send(`${gw.url}/x`)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});

describe('rate-limit with an unreachable Redis', () => {
  it('fails open (no quota headers) or closed (503) as configured', async () => {
    const port = await freePort(); // nothing listens: connections are refused
    const data = base()
      .route('rt_open', 'svc', ['/open/*'])
      .route('rt_closed', 'svc', ['/closed/*'])
      .policy('pol_open', 'rate-limit', 'route', 'rt_open', { limit: 1, per: 'minute', backend: 'redis', fail_mode: 'open' })
      .policy('pol_closed', 'rate-limit', 'route', 'rt_closed', { limit: 1, per: 'minute', backend: 'redis', fail_mode: 'closed' })
      .build();
    const gw = await gateway(data, { rateLimitRedis: { url: `redis://127.0.0.1:${port}`, prefix: 'gantry-test-down' } });

    for (let i = 0; i < 3; i++) {
      const open = await send(`${gw.url}/open/x`);
      expect(open.status).toBe(200);
      expect(open.headers['ratelimit']).toBeUndefined();
    }
    const closed = await send(`${gw.url}/closed/x`);
    expectGantryError(closed, 503, 'GANTRY_ERR_RATE_LIMIT_UNAVAILABLE');
    expect(Number(closed.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });
});

describe('rate-limit options', () => {
  it('rejects a redis backend on a node without a Redis URL', async () => {
    const gw = await gateway();
    const data = base().route('rt', 'svc', ['/*']).policy('pol_r', 'rate-limit', 'route', 'rt', { limit: 1, per: 'second', backend: 'redis' }).build();
    const err = thrown(() => gw.plane.applyConfig(data));
    expect(err.code).toBe('GANTRY_ERR_VALIDATION');
    expect(err.message).toContain('GANTRY_REDIS_URL');
    expect(err.details).toEqual([{ path: '/backend', message: expect.any(String) }]);
    expect(gw.plane.configVersion).toBe(0); // the previous snapshot keeps serving
  });

  it('rejects a bad period, a missing limit, burst without gcra and fail_mode closed on local', () => {
    const badPer = thrown(() => validatePolicyConfig('rate-limit', { limit: 5, per: 'week' }));
    expect(badPer.code).toBe('GANTRY_ERR_VALIDATION');
    expect(badPer.details!.some((d) => d.path === '/per')).toBe(true);
    expect(thrown(() => validatePolicyConfig('rate-limit', { per: 'minute' })).details!.some((d) => d.path === '/limit')).toBe(true);
    expect(thrown(() => validatePolicyConfig('rate-limit', { limit: 0, per: 'minute' })).details!.some((d) => d.path === '/limit')).toBe(true);
    expect(thrown(() => validatePolicyConfig('rate-limit', { limit: 5, per: 'minute', burst: 2 })).details).toEqual([{ path: '/burst', message: expect.any(String) }]);
    expect(thrown(() => validatePolicyConfig('rate-limit', { limit: 5, per: 'minute', fail_mode: 'closed' })).details).toEqual([
      { path: '/fail_mode', message: expect.any(String) },
    ]);
  });

  it('applies defaults: by app, sliding window, local, fail open', () => {
    expect(validatePolicyConfig('rate-limit', { limit: 5, per: 'minute' })).toEqual({
      limit: 5,
      per: 'minute',
      by: 'app',
      algorithm: 'sliding-window',
      backend: 'local',
      fail_mode: 'open',
    });
  });
});

describeRedis('rate-limit with the Redis backend', (url) => {
  const prefix = uniquePrefix('rl-policy').slice(0, -1);
  let admin: Redis;

  beforeAll(() => {
    admin = new Redis(url);
  });

  afterAll(async () => {
    await deleteByPrefix(admin, prefix);
    admin.disconnect();
  });

  it('two nodes sharing Redis never admit more than the limit in total', async () => {
    const data = base()
      .route('rt', 'svc', ['/*'])
      .route('rt_probe', 'svc', ['/probe'])
      .policy('pol_shared', 'rate-limit', 'route', 'rt', { limit: 10, per: 'minute', by: 'route', backend: 'redis', fail_mode: 'closed' })
      .policy('pol_probe', 'rate-limit', 'route', 'rt_probe', { limit: 1_000_000, per: 'second', backend: 'redis', fail_mode: 'closed' })
      .build();
    const opts = { rateLimitRedis: { url, prefix } };
    const nodes = [await gateway(data, opts), await gateway(data, opts)];
    // Until a node's Redis client is ready its hits take the fail mode (open here): wait for it
    // through a fail-closed probe on the same client, so every hit below is decided by Redis.
    for (const node of nodes) await eventually(async () => (await send(`${node.url}/probe`)).status === 200);

    const replies = await Promise.all(Array.from({ length: 40 }, (_, i) => send(`${nodes[i % 2].url}/x`)));
    const ok = replies.filter((r) => r.status === 200);
    // Fail closed: a Redis answer that misses its deadline on a loaded machine refuses (503), it
    // never admits, so admissions stay exact: ≤ 10, and exactly 10 unless some hits were refused.
    const unavailable = replies.filter((r) => r.status === 503).length;
    expect(replies.filter((r) => r.status === 429).length).toBe(40 - ok.length - unavailable);
    expect(ok.every((r) => r.headers['ratelimit'] !== undefined)).toBe(true);
    expect(ok.length).toBeLessThanOrEqual(10);
    expect(ok.length + unavailable).toBeGreaterThanOrEqual(10);
  });
});
