/**
 * Config propagation in cluster mode (issue 4): how long after the admin API answers a change does
 * every data-plane node serve it? Three clusters run side by side, each a control plane and two data
 * planes (`gantry start` processes, from source) on a database of their own:
 *
 *   - Redis pub/sub notifications (GANTRY_REDIS_URL set),
 *   - PostgreSQL LISTEN/NOTIFY notifications (no Redis),
 *   - the reference: the poll alone (config_poll_ms 500; the Redis URL names a port nothing listens on).
 *
 * Each change adds a route; every data node is probed every 5 ms until the route answers 200. Changes
 * are interleaved across the clusters (A B C, A B C, ...) after a few unmeasured warm-up changes.
 *
 *   GANTRY_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
 *   GANTRY_TEST_REDIS_URL=redis://127.0.0.1:6379 npm run bench:propagation     (BENCH_CHANGES=20)
 */
import { randomBytes } from 'node:crypto';
import { createTempDatabase } from '../test/helpers/postgres.js';
import { freePort, GantryNode, sleep, startEchoUpstream, timeUntilStatus } from '../test/cluster/harness.js';
import { envInt, median, saveResults, textTable } from './lib.js';

const WARMUP = 3;
const POLL_MS = 500;

interface Cluster {
  name: string;
  control: GantryNode;
  data: GantryNode[];
  serviceId: string;
  drop(): Promise<void>;
  samples: number[];
}

function required(name: string): string {
  const v = process.env[name]?.trim();
  if (!v) throw new Error(`${name} must be set (e.g. GANTRY_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test GANTRY_TEST_REDIS_URL=redis://127.0.0.1:6379)`);
  return v;
}

async function startCluster(name: string, pgBase: string, redisUrl: string | undefined, upstreamUrl: string): Promise<Cluster> {
  const db = await createTempDatabase(pgBase);
  const common = { databaseUrl: db.url, redisUrl, redisPrefix: `gantry-bench-${randomBytes(4).toString('hex')}`, pollMs: POLL_MS, logLevel: 'warn' };
  const control = await GantryNode.start({ ...common, name: `${name}-control`, role: 'control' });
  const data = await Promise.all([1, 2].map((i) => GantryNode.start({ ...common, name: `${name}-data-${i}`, role: 'data' })));
  const ups = await control.api('POST', '/upstreams', { name: 'echo', targets: [{ url: upstreamUrl }] });
  const svc = await control.api('POST', '/services', { name: 'echo', upstream_id: ups.body.id });
  if (svc.status !== 201) throw new Error(`${name}: cannot create the service: ${JSON.stringify(svc.body)}`);
  return {
    name,
    control,
    data,
    serviceId: svc.body.id,
    samples: [],
    drop: async () => {
      await Promise.all([control, ...data].map((n) => n.destroy()));
      await db.drop();
    },
  };
}

/** One change; returns the time until each data node served it (ms from the admin response). */
async function change(c: Cluster, tag: string): Promise<number[]> {
  const res = await c.control.api('POST', '/routes', { name: `r-${tag}`, service_id: c.serviceId, paths: [`/${tag}/*`] });
  if (res.status !== 201) throw new Error(`${c.name}: ${res.status} ${JSON.stringify(res.body)}`);
  const since = performance.now();
  return Promise.all(c.data.map((n) => timeUntilStatus(`${n.dataUrl}/${tag}/x`, 200, since, { everyMs: 5, boundMs: 10_000 })));
}

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

async function main(): Promise<void> {
  const pgBase = required('GANTRY_TEST_POSTGRES_URL');
  const redisUrl = required('GANTRY_TEST_REDIS_URL');
  const changes = envInt('BENCH_CHANGES', 20);
  const upstream = await startEchoUpstream('echo');
  const deadRedis = `redis://127.0.0.1:${await freePort()}`;

  process.stderr.write('starting 3 clusters of 3 nodes...\n');
  const clusters: Cluster[] = [];
  try {
    clusters.push(await startCluster('redis', pgBase, redisUrl, upstream.url));
    clusters.push(await startCluster('postgres', pgBase, undefined, upstream.url));
    clusters.push(await startCluster('poll', pgBase, deadRedis, upstream.url));
    for (let i = 0; i < WARMUP + changes; i++) {
      for (const c of clusters) {
        const ms = await change(c, `c${i}`);
        if (i >= WARMUP) c.samples.push(...ms);
        await sleep(50);
      }
      if (i >= WARMUP) process.stderr.write(`  change ${i - WARMUP + 1}/${changes}\n`);
    }
  } finally {
    await Promise.all(clusters.map((c) => c.drop()));
    await upstream.close();
  }

  const poll = median(clusters.find((c) => c.name === 'poll')!.samples);
  const rows = clusters.map((c) => ({
    scenario: c.name === 'poll' ? `poll only (${POLL_MS} ms), reference` : `${c.name} notifications`,
    samples: c.samples.length,
    median: median(c.samples),
    p90: pct(c.samples, 90),
    max: Math.max(...c.samples),
    vsPoll: median(c.samples) / poll,
  }));
  const head = ['scenario', 'samples', 'median ms', 'p90 ms', 'max ms', '× poll (median)'];
  const body = rows.map((r) => [r.scenario, String(r.samples), r.median.toFixed(1), r.p90.toFixed(1), r.max.toFixed(1), r.vsPoll.toFixed(3)]);
  console.log(`\nPropagation: admin API response → each of 2 data nodes serving the change (${changes} changes per scenario, ${WARMUP} warm-up changes not counted)\n`);
  console.log(textTable(head, body));
  const file = saveResults('propagation', { changes, warmup: WARMUP, pollMs: POLL_MS, rows, samples: Object.fromEntries(clusters.map((c) => [c.name, c.samples])) });
  console.log(`\nsaved ${file}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
