/**
 * Cache benchmark (issue 4): what a cache hit is worth, side by side in one run. One Gantry node and one
 * upstream (bench/upstream.mjs, which sends no freshness information, so the cache policies give its
 * answers `default_ttl_seconds`):
 *
 *   gantry no cache       the route without a cache policy: every request goes to the upstream
 *   gantry miss (memory)  the cached route, every request sent with `Cache-Control: no-cache`: looked up,
 *                         fetched from the upstream, collected and stored again (the whole miss path)
 *   gantry hit (memory)   the cached route, served from the node's in-memory LRU
 *   gantry hit (redis)    a route caching in Redis, served from Redis
 *   nginx no cache        nginx (one worker) proxying to the upstream          } when nginx is on PATH
 *   nginx hit             the same nginx with proxy_cache, served from its cache }
 *
 * Redis: BENCH_REDIS_URL, else GANTRY_TEST_REDIS_URL, else redis://127.0.0.1:6379; the node's keys live
 * under a prefix of this run's own and are deleted at the end. nginx runs from a generated config in a
 * temp dir, on a loopback port, and is stopped at the end.
 *
 * Rounds are interleaved and rotated, ratios taken within each round (bench/paired.ts); CPU per request
 * is the serving process's (Gantry, or nginx's one worker).
 *
 *   npm run bench:cache   (BENCH_ROUNDS=7 BENCH_DURATION=4 BENCH_CONNECTIONS=50 by default)
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { envInt, forkServer, freePort, median, saveResults, spawnProcess, startGantryNode, waitFor } from './lib.js';
import { pairedTable, runPairedRounds, type PairedScenario } from './paired.js';

const REDIS_URL = process.env.BENCH_REDIS_URL || process.env.GANTRY_TEST_REDIS_URL || 'redis://127.0.0.1:6379';

function hasNginx(): boolean {
  try {
    execFileSync('nginx', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** nginx, one worker: `/plain/` proxies, `/cached/` proxies through proxy_cache (1 h for 200s). */
async function startNginx(upstreamPort: number): Promise<{ url: string; child: ChildProcess; dir: string }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'gantry-bench-nginx-cache-'));
  // Started as root, nginx's worker runs as nobody: it must be able to enter the dir to reach its cache.
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'logs'), { recursive: true });
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1;
error_log ${dir}/logs/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  proxy_cache_path ${dir}/cache levels=1:2 keys_zone=bench:10m max_size=100m inactive=1h use_temp_path=off;
  upstream backend { server 127.0.0.1:${upstreamPort}; keepalive 128; }
  server {
    listen 127.0.0.1:${port};
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    location /plain/ { proxy_pass http://backend/; }
    location /cached/ {
      proxy_pass http://backend/;
      proxy_cache bench;
      proxy_cache_valid 200 1h;
      proxy_cache_lock on;
      add_header X-Cache-Status $upstream_cache_status;
    }
  }
}
`,
  );
  const child = spawnProcess('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;']);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/plain/bench`);
  return { url, child, dir };
}

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

/** A scenario, and what a sample answer must say it was (X-Gantry-Cache / X-Cache-Status), or null. */
type Scenario = PairedScenario & { expect: { header: string; value: string } | null };

async function main(): Promise<void> {
  const rounds = envInt('BENCH_ROUNDS', 7);
  const durationS = envInt('BENCH_DURATION', 4);
  const connections = envInt('BENCH_CONNECTIONS', 50);
  const prefix = `gantry-bench-cache-${process.pid}-${randomBytes(4).toString('hex')}`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  await redis.ping();
  let nginx: { url: string; child: ChildProcess; dir: string } | undefined;

  try {
    const upstream = await forkServer('upstream.mjs', ['0']);
    const gantry = await startGantryNode({ GANTRY_REDIS_URL: REDIS_URL, GANTRY_REDIS_PREFIX: prefix });
    const { admin } = gantry;
    const ups = await admin('POST', '/upstreams', { name: 'bench', targets: [{ url: `http://127.0.0.1:${upstream.port}` }] });
    const svc = await admin('POST', '/services', { name: 'bench', upstream_id: ups.id });
    const route = async (name: string, cache: Record<string, unknown> | null) => {
      const r = await admin('POST', '/routes', { name, service_id: svc.id, paths: [`/${name}/*`], strip_prefix: true });
      if (cache) await admin('POST', '/policies', { name, type: 'cache', scope: 'route', target_id: r.id, config: cache });
    };
    await route('plain', null);
    await route('memory', { store: 'memory', default_ttl_seconds: 3600 });
    await route('redis', { store: 'redis', default_ttl_seconds: 3600 });

    const load = { connections, durationS };
    const g = gantry.pid;
    const cacheHeader = (value: string) => ({ header: 'x-gantry-cache', value });
    const scenarios: Scenario[] = [
      { name: 'gantry no cache', load: { ...load, url: `${gantry.url}/plain/bench` }, pid: g, expect: null },
      {
        name: 'gantry miss (memory)',
        load: { ...load, url: `${gantry.url}/memory/bench`, headers: { 'cache-control': 'no-cache' } },
        pid: g,
        expect: cacheHeader('MISS'),
      },
      { name: 'gantry hit (memory)', load: { ...load, url: `${gantry.url}/memory/bench` }, pid: g, expect: cacheHeader('HIT') },
      { name: 'gantry hit (redis)', load: { ...load, url: `${gantry.url}/redis/bench` }, pid: g, expect: cacheHeader('HIT') },
    ];
    if (hasNginx()) {
      nginx = await startNginx(upstream.port);
      // The master only supervises: the one worker does the work, and its CPU is what counts.
      const worker = Number(execFileSync('pgrep', ['-P', String(nginx.child.pid)]).toString().trim().split('\n')[0]);
      scenarios.push(
        { name: 'nginx no cache', load: { ...load, url: `${nginx.url}/plain/bench` }, pid: worker, expect: null },
        { name: 'nginx hit', load: { ...load, url: `${nginx.url}/cached/bench` }, pid: worker, expect: { header: 'x-cache-status', value: 'HIT' } },
      );
    } else {
      process.stderr.write('nginx not on PATH: skipping it (apt-get install -y nginx)\n');
    }

    // Fill the caches, then check that every scenario is what it claims to be.
    for (const s of scenarios) {
      await waitFor(s.load.url);
      for (let i = 0; i < 2; i++) await (await fetch(s.load.url, { headers: s.load.headers })).arrayBuffer();
      const res = await fetch(s.load.url, { headers: s.load.headers });
      await res.arrayBuffer();
      const got = s.expect ? res.headers.get(s.expect.header) : null;
      if (res.status !== 200 || got !== (s.expect?.value ?? null)) throw new Error(`${s.name}: status ${res.status}, ${s.expect?.header ?? 'cache header'} ${got}`);
    }

    process.stderr.write(`cache bench: ${rounds} rounds × ${durationS}s, ${connections} connections, Redis ${REDIS_URL}\n`);
    const rows = await runPairedRounds(scenarios, rounds, 2, 'gantry no cache');
    process.stdout.write(`\n${pairedTable(rows, 'gantry no cache')}\n`);

    // Per-round ratios between any two scenarios, from the same rounds.
    const by = Object.fromEntries(rows.map((r) => [r.name, r]));
    const ratio = (a: string, b: string) => median(by[a]!.runs.map((x, i) => x.rps / by[b]!.runs[i]!.rps));
    const targets: Record<string, { ratio: number; target?: number }> = {
      'hit (memory) / no cache': { ratio: ratio('gantry hit (memory)', 'gantry no cache'), target: 2 },
      'hit (redis) / no cache': { ratio: ratio('gantry hit (redis)', 'gantry no cache'), target: 2 },
      'hit (memory) / miss (memory)': { ratio: ratio('gantry hit (memory)', 'gantry miss (memory)'), target: 2 },
      'hit (redis) / miss (memory)': { ratio: ratio('gantry hit (redis)', 'gantry miss (memory)'), target: 2 },
      ...(nginx
        ? {
            'gantry hit (memory) / nginx hit': { ratio: ratio('gantry hit (memory)', 'nginx hit') },
            'gantry no cache / nginx no cache': { ratio: ratio('gantry no cache', 'nginx no cache') },
            'nginx hit / nginx no cache': { ratio: ratio('nginx hit', 'nginx no cache') },
          }
        : {}),
    };
    for (const [name, t] of Object.entries(targets)) {
      const verdict = t.target === undefined ? '' : ` (target ≥ ${t.target}) ${t.ratio >= t.target ? 'met' : 'NOT met'}`;
      process.stdout.write(`${name}: ${t.ratio.toFixed(2)}${verdict}\n`);
    }
    const file = saveResults('cache', { when: new Date().toISOString(), rounds, durationS, connections, rows, targets });
    process.stdout.write(`saved ${file}\n`);
  } finally {
    const n = await deleteKeys(redis, prefix);
    process.stderr.write(`deleted ${n} Redis keys under ${prefix}:\n`);
    redis.disconnect();
    if (nginx) {
      const { child, dir } = nginx;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench failed: ${err.stack ?? err}\n`);
    process.exit(1);
  },
);
