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
 * Besides throughput and latency it reports CPU per request of the Gantry process and of redis-server
 * (from /proc and INFO cpu): on a shared, noisy machine that is the steadier measure of what a limit costs.
 *
 *   npm run bench:ratelimit   (BENCH_ROUNDS=5 BENCH_DURATION=5 BENCH_CONNECTIONS=50 by default)
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { envInt, forkServer, median, processCpuMs, runLoad, saveResults, startGantryNode, waitFor, type LoadOptions } from './lib.js';

const REDIS_URL = process.env.BENCH_REDIS_URL || process.env.GANTRY_TEST_REDIS_URL || 'redis://127.0.0.1:6379';
/** Per second and far above what this machine can send: the check runs, the limit never denies. */
const NEVER_DENY = { limit: 100_000_000, per: 'second', by: 'ip' } as const;

const ROUTES = [
  { name: 'plain', path: 'plain', policy: null },
  { name: 'local sliding-window', path: 'local-sw', policy: { ...NEVER_DENY, algorithm: 'sliding-window', backend: 'local' } },
  { name: 'local gcra', path: 'local-gcra', policy: { ...NEVER_DENY, algorithm: 'gcra', backend: 'local' } },
  { name: 'redis sliding-window', path: 'redis-sw', policy: { ...NEVER_DENY, algorithm: 'sliding-window', backend: 'redis', fail_mode: 'closed' } },
  { name: 'redis gcra', path: 'redis-gcra', policy: { ...NEVER_DENY, algorithm: 'gcra', backend: 'redis', fail_mode: 'closed' } },
] as const;

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

interface Run {
  rps: number;
  p50: number;
  p99: number;
  failures: number;
  /** CPU per request (µs) of the Gantry process and of redis-server during the run. */
  gantryCpuUs: number;
  redisCpuUs: number;
}

async function redisCpuMs(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const get = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN);
  return (get('used_cpu_user') + get('used_cpu_sys')) * 1000;
}

async function measured(load: LoadOptions, pid: number, redis: Redis): Promise<Run> {
  const [cpu0, rcpu0] = [processCpuMs(pid) ?? NaN, await redisCpuMs(redis)];
  const r = await runLoad(load);
  const [cpu1, rcpu1] = [processCpuMs(pid) ?? NaN, await redisCpuMs(redis)];
  const n = r.rps * load.durationS;
  return { rps: r.rps, p50: r.p50, p99: r.p99, failures: r.non2xx + r.errors, gantryCpuUs: ((cpu1 - cpu0) * 1000) / n, redisCpuUs: ((rcpu1 - rcpu0) * 1000) / n };
}

async function main(): Promise<void> {
  const rounds = envInt('BENCH_ROUNDS', 5);
  const durationS = envInt('BENCH_DURATION', 5);
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
    const loads = ROUTES.map((r) => ({ url: `${url}/${r.path}/bench`, connections, durationS }));
    for (const load of loads) await runLoad({ ...load, durationS: 2 });
    // Interleaved (A B C D E, A B C D E, ...), so drifting machine load hits every scenario alike.
    const runs: Run[][] = ROUTES.map(() => []);
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < ROUTES.length; i++) {
        const run = await measured(loads[i]!, pid, redis);
        runs[i]!.push(run);
        process.stderr.write(`  round ${round + 1}/${rounds} ${ROUTES[i]!.name}: ${Math.round(run.rps)} req/s, ${run.gantryCpuUs.toFixed(0)} µs CPU/req\n`);
      }
    }
    const rows = ROUTES.map((r, i) => {
      const rs = runs[i]!;
      const m = (f: (x: Run) => number) => median(rs.map(f));
      return { name: r.name, rps: m((x) => x.rps), p50: m((x) => x.p50), p99: m((x) => x.p99), gantryCpuUs: m((x) => x.gantryCpuUs), redisCpuUs: m((x) => x.redisCpuUs), failures: rs.reduce((n, x) => n + x.failures, 0), rounds: rs };
    });
    const plain = rows[0]!;
    const table = [
      ['scenario', 'req/s (median)', 'p50 ms', 'p99 ms', 'failures', '× plain', 'gantry CPU µs/req', 'redis CPU µs/req'],
      ...rows.map((r) => [r.name, Math.round(r.rps).toString(), r.p50.toFixed(2), r.p99.toFixed(2), String(r.failures), (r.rps / plain.rps).toFixed(2), r.gantryCpuUs.toFixed(0), r.redisCpuUs.toFixed(1)]),
    ];
    const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
    process.stdout.write(`\n${table.map((row) => row.map((cell, c) => cell.padEnd(widths[c]!)).join('  ')).join('\n')}\n`);

    const targets: Record<string, { cost: number; target: number; cpuCost: number; p50Ratio: number; p99Ratio: number; failures: number }> = {};
    for (const row of rows.slice(1)) {
      const target = row.name.startsWith('local') ? 0.05 : 0.25;
      targets[row.name] = {
        cost: 1 - row.rps / plain.rps,
        target,
        cpuCost: row.gantryCpuUs / plain.gantryCpuUs - 1,
        p50Ratio: row.p50 / plain.p50,
        p99Ratio: row.p99 / plain.p99,
        failures: row.failures,
      };
    }
    for (const [name, t] of Object.entries(targets)) {
      const met = t.cost <= t.target && t.failures === 0;
      process.stdout.write(
        `${name}: throughput cost ${(t.cost * 100).toFixed(1)}% (target ≤ ${t.target * 100}%), Gantry CPU/req +${(t.cpuCost * 100).toFixed(1)}%, ` +
          `p50 ×${t.p50Ratio.toFixed(2)}, p99 ×${t.p99Ratio.toFixed(2)}${t.failures ? `, ${t.failures} failures` : ''} ${met ? 'met' : 'NOT met'}\n`,
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
