/**
 * Rate-limit benchmark (issue 4): what a rate-limit policy costs on a route. One upstream, routes to it:
 * plain (the reference), a local limit and a Redis limit with each algorithm (sliding window, the
 * default, and GCRA). The limits are high enough never to deny, so every request does the full check
 * and goes on to the upstream; the Redis limits fail closed, so a Redis call that times out shows as a
 * failure instead of a free pass. Diagnostic routes (below) run when BENCH_ONLY names them.
 *
 * Two designs (BENCH_MODE):
 *
 * - `twin` (default, bench/twin.ts): two Gantry nodes with the same routes, pinned to one CPU together;
 *   each round loads the plain route on one node and the scenario's route on the other at the same
 *   time, swapping nodes every round. Both sides see the same machine at the same moment, which is
 *   what makes a few percent measurable on a shared 2-core machine; the `plain (A/A)` row (plain
 *   against plain) shows this run's noise. BENCH_CONNECTIONS is split between the two sides. What the
 *   scenario costs the load generator and the upstream, which both sides share, is not in the ratio.
 * - `sequential` (bench/paired.ts): one node, the scenarios one after the other in a shuffled order per
 *   round, each compared with the plain run of the same round; includes what the scenario costs the
 *   load generator (reported per request), but load from other work moves its rounds by ±20% here.
 *
 * Both report CPU per request of the Gantry process and of redis-server (from /proc and INFO cpu; the
 * Redis figure includes whatever else uses that server).
 *
 * Redis: BENCH_REDIS_URL, else GANTRY_TEST_REDIS_URL, else redis://127.0.0.1:6379; the nodes' keys
 * live under a prefix of this run's own and are deleted at the end.
 *
 *   npm run bench:ratelimit   (BENCH_ROUNDS=7 BENCH_DURATION=4 BENCH_CONNECTIONS=50 by default;
 *                              BENCH_MODE=sequential; BENCH_ONLY=local-gcra,noop,...; BENCH_PIN=0)
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Redis } from 'ioredis';
import { envInt, forkServer, saveResults, startGantryNode, waitFor } from './lib.js';
import { pairedTable, redisCpuMs, runPairedRounds, type PairedScenario } from './paired.js';
import { runTwinRounds, twinTable, type TwinScenario } from './twin.js';

const REDIS_URL = process.env.BENCH_REDIS_URL || process.env.GANTRY_TEST_REDIS_URL || 'redis://127.0.0.1:6379';
/** Per second and far above what this machine can send: the check runs, the limit never denies. */
const NEVER_DENY = { limit: 100_000_000, per: 'second', by: 'ip' } as const;

/**
 * The limits, and two diagnostic routes that run only when BENCH_ONLY names them: `noop`, a policy
 * that changes nothing (request-size-limit far above any body here), for what having a policy at all
 * costs; `headers`, two constant response headers as long as a limit's RateLimit-Policy and RateLimit,
 * for what those bytes cost Node and the load generator without any limiter.
 */
const ALL_ROUTES = [
  { name: 'plain', path: 'plain', policy: null },
  { name: 'plain, second route', path: 'plain2', diagnostic: true, policy: null },
  { name: 'noop policy', path: 'noop', diagnostic: true, policy: { type: 'request-size-limit', config: { max_bytes: 1_000_000_000 } } },
  {
    name: 'two constant headers',
    path: 'headers',
    diagnostic: true,
    policy: { type: 'response-headers', config: { add: { 'ratelimit-policy': '"headers";q=100000000;w=1', ratelimit: '"headers";r=99999999;t=1' } } },
  },
  { name: 'local sliding-window', path: 'local-sw', policy: { type: 'rate-limit', config: { ...NEVER_DENY, algorithm: 'sliding-window', backend: 'local' } } },
  { name: 'local gcra', path: 'local-gcra', policy: { type: 'rate-limit', config: { ...NEVER_DENY, algorithm: 'gcra', backend: 'local' } } },
  { name: 'redis sliding-window', path: 'redis-sw', policy: { type: 'rate-limit', config: { ...NEVER_DENY, algorithm: 'sliding-window', backend: 'redis', fail_mode: 'closed' } } },
  { name: 'redis gcra', path: 'redis-gcra', policy: { type: 'rate-limit', config: { ...NEVER_DENY, algorithm: 'gcra', backend: 'redis', fail_mode: 'closed' } } },
] as const;
/** BENCH_ONLY=local-gcra,redis-sw (route paths) narrows the run; `plain`, the reference, always runs. */
const ONLY = process.env.BENCH_ONLY?.split(',').map((x) => x.trim());
const ROUTES = ALL_ROUTES.filter((r) => r.path === 'plain' || (ONLY === undefined ? !('diagnostic' in r) : ONLY.includes(r.path)));

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

type Node = Awaited<ReturnType<typeof startGantryNode>>;

/**
 * Puts both nodes (all their threads) on the machine's last CPU, so that they share one core's
 * conditions exactly; the load generator, the upstream and Redis stay free to run anywhere. Without
 * it the per-round ratio of identical routes (the A/A row) spread over 0.97–1.06 in one run here;
 * with it, 0.99–1.02. Skipped where taskset is missing; BENCH_PIN=0 turns it off.
 */
function pinTogether(pids: number[]): void {
  const cpu = String(availableParallelism() - 1);
  try {
    for (const pid of pids) execFileSync('taskset', ['-a', '-pc', cpu, String(pid)], { stdio: 'ignore' });
    process.stderr.write(`both nodes pinned to CPU ${cpu}\n`);
  } catch {
    process.stderr.write('taskset failed: nodes not pinned\n');
  }
}

/** A node with every route of this run (and its policy) on one upstream, each route checked live. */
async function startNode(upstreamPort: number, redisPrefix: string): Promise<Node> {
  const node = await startGantryNode({ GANTRY_REDIS_URL: REDIS_URL, GANTRY_REDIS_PREFIX: redisPrefix });
  const { url, admin } = node;
  const ups = await admin('POST', '/upstreams', { name: 'bench', targets: [{ url: `http://127.0.0.1:${upstreamPort}` }] });
  const svc = await admin('POST', '/services', { name: 'bench', upstream_id: ups.id });
  for (const r of ROUTES) {
    const route = await admin('POST', '/routes', { name: r.path, service_id: svc.id, paths: [`/${r.path}/*`], strip_prefix: true });
    if (r.policy) await admin('POST', '/policies', { name: r.path, type: r.policy.type, scope: 'route', target_id: route.id, config: r.policy.config });
  }
  // Every limited route (and `headers`) answers with its RateLimit-Policy: the policy is live before we measure.
  for (const r of ROUTES) {
    await waitFor(`${url}/${r.path}/bench`);
    const res = await fetch(`${url}/${r.path}/bench`);
    await res.arrayBuffer();
    const sendsHeaders = r.policy !== null && r.policy.type !== 'request-size-limit';
    if (res.status !== 200 || sendsHeaders !== res.headers.has('ratelimit-policy')) {
      throw new Error(`${r.path}: ${res.status}, ratelimit-policy ${res.headers.get('ratelimit-policy')}`);
    }
  }
  return node;
}

interface Verdict {
  cost: number;
  target: number;
  cpuCost: number;
  failures: number;
  met: boolean;
}

function verdicts(rows: Array<{ name: string; rpsRatio: number; cpuRatio: number; failures: number }>): Record<string, Verdict> {
  const out: Record<string, Verdict> = {};
  for (const row of rows) {
    if (!row.name.startsWith('local') && !row.name.startsWith('redis')) continue;
    const target = row.name.startsWith('local') ? 0.05 : 0.25;
    const cost = 1 - row.rpsRatio;
    out[row.name] = { cost, target, cpuCost: row.cpuRatio - 1, failures: row.failures, met: cost <= target && row.failures === 0 };
  }
  for (const [name, t] of Object.entries(out)) {
    process.stdout.write(
      `${name}: throughput cost ${(t.cost * 100).toFixed(1)}% (target ≤ ${t.target * 100}%), Gantry CPU per request ${t.cpuCost >= 0 ? '+' : ''}${(t.cpuCost * 100).toFixed(1)}%` +
        `${t.failures ? `, ${t.failures} failures` : ''} ${t.met ? 'met' : 'NOT met'}\n`,
    );
  }
  return out;
}

async function main(): Promise<void> {
  const mode = process.env.BENCH_MODE === 'sequential' ? 'sequential' : 'twin';
  const rounds = envInt('BENCH_ROUNDS', 7);
  const durationS = envInt('BENCH_DURATION', 4);
  const connections = envInt('BENCH_CONNECTIONS', 50);
  const prefix = `gantry-bench-rl-${process.pid}-${randomBytes(4).toString('hex')}`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  await redis.ping();

  try {
    const upstream = await forkServer('upstream.mjs', ['0']);
    process.stderr.write(`rate-limit bench (${mode}): ${rounds} rounds × ${durationS}s, ${connections} connections, Redis ${REDIS_URL}\n`);
    if (mode === 'twin') {
      const nodes = [await startNode(upstream.port, `${prefix}:n0`), await startNode(upstream.port, `${prefix}:n1`)] as const;
      if (process.env.BENCH_PIN !== '0') pinTogether(nodes.map((n) => n.pid));
      const scenarios: TwinScenario[] = ROUTES.map((r) => ({
        name: r.name,
        path: `/${r.path}/bench`,
        ...(r.path.startsWith('redis') ? { otherCpuMs: () => redisCpuMs(redis) } : {}),
      }));
      const rows = await runTwinRounds(nodes, scenarios, 'plain', { rounds, durationS, connections: Math.max(1, connections >> 1), warmupS: 2 });
      process.stdout.write(`\n${twinTable(rows, 'plain', 'redis CPU µs/req')}\n`);
      const targets = verdicts(rows);
      const file = saveResults('ratelimit', { when: new Date().toISOString(), mode, rounds, durationS, connections, rows, targets });
      process.stdout.write(`saved ${file}\n`);
      return;
    }
    const { url, pid } = await startNode(upstream.port, prefix);
    const scenarios: PairedScenario[] = ROUTES.map((r) => ({
      name: r.name,
      load: { url: `${url}/${r.path}/bench`, connections, durationS },
      pid,
      upstreamPid: upstream.child.pid,
      otherCpuMs: () => redisCpuMs(redis),
    }));
    const rows = await runPairedRounds(scenarios, rounds, 2, 'plain');
    process.stdout.write(`\n${pairedTable(rows, 'plain', 'redis CPU µs/req')}\n`);
    const targets = verdicts(rows.slice(1));
    const file = saveResults('ratelimit', { when: new Date().toISOString(), mode, rounds, durationS, connections, rows, targets });
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
