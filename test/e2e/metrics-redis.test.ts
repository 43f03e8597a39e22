/**
 * /metrics of a node whose rate limiter and response cache live in the shared Redis: the limiter's
 * decisions carry `backend="redis"`, the Redis cache store gets its own series, and the entry and
 * byte gauges it cannot count are left out rather than reported as 0.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startUpstream, type UpstreamFixture } from '../fixtures/upstream.js';
import { startTestGantry, type TestGantry } from '../helpers/gantry.js';
import { scrape, type Exposition } from '../helpers/prometheus.js';
import { deleteByPrefix, describeRedis, uniquePrefix } from '../helpers/redis.js';

describeRedis('GET /metrics with Redis-backed rate limits and cache', (redisUrl) => {
  let g: TestGantry;
  let up: UpstreamFixture;
  let dir: string;
  let prefix: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gantry-metrics-redis-'));
    prefix = uniquePrefix('metrics').replace(/:$/, '');
    g = await startTestGantry({ databaseUrl: join(dir, 'gantry.db'), redisUrl, redisPrefix: prefix });
    up = await startUpstream('a');
    const ups = await g.api('POST', '/upstreams', { name: 'pool', targets: [{ url: up.url }] });
    const svc = await g.api('POST', '/services', { name: 'svc', upstream_id: ups.body.id });
    const limited = await g.api('POST', '/routes', { name: 'limited', service_id: svc.body.id, paths: ['/limited/*'], strip_prefix: true });
    const limit = { limit: 2, per: 'minute', by: 'ip', backend: 'redis' };
    expect((await g.api('POST', '/policies', { name: 'shared-limit', type: 'rate-limit', scope: 'route', target_id: limited.body.id, config: limit })).status).toBe(201);
    const cached = await g.api('POST', '/routes', { name: 'cached', service_id: svc.body.id, paths: ['/cached/*'], strip_prefix: true });
    const cache = { store: 'redis', default_ttl_seconds: 60 };
    expect((await g.api('POST', '/policies', { name: 'shared-cache', type: 'cache', scope: 'route', target_id: cached.body.id, config: cache })).status).toBe(201);
  });
  afterAll(async () => {
    await g?.stop();
    await up?.close();
    const r = new Redis(redisUrl);
    await deleteByPrefix(r, prefix);
    r.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  it('labels Redis limiter decisions and the Redis cache store', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${g.dataUrl}/limited/x`)).status);
    expect(statuses).toEqual([200, 200, 429]);
    for (let i = 0; i < 2; i++) await (await fetch(`${g.dataUrl}/cached/doc`)).arrayBuffer();
    expect(up.hits.get('/doc')).toBe(1);

    let m!: Exposition;
    const deadline = Date.now() + 5000;
    do {
      m = await scrape(g.metricsUrl!);
    } while (m.value('gantry_http_requests_total') < 5 && Date.now() < deadline);
    const limiter = { team: 'default', policy: 'shared-limit', backend: 'redis' };
    expect(m.value('gantry_rate_limiter_decisions_total', { ...limiter, decision: 'allowed' })).toBe(2);
    expect(m.value('gantry_rate_limiter_decisions_total', { ...limiter, decision: 'denied' })).toBe(1);
    expect(m.value('gantry_rate_limiter_decisions_total', { ...limiter, decision: 'degraded' })).toBe(0);
    // Redis limiters hold no keys in this process.
    expect(m.find('gantry_rate_limiter_keys', limiter)).toEqual([]);

    const redis = { store: 'redis' };
    expect(m.value('gantry_cache_sets_total', redis)).toBe(1);
    expect(m.value('gantry_cache_hits_total', redis)).toBeGreaterThanOrEqual(1);
    expect(m.value('gantry_cache_errors_total', redis)).toBe(0);
    expect(m.find('gantry_cache_entries', redis)).toEqual([]);
    expect(m.find('gantry_cache_bytes', redis)).toEqual([]);
    expect(m.value('gantry_http_cache_results_total', { route: 'cached', cache_status: 'HIT' })).toBe(1);
  });
});
