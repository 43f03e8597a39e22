/**
 * The response cache across three `gantry start` processes sharing PostgreSQL and Redis (every node
 * role `all`): an entry stored in Redis through one node is a HIT on the others, and a purge through
 * one node's admin API empties the memory store of all three.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startOrigin, type Origin } from '../fixtures/cache-origin.js';
import { createTempDatabase, postgresTestUrl } from '../helpers/postgres.js';
import { deleteByPrefix, describeGated, eventually, redisTestUrl, uniquePrefix } from '../helpers/redis.js';
import { GantryNode } from './harness.js';

const PG_URL = postgresTestUrl();
const REDIS_URL = redisTestUrl();

const reason = !PG_URL
  ? 'set GANTRY_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run it'
  : !REDIS_URL
    ? 'set GANTRY_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379) to run it'
    : null;

describeGated('the response cache on a cluster of three gantry processes', reason, () => {
  let db: { url: string; drop(): Promise<void> };
  let prefix: string;
  let origin: Origin;
  let nodes: GantryNode[] = [];
  let memoryRoute: string;

  async function cacheStatus(node: GantryNode, path: string): Promise<string | null> {
    const res = await fetch(`${node.dataUrl}${path}`);
    await res.arrayBuffer();
    return res.headers.get('x-gantry-cache');
  }

  beforeAll(async () => {
    db = await createTempDatabase(PG_URL!);
    prefix = uniquePrefix('cluster-cache').replace(/:$/, '');
    origin = await startOrigin();
    for (const path of ['/shared/item', '/local/item']) {
      origin.on(path, (_r, n) => ({ headers: { 'cache-control': 'max-age=300' }, body: `${path}#${n}` }));
    }
    const common = { databaseUrl: db.url, redisUrl: REDIS_URL!, redisPrefix: prefix, role: 'all' as const };
    // The first node migrates and bootstraps; the others start after it.
    nodes = [await GantryNode.start({ ...common, name: 'cache-1' })];
    nodes.push(...(await Promise.all([GantryNode.start({ ...common, name: 'cache-2' }), GantryNode.start({ ...common, name: 'cache-3' })])));
    const api = nodes[0]!.api.bind(nodes[0]);
    const ups = await api('POST', '/upstreams', { name: 'origin', targets: [{ url: origin.url }] });
    expect(ups.status, JSON.stringify(ups.body)).toBe(201);
    for (const [name, store] of [['shared', 'redis'], ['local', 'memory']] as const) {
      const svc = await api('POST', '/services', { name, upstream_id: ups.body.id });
      expect(svc.status, JSON.stringify(svc.body)).toBe(201);
      const route = await api('POST', '/routes', { name, service_id: svc.body.id, paths: [`/${name}/*`] });
      expect(route.status, JSON.stringify(route.body)).toBe(201);
      const policy = await api('POST', '/policies', { type: 'cache', scope: 'route', target_id: route.body.id, config: { store } });
      expect(policy.status, JSON.stringify(policy.body)).toBe(201);
      if (store === 'memory') memoryRoute = route.body.id;
    }
    origin.on('/local/probe', () => ({ body: 'up' }));
    // Wait for the policy too: a node can serve the route before its cache policy arrives.
    await eventually(async () => (await Promise.all(nodes.map((n) => cacheStatus(n, '/local/probe')))).every((s) => s !== null), 10_000);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.destroy()));
    await origin?.close();
    if (REDIS_URL) {
      const r = new Redis(REDIS_URL);
      await deleteByPrefix(r, prefix);
      r.disconnect();
    }
    await db?.drop();
  }, 60_000);

  it('serves an entry stored in Redis through one node as a HIT on the others', async () => {
    // The first request may come before a node's Redis connection is ready (a miss, by design).
    await eventually(async () => (await cacheStatus(nodes[0]!, '/shared/item')) === 'HIT', 10_000);
    const hits = origin.hits('/shared/item');
    expect(await cacheStatus(nodes[1]!, '/shared/item')).toBe('HIT');
    expect(await cacheStatus(nodes[2]!, '/shared/item')).toBe('HIT');
    expect(origin.hits('/shared/item')).toBe(hits);
  }, 30_000);

  it("purges every node's memory store through one admin API", async () => {
    for (const n of nodes) {
      await cacheStatus(n, '/local/item');
      expect(await cacheStatus(n, '/local/item')).toBe('HIT');
    }
    const hitsBefore = origin.hits('/local/item');
    const res = await nodes[2]!.api('POST', '/cache/purge', { route_id: memoryRoute });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ purged: 'route', removed: { this_node_memory: 1 }, announced: 'redis' });
    for (const n of nodes) await eventually(async () => (await cacheStatus(n, '/local/item')) === 'MISS', 5000);
    expect(origin.hits('/local/item')).toBe(hitsBefore + 3);
  }, 30_000);
});
