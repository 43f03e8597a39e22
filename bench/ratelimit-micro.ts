/**
 * The rate limiters alone, without HTTP: CPU per check, which a loaded machine disturbs far less than
 * it disturbs throughput. Local: what the policy does per request (a hit and its headers), 1M times,
 * over 50 clients whose address strings stay the same (as Node's per-connection `remoteAddress` does);
 * and, for comparison, with a key concatenated for every hit, as the policy did before.
 * Redis: 50 concurrent callers hitting one key for BENCH_DURATION seconds through a limiter on a
 * client made as Gantry makes it (the limiter sends each event-loop turn's hits in one script call),
 * CPU of this process and of redis-server (INFO cpu; includes anything else that server does
 * meanwhile) per hit. Bounded in count and time; keys under a prefix of this run's own, deleted after.
 *
 *   npx tsx bench/ratelimit-micro.ts   (BENCH_REDIS_URL, else GANTRY_TEST_REDIS_URL, else redis://127.0.0.1:6379)
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { limiterClientOptions, LocalRateLimiter, RedisRateLimiter, rateLimitHeaderWriter, type RateLimitAlgorithm } from '../src/ratelimit/index.js';
import { envInt, median } from './lib.js';
import { redisCpuMs } from './paired.js';

const REDIS_URL = process.env.BENCH_REDIS_URL || process.env.GANTRY_TEST_REDIS_URL || 'redis://127.0.0.1:6379';
const ALGORITHMS: RateLimitAlgorithm[] = ['sliding-window', 'gcra'];
const NEVER_DENY = { limit: 100_000_000, periodMs: 1000 };
const cpuUs = (u: NodeJS.CpuUsage) => u.user + u.system;

const CLIENTS = Array.from({ length: 50 }, (_, i) => `10.0.${i}.${(i * 7) % 256}`);
const KEY_PREFIX = 'pol_01hqxz8k3m4n5p6q7r8s9t0v1w:ip:';

function local(algorithm: RateLimitAlgorithm, concatenated: boolean): number {
  const limiter = new LocalRateLimiter({ algorithm });
  const headersOf = rateLimitHeaderWriter('bench', { periodMs: 1000 });
  const samples: number[] = [];
  let sink = 0;
  for (let round = 0; round < 5; round++) {
    const n = 1_000_000;
    const t0 = process.cpuUsage();
    if (concatenated) {
      for (let i = 0; i < n; i++) sink += headersOf(limiter.hit(KEY_PREFIX + CLIENTS[i % 50]!, NEVER_DENY)).length;
    } else {
      for (let i = 0; i < n; i++) sink += headersOf(limiter.hit(CLIENTS[i % 50]!, NEVER_DENY)).length;
    }
    samples.push(cpuUs(process.cpuUsage(t0)) / n);
  }
  if (sink < 0) throw new Error('unreachable');
  return median(samples);
}

async function redisRun(algorithm: RateLimitAlgorithm, admin: Redis, prefix: string, seconds: number) {
  const client = new Redis(REDIS_URL, limiterClientOptions());
  client.on('error', () => {});
  await new Promise((r) => client.once('ready', r));
  const limiter = new RedisRateLimiter({ redis: client, failMode: 'closed', algorithm, keyPrefix: prefix });
  const run = async (ms: number) => {
    let n = 0;
    let failed = 0;
    const end = Date.now() + ms;
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (Date.now() < end) {
          const d = await limiter.hit('k', NEVER_DENY);
          n++;
          if (!d.allowed) failed++;
        }
      }),
    );
    return { n, failed };
  };
  await run(500);
  const node: number[] = [];
  const redis: number[] = [];
  const rate: number[] = [];
  let failed = 0;
  for (let round = 0; round < 3; round++) {
    const [c0, r0, t0] = [process.cpuUsage(), await redisCpuMs(admin), performance.now()];
    const r = await run(seconds * 1000);
    const [c1, r1, t1] = [cpuUs(process.cpuUsage(c0)), await redisCpuMs(admin), performance.now()];
    node.push(c1 / r.n);
    redis.push(((r1 - r0) * 1000) / r.n);
    rate.push((r.n / (t1 - t0)) * 1000);
    failed += r.failed;
  }
  client.disconnect();
  return { hitsPerS: median(rate), nodeUs: median(node), redisUs: median(redis), failed };
}

async function main(): Promise<void> {
  const seconds = envInt('BENCH_DURATION', 3);
  for (const a of ALGORITHMS) {
    process.stdout.write(`local ${a}: ${local(a, false).toFixed(2)} µs CPU per check (hit + headers)\n`);
    process.stdout.write(`local ${a}, key concatenated per hit: ${local(a, true).toFixed(2)} µs CPU per check\n`);
  }
  const admin = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const prefix = `gantry-bench-rlmicro-${process.pid}-${randomBytes(4).toString('hex')}:`;
  try {
    for (const a of ALGORITHMS) {
      const r = await redisRun(a, admin, prefix, seconds);
      process.stdout.write(
        `redis ${a}: ${Math.round(r.hitsPerS)} hits/s, this process ${r.nodeUs.toFixed(1)} µs and redis-server ${r.redisUs.toFixed(1)} µs CPU per hit` +
          `${r.failed ? `, ${r.failed} timed out (fail closed)` : ''}\n`,
      );
    }
  } finally {
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await admin.unlink(...keys);
    } while (cursor !== '0');
    admin.disconnect();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench failed: ${err.stack ?? err}\n`);
    process.exit(1);
  },
);
