/**
 * Purging cached responses through the admin API of a whole node (data plane + admin API in one
 * process), with team scoping; then two in-process nodes sharing Redis and one SQLite file: a
 * purge on one reaches the other's memory store, and the Redis store is shared; a node cut from the
 * announcements empties its memory store when it hears them again (it may have missed purges).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrigin, type Origin } from '../fixtures/cache-origin.js';
import { closedPort } from '../fixtures/upstream.js';
import { startTestGantry, TEST_ADMIN_TOKEN, type TestGantry } from '../helpers/gantry.js';
import { createTempDatabase, postgresTestUrl } from '../helpers/postgres.js';
import { deleteByPrefix, describeGated, describeRedis, uniquePrefix } from '../helpers/redis.js';
import { TcpForwarder } from '../helpers/tcp-forwarder.js';
import { send, waitFor } from './helpers.js';

interface Api {
  (method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }>;
}

function adminClient(node: TestGantry): Api {
  return async (method, path, body, token = TEST_ADMIN_TOKEN) => {
    const res = await fetch(`${node.adminUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
}

async function created(p: Promise<{ status: number; body: any }>): Promise<any> {
  const res = await p;
  if (res.status !== 201) throw new Error(`expected 201, got ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A team with an upstream, a service, a route `/<tag>/*` and a service-level cache policy. */
async function cachedRoute(api: Api, origin: Origin, tag: string, teamId: string, config: Record<string, unknown> = {}) {
  const ups = await created(api('POST', '/upstreams', { name: `ups-${tag}`, team_id: teamId, targets: [{ url: origin.url }] }));
  const svc = await created(api('POST', '/services', { name: `svc-${tag}`, team_id: teamId, upstream_id: ups.id }));
  const route = await created(api('POST', '/routes', { name: `rt-${tag}`, service_id: svc.id, paths: [`/${tag}/*`] }));
  await created(api('POST', '/policies', { type: 'cache', scope: 'service', target_id: svc.id, config }));
  return { serviceId: svc.id as string, routeId: route.id as string };
}

/** True once the node serves `url` through its cache policy (the route can be served before its policy arrives). */
async function servedWithCache(url: string): Promise<boolean> {
  const res = await send(url);
  return res.status === 200 && res.headers['x-gantry-cache'] !== undefined;
}

function cacheable(origin: Origin, path: string, extra: Record<string, string> = {}): void {
  origin.on(path, (_r, n) => ({ headers: { 'cache-control': 'max-age=300', ...extra }, body: `${path}#${n}` }));
}

describe('POST /api/v1/cache/purge on one node', () => {
  let origin: Origin;
  let node: TestGantry;
  let api: Api;
  let teamA: string;
  let teamB: string;
  let adminA: string;
  let viewerA: string;
  let a: { serviceId: string; routeId: string };
  let b: { serviceId: string; routeId: string };

  beforeAll(async () => {
    origin = await startOrigin();
    node = await startTestGantry();
    api = adminClient(node);
    teamA = (await created(api('POST', '/teams', { name: 'team-a' }))).id;
    teamB = (await created(api('POST', '/teams', { name: 'team-b' }))).id;
    adminA = (await created(api('POST', '/admin-tokens', { name: 'a-admin', role: 'team_admin', team_id: teamA }))).token;
    viewerA = (await created(api('POST', '/admin-tokens', { name: 'a-viewer', role: 'team_viewer', team_id: teamA }))).token;
    a = await cachedRoute(api, origin, 'a', teamA);
    b = await cachedRoute(api, origin, 'b', teamB);
    origin.on('/b/probe', () => ({ body: 'up' }));
    await waitFor(() => servedWithCache(`${node.dataUrl}/b/probe`), 5000, 'the routes');
  });

  afterAll(async () => {
    await node?.stop();
    await origin?.close();
  });

  const get = (path: string) => send(`${node.dataUrl}${path}`);
  async function cached(path: string): Promise<void> {
    await get(path);
    expect((await get(path)).headers['x-gantry-cache']).toBe('HIT');
  }

  it('purges one URL (path and query, host), every other entry stays', async () => {
    cacheable(origin, '/a/one');
    cacheable(origin, '/a/two');
    await cached('/a/one?y=2&x=1');
    await cached('/a/two');
    const res = await api('POST', '/cache/purge', { route_id: a.routeId, path: '/a/one?x=1&y=2', host: '127.0.0.1' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ purged: 'url', removed: { this_node_memory: 1, redis: null }, announced: null });
    expect((await get('/a/one?y=2&x=1')).headers['x-gantry-cache']).toBe('MISS');
    expect((await get('/a/two')).headers['x-gantry-cache']).toBe('HIT');
  });

  it('purges a route and a service', async () => {
    cacheable(origin, '/a/r1');
    cacheable(origin, '/a/r2');
    await cached('/a/r1');
    await cached('/a/r2');
    const byRoute = await api('POST', '/cache/purge', { route_id: a.routeId });
    expect(byRoute.status).toBe(200);
    expect(byRoute.body.removed.this_node_memory).toBeGreaterThanOrEqual(2);
    expect((await get('/a/r1')).headers['x-gantry-cache']).toBe('MISS');
    expect((await get('/a/r2')).headers['x-gantry-cache']).toBe('MISS');
    await cached('/a/r1');
    const byService = await api('POST', '/cache/purge', { service_id: a.serviceId });
    expect(byService.body).toMatchObject({ purged: 'service' });
    expect(byService.body.removed.this_node_memory).toBeGreaterThanOrEqual(1);
    expect((await get('/a/r1')).headers['x-gantry-cache']).toBe('MISS');
  });

  it("purges by surrogate key within the caller's team only", async () => {
    cacheable(origin, '/a/p1', { 'surrogate-key': 'product-1 catalog' });
    cacheable(origin, '/a/p2', { 'surrogate-key': 'product-2 catalog' });
    cacheable(origin, '/b/p1', { 'surrogate-key': 'product-1' });
    for (const p of ['/a/p1', '/a/p2', '/b/p1']) await cached(p);
    const res = await api('POST', '/cache/purge', { tags: ['product-1'] }, adminA);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ purged: 'tags', removed: { this_node_memory: 1, redis: null }, announced: null });
    expect((await get('/a/p1')).headers['x-gantry-cache']).toBe('MISS');
    expect((await get('/a/p2')).headers['x-gantry-cache']).toBe('HIT');
    expect((await get('/b/p1')).headers['x-gantry-cache']).toBe('HIT');
    // An org admin without team_id purges the tag in every team.
    const all = await api('POST', '/cache/purge', { tags: ['product-1', 'catalog'] });
    expect(all.body.removed.this_node_memory).toBe(3);
    expect((await get('/b/p1')).headers['x-gantry-cache']).toBe('MISS');
  });

  it("refuses other teams' routes, services and tags, and viewers", async () => {
    expect((await api('POST', '/cache/purge', { route_id: b.routeId }, adminA)).status).toBe(404);
    expect((await api('POST', '/cache/purge', { service_id: b.serviceId }, adminA)).body.error.code).toBe('GANTRY_ERR_NOT_FOUND');
    const tags = await api('POST', '/cache/purge', { tags: ['x'], team_id: teamB }, adminA);
    expect([tags.status, tags.body.error.code]).toEqual([400, 'GANTRY_ERR_VALIDATION']);
    const viewer = await api('POST', '/cache/purge', { route_id: a.routeId }, viewerA);
    expect([viewer.status, viewer.body.error.code]).toEqual([403, 'GANTRY_ERR_FORBIDDEN']);
    expect((await api('POST', '/cache/purge', { route_id: a.routeId }, adminA)).status).toBe(200);
  });

  it('answers malformed purges with 400 and says what is wrong', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{}, /exactly one/],
      [{ route_id: a.routeId, service_id: a.serviceId }, /exactly one/],
      [{ route_id: a.routeId, path: '/a/x' }, /host is required/],
      [{ service_id: a.serviceId, path: '/a/x' }, /path needs route_id/],
      [{ route_id: a.routeId, host: 'h' }, /host goes with path/],
      [{ route_id: a.routeId, team_id: teamA }, /team_id goes with tags/],
      [{ tags: [] }, /tags/],
      [{ tags: ['has space'] }, /tags/],
      [{ route_id: a.routeId, path: 'no-slash', host: 'h' }, /path/],
      [{ url: 'http://x/' }, /url|additional/i],
    ];
    for (const [body, message] of cases) {
      const res = await api('POST', '/cache/purge', body);
      expect([res.status, res.body.error.code], JSON.stringify(body)).toEqual([400, 'GANTRY_ERR_VALIDATION']);
      expect(JSON.stringify(res.body.error), JSON.stringify(body)).toMatch(message);
    }
    expect((await api('POST', '/cache/purge', { route_id: 'rt_nope' })).status).toBe(404);
  });
});

describe('POST /api/v1/cache/purge when Redis is unreachable', () => {
  let node: TestGantry;

  beforeAll(async () => {
    node = await startTestGantry({ redisUrl: `redis://127.0.0.1:${await closedPort()}`, redisPrefix: 'unreachable' });
  });

  afterAll(async () => {
    await node?.stop();
  });

  it('answers 503 GANTRY_ERR_CACHE_PURGE_FAILED, having purged what it could reach', async () => {
    const api = adminClient(node);
    const teamId = (await api('GET', '/teams')).body.data[0].id as string;
    const res = await api('POST', '/cache/purge', { tags: ['x'], team_id: teamId });
    expect([res.status, res.body.error.code]).toEqual([503, 'GANTRY_ERR_CACHE_PURGE_FAILED']);
    expect(res.body.error.message).toMatch(/Redis/);
    expect(res.body.error.message).not.toMatch(/127\.0\.0\.1/);
  });
});

describeRedis('cache purges across two nodes sharing Redis', (redisUrl) => {
  let origin: Origin;
  let dir: string;
  let prefix: string;
  let one: TestGantry;
  let two: TestGantry;
  let api: Api;
  let mem: { serviceId: string; routeId: string };
  let shared: { serviceId: string; routeId: string };

  beforeAll(async () => {
    origin = await startOrigin();
    dir = mkdtempSync(join(tmpdir(), 'gantry-cache-purge-'));
    prefix = uniquePrefix('cache-purge').replace(/:$/, '');
    const common = { databaseUrl: join(dir, 'shared.db'), redisUrl, redisPrefix: prefix };
    one = await startTestGantry(common);
    two = await startTestGantry({ ...common, role: 'data' });
    api = adminClient(one);
    const teamId = (await api('GET', '/teams')).body.data[0].id as string;
    mem = await cachedRoute(api, origin, 'mem', teamId);
    shared = await cachedRoute(api, origin, 'shared', teamId, { store: 'redis' });
    origin.on('/shared/probe', () => ({ body: 'up' }));
    for (const n of [one, two]) await waitFor(() => servedWithCache(`${n.dataUrl}/shared/probe`), 8000, 'the routes');
    for (const n of [one, two]) await waitFor(() => n.dataPlane!.cacheStores.redisStore().redis.status === 'ready', 5000, 'Redis');
  });

  afterAll(async () => {
    await two?.stop();
    await one?.stop();
    await origin?.close();
    const r = new Redis(redisUrl);
    await deleteByPrefix(r, prefix);
    r.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reaches the other node's memory store", async () => {
    cacheable(origin, '/mem/x');
    await send(`${two.dataUrl}/mem/x`);
    expect((await send(`${two.dataUrl}/mem/x`)).headers['x-gantry-cache']).toBe('HIT');
    const res = await api('POST', '/cache/purge', { route_id: mem.routeId });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ purged: 'route', removed: { this_node_memory: 0, redis: 0 }, announced: 'redis' });
    await waitFor(async () => (await send(`${two.dataUrl}/mem/x`)).headers['x-gantry-cache'] === 'MISS', 5000, 'the purge on node two');
  });

  it('shares Redis-stored entries between nodes and purges them once', async () => {
    cacheable(origin, '/shared/y');
    const stored = () => one.dataPlane!.cacheStores.redisStore().stats().sets;
    const before = stored();
    expect((await send(`${one.dataUrl}/shared/y?v=1`)).headers['x-gantry-cache']).toBe('MISS');
    // The entry is written to Redis as the response goes out, not before: wait for the write.
    await waitFor(() => stored() > before, 5000, 'the entry written to Redis');
    const other = await send(`${two.dataUrl}/shared/y?v=1`);
    expect([other.headers['x-gantry-cache'], other.text]).toEqual(['HIT', '/shared/y#1']);
    const host = new URL(two.dataUrl).hostname;
    const res = await api('POST', '/cache/purge', { route_id: shared.routeId, path: '/shared/y?v=1', host });
    expect(res.body.removed.redis).toBe(1);
    expect((await send(`${two.dataUrl}/shared/y?v=1`)).headers['x-gantry-cache']).toBe('MISS');
    expect(origin.hits('/shared/y')).toBe(2);
  });

  it('purges from a control-only node (no data plane): Redis once, and every data plane', async () => {
    const control = await startTestGantry({ databaseUrl: join(dir, 'shared.db'), redisUrl, redisPrefix: prefix, role: 'control' });
    try {
      cacheable(origin, '/mem/c');
      cacheable(origin, '/shared/c');
      for (const p of ['/mem/c', '/shared/c']) {
        await send(`${two.dataUrl}${p}`);
        expect((await send(`${two.dataUrl}${p}`)).headers['x-gantry-cache']).toBe('HIT');
      }
      const res = await adminClient(control)('POST', '/cache/purge', { service_id: shared.serviceId });
      expect(res.body).toMatchObject({ purged: 'service', removed: { this_node_memory: null }, announced: 'redis' });
      expect(res.body.removed.redis).toBeGreaterThanOrEqual(1);
      expect((await send(`${two.dataUrl}/shared/c`)).headers['x-gantry-cache']).toBe('MISS');
      const byRoute = await adminClient(control)('POST', '/cache/purge', { route_id: mem.routeId });
      expect(byRoute.status).toBe(200);
      await waitFor(async () => (await send(`${two.dataUrl}/mem/c`)).headers['x-gantry-cache'] === 'MISS', 5000, 'the purge on node two');
    } finally {
      await control.stop();
    }
  });

  it('empties the memory store of a node that was cut from the announcements when it hears them again', async () => {
    const { forwarder, url } = await TcpForwarder.forUrl(redisUrl);
    const three = await startTestGantry({ databaseUrl: join(dir, 'shared.db'), redisUrl: url, redisPrefix: prefix, role: 'data' });
    try {
      cacheable(origin, '/mem/gap');
      await waitFor(() => servedWithCache(`${three.dataUrl}/mem/gap`), 8000, 'the route on node three');
      expect((await send(`${three.dataUrl}/mem/gap`)).headers['x-gantry-cache']).toBe('HIT');
      await forwarder.cut();
      const res = await api('POST', '/cache/purge', { route_id: mem.routeId });
      expect(res.status).toBe(200);
      // Node three never heard that purge: until it listens again, it still serves what it cached.
      expect((await send(`${three.dataUrl}/mem/gap`)).headers['x-gantry-cache']).toBe('HIT');
      await forwarder.restore();
      await waitFor(async () => (await send(`${three.dataUrl}/mem/gap`)).headers['x-gantry-cache'] === 'MISS', 15_000, 'node three dropping its memory cache');
    } finally {
      await three.stop();
      await forwarder.close();
    }
  });

  it('announces an invalidation by an unsafe request to the other node', async () => {
    origin.on('/mem/doc', (req, n) => (req.method === 'GET' ? { headers: { 'cache-control': 'max-age=300' }, body: `doc${n}` } : { status: 204 }));
    await send(`${two.dataUrl}/mem/doc`);
    expect((await send(`${two.dataUrl}/mem/doc`)).headers['x-gantry-cache']).toBe('HIT');
    await send(`${one.dataUrl}/mem/doc`, { method: 'DELETE' });
    await waitFor(async () => (await send(`${two.dataUrl}/mem/doc`)).headers['x-gantry-cache'] === 'MISS', 5000, 'the invalidation on node two');
  });
});

describeGated(
  'cache purges across two nodes sharing PostgreSQL (no Redis: NOTIFY)',
  postgresTestUrl() ? null : 'set GANTRY_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run it',
  () => {
    let origin: Origin;
    let db: { url: string; drop(): Promise<void> };
    let one: TestGantry;
    let two: TestGantry;
    let api: Api;
    let route: { serviceId: string; routeId: string };

    beforeAll(async () => {
      origin = await startOrigin();
      db = await createTempDatabase(postgresTestUrl()!);
      one = await startTestGantry({ databaseUrl: db.url, redisUrl: undefined });
      two = await startTestGantry({ databaseUrl: db.url, redisUrl: undefined, role: 'data' });
      api = adminClient(one);
      const teamId = (await api('GET', '/teams')).body.data[0].id as string;
      route = await cachedRoute(api, origin, 'pg', teamId);
      origin.on('/pg/probe', () => ({ body: 'up' }));
      await waitFor(() => servedWithCache(`${two.dataUrl}/pg/probe`), 8000, 'the route and its cache policy on node two');
    });

    afterAll(async () => {
      await two?.stop();
      await one?.stop();
      await origin?.close();
      await db?.drop();
    });

    it("reaches the other node's memory store", async () => {
      cacheable(origin, '/pg/x');
      await send(`${two.dataUrl}/pg/x`);
      expect((await send(`${two.dataUrl}/pg/x`)).headers['x-gantry-cache']).toBe('HIT');
      const res = await api('POST', '/cache/purge', { route_id: route.routeId });
      expect(res.body).toEqual({ purged: 'route', removed: { this_node_memory: 0, redis: null }, announced: 'postgres' });
      await waitFor(async () => (await send(`${two.dataUrl}/pg/x`)).headers['x-gantry-cache'] === 'MISS', 5000, 'the purge on node two');
    });
  },
);

