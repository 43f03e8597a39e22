/**
 * Global rate limits across three `gantry start` processes sharing the machine's PostgreSQL and Redis.
 * The nodes reach Redis through a TCP forwarder (in a process of its own, so the test's load loop does
 * not delay Redis replies) that the test cuts to simulate an outage; the machine's Redis stays up.
 * The nodes start once for the whole file, and are warmed up before anything is measured.
 *
 * Soundness of the accuracy checks: each limit's period is longer than the whole load (bounded well
 * under it, and checked), so every admission lands in one window and "never more than the limit in any
 * window" is exactly "no more than the limit in total". The limit must also be reached: exactly
 * `limit` admissions, each with its own `remaining` value (no two nodes were handed the same slot).
 * The limits fail closed, so a Redis call that times out under machine load can only refuse (503),
 * never admit one too many; such refusals are counted and bound the check instead of breaking it.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTempDatabase, postgresTestUrl } from '../helpers/postgres.js';
import { deleteByPrefix, describeGated, eventually, redisTestUrl, scanKeys, uniquePrefix } from '../helpers/redis.js';
import { ForwarderProcess } from './forwarder-process.js';
import { GantryNode, startEchoUpstream } from './harness.js';

const PG_URL = postgresTestUrl();
const REDIS_URL = redisTestUrl();
const reason = !PG_URL
  ? 'set GANTRY_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run it'
  : !REDIS_URL
    ? 'set GANTRY_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379) to run it'
    : null;

/** Requests in flight per node, and the bound on a whole load run. */
const CONCURRENCY_PER_NODE = 4;
const LOAD_MAX_MS = 20_000;

interface Answer {
  /** The URL asked (one per node). */
  url: string;
  status: number;
  headers: Headers;
  body: { error?: { code?: string; message?: string } } | null;
}

async function get(url: string): Promise<Answer> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  let body: Answer['body'] = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: an upstream answer we do not look into
  }
  return { url, status: res.status, headers: res.headers, body };
}

/**
 * `count` requests spread over `urls` (one URL per node), `CONCURRENCY_PER_NODE` in flight on each
 * node at once; bounded by `count` and LOAD_MAX_MS. Keeps every answer.
 */
async function burst(urls: readonly string[], count: number): Promise<{ answers: Answer[]; errors: string[]; ms: number }> {
  const answers: Answer[] = [];
  const errors: string[] = [];
  const started = performance.now();
  const end = Date.now() + LOAD_MAX_MS;
  let next = 0;
  const worker = async (url: string) => {
    while (next < count && Date.now() < end) {
      next++;
      try {
        answers.push(await get(url));
      } catch (err) {
        errors.push(`${url}: ${(err as Error).message}`);
      }
    }
  };
  await Promise.all(urls.flatMap((url) => Array.from({ length: CONCURRENCY_PER_NODE }, () => worker(url))));
  return { answers, errors, ms: performance.now() - started };
}

const byStatus = (answers: Answer[]): Record<number, number> => {
  const out: Record<number, number> = {};
  for (const a of answers) out[a.status] = (out[a.status] ?? 0) + 1;
  return out;
};

/** `r` of a `ratelimit: "<name>";r=<n>;t=<s>` header. */
function remainingOf(a: Answer): number {
  const m = /;r=(\d+);t=\d+$/.exec(a.headers.get('ratelimit') ?? '');
  if (!m) throw new Error(`no RateLimit header: ${a.headers.get('ratelimit')}`);
  return Number(m[1]);
}

describeGated('a global rate limit across three gantry processes sharing Redis', reason, () => {
  let db: { url: string; drop(): Promise<void> };
  let redisFwd: ForwarderProcess;
  let redisPrefix: string;
  let admin: Redis;
  let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
  let nodes: GantryNode[] = [];
  let serviceId: string;

  beforeAll(async () => {
    db = await createTempDatabase(PG_URL!);
    redisFwd = await ForwarderProcess.forUrl(REDIS_URL!);
    redisPrefix = uniquePrefix('rl-cluster').replace(/:$/, '');
    admin = new Redis(REDIS_URL!);
    upstream = await startEchoUpstream('echo');
    const common = { databaseUrl: db.url, redisUrl: redisFwd.url, redisPrefix };
    // The first node migrates the database; the other two start after it, together.
    const first = await GantryNode.start({ ...common, name: 'node-1', role: 'all' });
    nodes = [first, ...(await Promise.all([GantryNode.start({ ...common, name: 'node-2', role: 'data' }), GantryNode.start({ ...common, name: 'node-3', role: 'data' })]))];
    const ups = await first.api('POST', '/upstreams', { name: 'echo', targets: [{ url: upstream.url }] });
    expect(ups.status, JSON.stringify(ups.body)).toBe(201);
    const svc = await first.api('POST', '/services', { name: 'echo', upstream_id: ups.body.id });
    expect(svc.status, JSON.stringify(svc.body)).toBe(201);
    serviceId = svc.body.id;
    // Warm-up: every node's code paths and Redis client hot before the first measured burst.
    const warm = await limitedRoute('warm', { limit: 1_000_000, per: 'second', by: 'route', backend: 'redis' });
    await burst(warm.urls, 300);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.destroy()));
    await redisFwd?.close();
    await upstream?.close();
    await db?.drop();
    if (admin) {
      await deleteByPrefix(admin, `${redisPrefix}:`);
      admin.disconnect();
    }
  }, 60_000);

  /** A route `/<tag>/*` with one rate-limit policy named `<tag>`; resolves once every node serves it. */
  async function limitedRoute(tag: string, config: Record<string, unknown>): Promise<{ routeId: string; urls: string[] }> {
    const route = await nodes[0]!.api('POST', '/routes', { name: tag, service_id: serviceId, paths: [`/${tag}/*`], strip_prefix: true });
    expect(route.status, JSON.stringify(route.body)).toBe(201);
    const pol = await nodes[0]!.api('POST', '/policies', { name: tag, type: 'rate-limit', scope: 'route', target_id: route.body.id, config });
    expect(pol.status, JSON.stringify(pol.body)).toBe(201);
    // Each node serves the route with its policy once an answer carries RateLimit-Policy. Answers
    // before that (404, or the route without the policy yet) spend nothing, so each node spends one slot.
    await Promise.all(
      nodes.map((n) => eventually(async () => (await get(`${n.dataUrl}/${tag}/ready`)).headers.get('ratelimit-policy') !== null, 10_000)),
    );
    return { routeId: route.body.id, urls: nodes.map((n) => `${n.dataUrl}/${tag}/x`) };
  }

  /** The admission counter the sliding-window script keeps for a route (its `:n` hash, field `sum`). */
  async function windowSum(routeId: string): Promise<number> {
    const keys = await scanKeys(admin, `${redisPrefix}:rl:w:*:route:${routeId}}:n`);
    expect(keys).toHaveLength(1);
    return Number(await admin.hget(keys[0]!, 'sum'));
  }

  /**
   * Units a GCRA route has used, from its TAT key and Redis's clock: limit − remaining, where
   * remaining = ⌊(now + capacity − TAT) / interval⌋ (src/ratelimit/redis-lua.ts). Exact while less than
   * one interval has passed since the first admission.
   */
  async function gcraSpent(routeId: string, limit: number, periodMs: number): Promise<number> {
    const keys = await scanKeys(admin, `${redisPrefix}:rl:g:*:route:${routeId}}`);
    expect(keys).toHaveLength(1);
    const [tat, [sec, usec]] = await Promise.all([admin.get(keys[0]!), admin.time()]);
    const interval = Math.ceil((periodMs * 1000) / limit);
    const now = Number(sec) * 1_000_000 + Number(usec);
    return limit - Math.floor((now + limit * interval - Number(tat)) / interval);
  }

  function checkDenials(answers: Answer[], limit: number, name: string, periodS: number): void {
    const denied = answers.filter((a) => a.status === 429);
    expect(denied.length).toBeGreaterThan(0);
    for (const d of denied) {
      expect(d.body?.error?.code).toBe('GANTRY_ERR_RATE_LIMITED');
      const retryAfter = Number(d.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(periodS);
      expect(d.headers.get('ratelimit-policy')).toBe(`"${name}";q=${limit};w=${periodS}`);
      expect(d.headers.get('ratelimit')).toMatch(new RegExp(`^"${name}";r=0;t=\\d+$`));
    }
  }

  /**
   * The accuracy check shared by both algorithms. Budget spent before the load (the readiness probe
   * of `limitedRoute`: one per node) counts, so the load sees `limit - spent` slots.
   */
  function checkAdmissions(answers: Answer[], slots: number): void {
    const statuses = byStatus(answers);
    const unavailable = answers.filter((a) => a.status === 503);
    for (const u of unavailable) expect(u.body?.error?.code).toBe('GANTRY_ERR_RATE_LIMIT_UNAVAILABLE');
    expect(Object.keys(statuses).filter((s) => !['200', '429', '503'].includes(s))).toEqual([]);
    const admitted = answers.filter((a) => a.status === 200);
    const remaining = admitted.map(remainingOf);
    // Every admission got a slot of its own: the remaining counts are all different.
    expect(new Set(remaining).size).toBe(remaining.length);
    // Never more than the limit...
    expect(admitted.length).toBeLessThanOrEqual(slots);
    if (unavailable.length === 0) {
      // ...and the limit was reached: exactly the free slots, each remaining value once.
      expect(admitted.length).toBe(slots);
      expect([...remaining].sort((a, b) => a - b)).toEqual(Array.from({ length: slots }, (_, i) => i));
    } else {
      // A Redis call timed out under machine load and was refused: it may have taken a slot in Redis.
      console.log(`[rate-limit] ${unavailable.length} refusals on a Redis timeout: admitted ${admitted.length} of ${slots}`);
      expect(admitted.length + unavailable.length).toBeGreaterThanOrEqual(slots);
    }
    // More than one node admitted: the budget really was shared, not used up by one node alone.
    expect(new Set(admitted.map((a) => a.url)).size).toBeGreaterThan(1);
  }

  it('sliding window: three nodes under concurrent load admit exactly the limit, never more; 429s carry Retry-After, RateLimit-* and the stable code', async () => {
    const limit = 60;
    const { routeId, urls } = await limitedRoute('sw', { limit, per: 'minute', by: 'route', algorithm: 'sliding-window', backend: 'redis', fail_mode: 'closed' });
    // The readiness probes spent one slot per node (more if a probe timed out and was retried).
    const spent = await windowSum(routeId);
    expect(spent).toBeGreaterThanOrEqual(nodes.length);
    const { answers, errors, ms } = await burst(urls, 10 * limit);
    console.log(`[rate-limit] sliding window: ${answers.length} requests in ${ms.toFixed(0)} ms, by status ${JSON.stringify(byStatus(answers))}`);
    expect(errors).toEqual([]);
    // The whole load lies inside one window of the limit (a minute), so the total is the per-window count.
    expect(ms).toBeLessThan(60_000);
    checkAdmissions(answers, limit - spent);
    checkDenials(answers, limit, 'sw', 60);
    // Redis holds exactly the limit: no node admitted anything it did not record.
    expect(await windowSum(routeId)).toBe(limit);
  }, 60_000);

  it('gcra: three nodes under concurrent load admit exactly the burst within one emission interval, never more', async () => {
    // 60 per hour: one slot every 60 s, a bucket of 60. The load ends well within 60 s of its start, so
    // the bucket refills no slot during it and GCRA admits exactly what the bucket held.
    const limit = 60;
    const { routeId, urls } = await limitedRoute('gcra', { limit, per: 'hour', by: 'route', algorithm: 'gcra', backend: 'redis', fail_mode: 'closed' });
    const spent = await gcraSpent(routeId, limit, 3_600_000);
    expect(spent).toBeGreaterThanOrEqual(nodes.length);
    const { answers, errors, ms } = await burst(urls, 10 * limit);
    console.log(`[rate-limit] gcra: ${answers.length} requests in ${ms.toFixed(0)} ms, by status ${JSON.stringify(byStatus(answers))}`);
    expect(errors).toEqual([]);
    expect(ms).toBeLessThan(60_000);
    checkAdmissions(answers, limit - spent);
    checkDenials(answers, limit, 'gcra', 3600);
    // The bucket is empty: exactly `limit` admitted in all.
    expect(await gcraSpent(routeId, limit, 3_600_000)).toBe(limit);
  }, 60_000);

  it('Redis cut: fail_mode open admits without a quota, closed refuses with 503; both go back to the shared counters when Redis returns', async () => {
    const open = await limitedRoute('open', { limit: 5, per: 'minute', by: 'route', backend: 'redis', fail_mode: 'open' });
    const closed = await limitedRoute('closed', { limit: 5, per: 'minute', by: 'route', backend: 'redis', fail_mode: 'closed' });
    // Before: the open route's budget is spent (5: the three probes and two more), the closed one's is not.
    for (let i = 0; i < 2; i++) expect((await get(open.urls[i]!)).status).toBe(200);
    for (const url of open.urls) expect((await get(url)).status).toBe(429);

    await redisFwd.cut();
    try {
      for (const node of nodes) {
        // fail open: through, even over the spent budget, and with no RateLimit-* quota it cannot know.
        const o = await get(`${node.dataUrl}/open/during-cut`);
        expect(o.status).toBe(200);
        expect(o.headers.get('ratelimit')).toBeNull();
        expect(o.headers.get('ratelimit-policy')).toBeNull();
        // fail closed: refused with the stable code and a Retry-After.
        const c = await get(`${node.dataUrl}/closed/during-cut`);
        expect(c.status).toBe(503);
        expect(c.body?.error?.code).toBe('GANTRY_ERR_RATE_LIMIT_UNAVAILABLE');
        expect(Number(c.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      }
    } finally {
      await redisFwd.restore();
    }

    // Recovery by itself (ioredis reconnects): every node counts in Redis again, where the state outlived the cut.
    for (const node of nodes) {
      await eventually(async () => (await get(`${node.dataUrl}/open/after`)).status === 429, 15_000);
      await eventually(async () => (await get(`${node.dataUrl}/closed/after`)).status !== 503, 15_000);
    }
    const c = await get(closed.urls[0]!);
    expect(c.status === 200 || c.status === 429).toBe(true);
    expect(c.headers.get('ratelimit-policy')).toBe('"closed";q=5;w=60');
  }, 60_000);
});
