/**
 * Three `gantry start` processes sharing one PostgreSQL database: a control plane and two data planes.
 * The database is reached through a TCP forwarder the test cuts (the machine's PostgreSQL stays up);
 * change notifications go over a private redis-server the test kills and restarts.
 *
 * Propagation times are printed, not asserted: the bound below (5 s) is a liveness bound. The figure of
 * record comes from `npm run bench:propagation`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTempDatabase, postgresTestUrl } from '../helpers/postgres.js';
import { describeGated, eventually, HAS_REDIS_SERVER, PrivateRedis, redisTestUrl, uniquePrefix } from '../helpers/redis.js';
import { TcpForwarder } from '../helpers/tcp-forwarder.js';
import { GantryNode, load, startEchoUpstream, timeUntilStatus } from './harness.js';

const PG_URL = postgresTestUrl();
const BOUND_MS = 5000;

const reason = !PG_URL
  ? 'set GANTRY_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run it'
  : !redisTestUrl()
    ? 'set GANTRY_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379) to run it'
    : !HAS_REDIS_SERVER
      ? 'redis-server is not installed'
      : null;

describeGated('a cluster of three gantry processes', reason, () => {
  let db: { url: string; drop(): Promise<void> };
  let pg: TcpForwarder;
  let redis: PrivateRedis;
  let redisPrefix: string;
  let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
  let control: GantryNode;
  let data: GantryNode[] = [];
  let serviceId: string;
  let changes = 0;

  beforeAll(async () => {
    db = await createTempDatabase(PG_URL!);
    const forwarded = await TcpForwarder.forUrl(db.url);
    pg = forwarded.forwarder;
    redis = await PrivateRedis.start();
    redisPrefix = uniquePrefix('cluster').replace(/:$/, '');
    upstream = await startEchoUpstream('echo');
    const common = { databaseUrl: forwarded.url, redisUrl: redis.url, redisPrefix };
    // The control plane migrates and creates the admin token; the data planes start after it.
    control = await GantryNode.start({ ...common, name: 'control', role: 'control' });
    data = await Promise.all([
      GantryNode.start({ ...common, name: 'data-1', role: 'data' }),
      GantryNode.start({ ...common, name: 'data-2', role: 'data' }),
    ]);
    const ups = await control.api('POST', '/upstreams', { name: 'echo', targets: [{ url: upstream.url }] });
    expect(ups.status, JSON.stringify(ups.body)).toBe(201);
    const svc = await control.api('POST', '/services', { name: 'echo', upstream_id: ups.body.id });
    expect(svc.status, JSON.stringify(svc.body)).toBe(201);
    serviceId = svc.body.id;
  }, 120_000);

  afterAll(async () => {
    await Promise.all([control, ...data].filter(Boolean).map((n) => n.destroy()));
    await redis?.kill();
    await pg?.close();
    await upstream?.close();
    await db?.drop();
  }, 60_000);

  /** Adds a route `/<tag>/*` through the control plane; returns when the admin API answered. */
  async function addRoute(tag: string): Promise<number> {
    changes++;
    const res = await control.api('POST', '/routes', { name: `r-${tag}`, service_id: serviceId, paths: [`/${tag}/*`], strip_prefix: true });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return performance.now();
  }

  /** Milliseconds from the admin response until each data node serves `/<tag>/`. */
  async function propagation(tag: string, since: number): Promise<number[]> {
    return Promise.all(data.map((n) => timeUntilStatus(`${n.dataUrl}/${tag}/x`, 200, since, { everyMs: 5, boundMs: BOUND_MS })));
  }

  function report(label: string, ms: number[]): void {
    console.log(`[cluster] ${label}: ${ms.map((m, i) => `${data[i]!.spec.name} ${m.toFixed(1)} ms`).join(', ')}`);
  }

  async function subscribers(): Promise<number> {
    const client = new Redis(redis.url, { maxRetriesPerRequest: 1, lazyConnect: true });
    try {
      await client.connect();
      const reply = (await client.pubsub('NUMSUB', `${redisPrefix}:config`)) as [string, number];
      return Number(reply[1]);
    } finally {
      client.disconnect();
    }
  }

  function snapshotVersion(node: GantryNode): number | undefined {
    try {
      return (JSON.parse(readFileSync(join(node.spec.dataDir, 'snapshot.json'), 'utf8')) as { config: { version: number } }).config.version;
    } catch {
      return undefined;
    }
  }

  it('propagates a change made through the admin API to every data node (times printed)', async () => {
    // Both data planes listen on the Redis channel: notifications, not the poll, carry the changes.
    expect(await subscribers()).toBe(data.length);
    for (let i = 0; i < 5; i++) {
      const since = await addRoute(`a${i}`);
      report(`change ${i + 1} (Redis pub/sub)`, await propagation(`a${i}`, since));
    }
    const res = await fetch(`${data[0]!.dataUrl}/a0/hello`);
    expect(await res.json()).toEqual({ upstream: 'echo', path: '/hello' });
  }, 60_000);

  it('serves through a PostgreSQL outage with no 5xx, restarts a data node from its snapshot, and catches up after', async () => {
    const current = ((await control.api('GET', '/status')).body as { config_version: number }).config_version;
    // Every data node has written the version it serves to its snapshot file.
    await eventually(() => data.every((n) => snapshotVersion(n) === current), BOUND_MS);

    await pg.cut();
    const urls = data.map((n) => `${n.dataUrl}/a1/during-outage`);
    const during = await load(urls, { maxMs: 2500, concurrency: 4 });
    console.log(`[cluster] PostgreSQL cut: ${during.total} requests, by status ${JSON.stringify(during.byStatus)}`);
    expect(during.failures).toEqual([]);
    expect(during.byStatus['200']).toBe(during.total);
    // The data planes noticed the outage (their poll failed) and kept serving.
    await eventually(() => data.every((n) => n.logged('store unreachable').length > 0), BOUND_MS);

    // A data node restarted while PostgreSQL is unreachable serves from its snapshot file.
    const restarted = data[1]!;
    await restarted.stop();
    await restarted.restart();
    expect(restarted.logged('serving the last good configuration from the snapshot file')).toHaveLength(1);
    const afterRestart = await load(data.map((n) => `${n.dataUrl}/a2/after-restart`), { maxMs: 1000, concurrency: 4 });
    expect(afterRestart.failures).toEqual([]);
    expect(afterRestart.byStatus['200']).toBe(afterRestart.total);

    await pg.restore();
    const since = await addRoute('b1');
    report('first change after PostgreSQL returned', await propagation('b1', since));
    await eventually(() => restarted.logged('store reachable again').length > 0, BOUND_MS);
    // Nothing was lost: every route created so far is served by every node, and no process died.
    for (const n of data) for (const tag of ['a0', 'a4', 'b1']) expect((await fetch(`${n.dataUrl}/${tag}/x`)).status).toBe(200);
    expect([control, ...data].filter((n) => !n.running).map((n) => n.spec.name)).toEqual([]);
  }, 90_000);

  it('keeps serving and propagating (by polling) through a Redis outage, and resubscribes when Redis returns', async () => {
    await redis.kill();
    const since = await addRoute('c1');
    report('change while Redis is down (poll)', await propagation('c1', since));
    const during = await load(data.map((n) => `${n.dataUrl}/c1/during-redis-outage`), { maxMs: 1000, concurrency: 4 });
    expect(during.failures).toEqual([]);
    expect(during.byStatus['200']).toBe(during.total);
    expect(data.every((n) => n.logged('config change notifications (Redis) lost').length > 0)).toBe(true);

    await redis.restart();
    // Both data planes subscribe again by themselves (reconnection backoff is at most 5 s).
    await eventually(async () => (await subscribers()) === data.length, 15_000);
    const after = await addRoute('c2');
    report('change after Redis returned (pub/sub)', await propagation('c2', after));
    expect([control, ...data].filter((n) => !n.running).map((n) => n.spec.name)).toEqual([]);
    expect(changes).toBe(8);
  }, 60_000);
});
