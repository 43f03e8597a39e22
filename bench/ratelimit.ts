/**
 * Rate-limit benchmark (issue 4): what a rate-limit policy costs on a route, side by side in one run.
 * One Gantry node, one upstream, five routes to it: plain (the reference), a local limit and a Redis
 * limit with each algorithm (sliding window, the default, and GCRA). The limits are high enough never
 * to deny, so every request does the full check and goes on to the upstream; the Redis limits fail
 * closed, so a Redis call that times out shows as a failure instead of a free pass.
 *
 * Redis: BENCH_REDIS_URL, else GANTRY_TEST_REDIS_URL, else redis://127.0.0.1:6379; the node's keys
 * live under a prefix of this run's own and are deleted at the end.
 *
 * Rounds are interleaved and rotated; each limit is compared with the plain route of the same round
 * (bench/paired.ts). Besides throughput and latency it reports CPU per request of the Gantry process
 * and of redis-server (from /proc and INFO cpu; the Redis figure includes whatever else uses that
 * server): on a shared, noisy machine CPU per request is the steadier measure of what a limit costs.
 *
 *   npm run bench:ratelimit   (BENCH_ROUNDS=7 BENCH_DURATION=4 BENCH_CONNECTIONS=50 by default)
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { envInt, forkServer, saveResults, startGantryNode, waitFor } from './lib.js';
import { pairedTable, redisCpuMs, runPairedRounds, type PairedScenario } from './paired.js';

const REDIS_URL = process.env.BENCH_REDIS_URL || process.env.GANTRY_TEST_REDIS_URL || 'redis://127.0.0.1:6379';
/** Per second and far above what this machine can send: the check runs, the limit never denies. */
const NEVER_DENY = { limit: 100_000_000, per: 'second', by: 'ip' } as const;

const ALL_ROUTES = [
  { name: 'plain', path: 'plain', policy: null },
  { name: 'local sliding-window', path: 'local-sw', policy: { ...NEVER_DENY, algorithm: 'sliding-window', backend: 'local' } },
  { name: 'local gcra', path: 'local-gcra', policy: { ...NEVER_DENY, algorithm: 'gcra', backend: 'local' } },
  { name: 'redis sliding-window', path: 'redis-sw', policy: { ...NEVER_DENY, algorithm: 'sliding-window', backend: 'redis', fail_mode: 'closed' } },
  { name: 'redis gcra', path: 'redis-gcra', policy: { ...NEVER_DENY, algorithm: 'gcra', backend: 'redis', fail_mode: 'closed' } },
] as const;
/** BENCH_ONLY=local-gcra,redis-sw (route paths) narrows the run; `plain`, the reference, always runs. */
const ONLY = process.env.BENCH_ONLY?.split(',').map((x) => x.trim());
const ROUTES = ALL_ROUTES.filter((r) => r.path === 'plain' || ONLY === undefined || ONLY.includes(r.path));

async function deleteKeys(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let n = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) n += await redis.unlink(...keys);
  } while (cursor !== '0');
  return n;
}

async function main(): Promise<void> {
  const rounds = envInt('BENCH_ROUNDS', 7);
  const durationS = envInt('BENCH_DURATION', 4);
  const connections = envInt('BENCH_CONNECTIONS', 50);
  const prefix = `gantry-bench-rl-${process.pid}-${randomBytes(4).toString('hex')}`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  await redis.ping();

  try {
    const upstream = await forkServer('upstream.mjs', ['0']);
    const { url, admin, pid } = await startGantryNode({ GANTRY_REDIS_URL: REDIS_URL, GANTRY_REDIS_PREFIX: prefix });
    const ups = await admin('POST', '/upstreams', { name: 'bench', targets: [{ url: `http://127.0.0.1:${upstream.port}` }] });
    const svc = await admin('POST', '/services', { name: 'bench', upstream_id: ups.id });
    for (const r of ROUTES) {
      const route = await admin('POST', '/routes', { name: r.path, service_id: svc.id, paths: [`/${r.path}/*`], strip_prefix: true });
      if (r.policy) await admin('POST', '/policies', { name: r.path, type: 'rate-limit', scope: 'route', target_id: route.id, config: r.policy });
    }
    // Every limited route answers with its RateLimit-Policy: the policy is live before we measure.
    for (const r of ROUTES) {
      await waitFor(`${url}/${r.path}/bench`);
      const res = await fetch(`${url}/${r.path}/bench`);
      await res.arrayBuffer();
      if (res.status !== 200 || (r.policy !== null) !== res.headers.has('ratelimit-policy')) {
        throw new Error(`${r.path}: ${res.status}, ratelimit-policy ${res.headers.get('ratelimit-policy')}`);
      }
    }

    process.stderr.write(`rate-limit bench: ${rounds} rounds × ${durationS}s, ${connections} connections, Redis ${REDIS_URL}\n`);
    const scenarios: PairedScenario[] = ROUTES.map((r) => ({
      name: r.name,
      load: { url: `${url}/${r.path}/bench`, connections, durationS },
      pid,
      otherCpuMs: () => redisCpuMs(redis),
    }));
    const rows = await runPairedRounds(scenarios, rounds, 2, 'plain');
    process.stdout.write(`\n${pairedTable(rows, 'plain', 'redis CPU µs/req')}\n`);

    const targets: Record<string, { cost: number; target: number; cpuCost: number; failures: number; met: boolean }> = {};
    for (const row of rows.slice(1)) {
      const target = row.name.startsWith('local') ? 0.05 : 0.25;
      const cost = 1 - row.rpsRatio;
      targets[row.name] = { cost, target, cpuCost: row.cpuRatio - 1, failures: row.failures, met: cost <= target && row.failures === 0 };
    }
    for (const [name, t] of Object.entries(targets)) {
      process.stdout.write(
        `${name}: throughput cost ${(t.cost * 100).toFixed(1)}% (target ≤ ${t.target * 100}%), Gantry CPU per request +${(t.cpuCost * 100).toFixed(1)}%` +
          `${t.failures ? `, ${t.failures} failures` : ''} ${t.met ? 'met' : 'NOT met'}\n`,
      );
    }
    const file = saveResults('ratelimit', { when: new Date().toISOString(), rounds, durationS, connections, rows, targets });
    process.stdout.write(`saved ${file}\n`);
  } finally {
    const n = await deleteKeys(redis, prefix);
    process.stderr.write(`deleted ${n} Redis keys under ${prefix}:\n`);
    redis.disconnect();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench failed: ${err.stack ?? err}\n`);
    process.exit(1);
  },
);
