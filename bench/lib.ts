/**
 * Shared pieces of Gantry's benchmarks: processes started on loopback, bounded load runs with
 * autocannon, medians over interleaved rounds, a table of ratios, results saved as JSON.
 */
import { spawn, fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(BENCH_DIR, '..');

const children: ChildProcess[] = [];
export function killAll(): void {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
}
process.on('exit', killAll);
process.on('SIGINT', () => process.exit(130));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Forks a .mjs helper that reports `{ port }` over IPC once listening. */
export async function forkServer(file: string, args: string[]): Promise<{ port: number; child: ChildProcess }> {
  const child = fork(join(BENCH_DIR, file), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(child);
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}`)));
  });
  return { port, child };
}

export function spawnProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  return child;
}

export async function waitFor(url: string, init: RequestInit = {}, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, init);
      await res.arrayBuffer();
      if (res.status < 500) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not come up within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface LoadOptions {
  url: string;
  connections: number;
  durationS: number;
  headers?: Record<string, string>;
  method?: string;
  body?: string;
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/** One bounded load run (autocannon stops at durationS). */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const r = await autocannon({
    url: opts.url,
    connections: opts.connections,
    duration: opts.durationS,
    headers: opts.headers,
    method: (opts.method ?? 'GET') as 'GET',
    body: opts.body,
  });
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
}

/** The `q` quantile (0–1) of `values`, interpolated between the two nearest ranks. */
export function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export interface Scenario {
  name: string;
  load: LoadOptions;
}

export interface ScenarioSummary {
  name: string;
  rounds: LoadResult[];
  rps: number;
  p50: number;
  p99: number;
  failures: number;
}

/**
 * Runs every scenario once per round, interleaved (A B C, A B C, ...), so drifting machine load hits
 * all of them alike; reports medians. A short warm-up run per scenario comes first (JIT, pools).
 */
export async function runRounds(scenarios: Scenario[], rounds: number, warmupS: number): Promise<ScenarioSummary[]> {
  for (const s of scenarios) await runLoad({ ...s.load, durationS: warmupS });
  const results = new Map<string, LoadResult[]>(scenarios.map((s) => [s.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const s of scenarios) {
      const res = await runLoad(s.load);
      results.get(s.name)!.push(res);
      process.stderr.write(`  round ${r + 1}/${rounds} ${s.name}: ${Math.round(res.rps)} req/s\n`);
    }
  }
  return scenarios.map((s) => {
    const rs = results.get(s.name)!;
    return {
      name: s.name,
      rounds: rs,
      rps: median(rs.map((x) => x.rps)),
      p50: median(rs.map((x) => x.p50)),
      p99: median(rs.map((x) => x.p99)),
      failures: rs.reduce((n, x) => n + x.non2xx + x.errors, 0),
    };
  });
}

/** Columns padded to their widest cell, a dashed line under the head. */
export function textTable(head: string[], rows: Array<Array<string | number>>): string {
  const cells = rows.map((r) => r.map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (cs: string[]) => cs.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

export function formatTable(rows: ScenarioSummary[], refs: Record<string, string>): string {
  const refNames = Object.keys(refs);
  const head = ['scenario', 'req/s (median)', 'p50 ms', 'p99 ms', 'failures', ...refNames.map((r) => `× ${r}`)];
  const byName = new Map(rows.map((r) => [r.name, r]));
  const body = rows.map((r) => [
    r.name,
    Math.round(r.rps).toString(),
    r.p50.toFixed(2),
    r.p99.toFixed(2),
    String(r.failures),
    ...refNames.map((ref) => {
      const base = byName.get(refs[ref]!);
      return base ? (r.rps / base.rps).toFixed(2) : '-';
    }),
  ]);
  return textTable(head, body);
}

export function saveResults(name: string, data: unknown): string {
  const dir = join(BENCH_DIR, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(data, null, 2));
  return file;
}

export function envInt(name: string, fallback: number): number {
  const v = process.env[name];
  return v && /^\d+$/.test(v) ? Number(v) : fallback;
}

export interface ProbeResult {
  n: number;
  /** Median and 99th percentile of the whole request, ms. */
  p50: number;
  p99: number;
  /** Median time from sending to the first body byte, ms (for streams: the first event). */
  ttfbP50: number;
}

/**
 * Sequential requests over one keep-alive connection: latency without queueing, so the gateway's
 * added time shows. Bounded by `n` and by `maxMs`.
 */
export async function probeLatency(opts: {
  url: string;
  n: number;
  maxMs?: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}): Promise<ProbeResult> {
  const { Client } = await import('undici');
  const u = new URL(opts.url);
  const client = new Client(u.origin, { pipelining: 1 });
  const totals: number[] = [];
  const ttfbs: number[] = [];
  const deadline = Date.now() + (opts.maxMs ?? 30_000);
  try {
    for (let i = 0; i < opts.n && Date.now() < deadline; i++) {
      const t0 = performance.now();
      const res = await client.request({
        path: u.pathname + u.search,
        method: (opts.method ?? 'GET') as 'GET',
        headers: opts.headers,
        body: opts.body,
      });
      let first = -1;
      for await (const chunk of res.body) {
        if (first < 0 && (chunk as Buffer).length > 0) first = performance.now();
      }
      const t1 = performance.now();
      if (res.statusCode >= 400) throw new Error(`${opts.url} answered ${res.statusCode}`);
      totals.push(t1 - t0);
      ttfbs.push((first < 0 ? t1 : first) - t0);
    }
  } finally {
    await client.close();
  }
  const sorted = [...totals].sort((a, b) => a - b);
  return {
    n: totals.length,
    p50: median(totals),
    p99: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0,
    ttfbP50: median(ttfbs),
  };
}

const BENCH_ADMIN_TOKEN = 'gadm_bench_' + 'x'.repeat(40);

export type AdminCall = (method: string, path: string, body?: unknown) => Promise<any>;

/**
 * Starts a Gantry node from dist/ (`npm run build` first) on free loopback ports with its own SQLite
 * database, and returns its data-plane URL, an admin API caller and its pid. `env` adds settings (e.g.
 * GANTRY_REDIS_URL / GANTRY_REDIS_PREFIX for Redis-backed policies).
 */
export async function startGantryNode(env: NodeJS.ProcessEnv = {}): Promise<{ url: string; adminUrl: string; admin: AdminCall; pid: number }> {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const [port, adminPort] = [await freePort(), await freePort()];
  const dataDir = mkdtempSync(join(tmpdir(), 'gantry-bench-'));
  const child = spawnProcess(
    process.execPath,
    // BENCH_NODE_ARGS: extra Node.js flags for the Gantry node, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it.
    [...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean), join(ROOT, 'bin/gantry.js'), 'start', '--port', String(port), '--admin-port', String(adminPort), '--host', '127.0.0.1', '--data-dir', dataDir, '--log-level', 'warn'],
    { ...env, GANTRY_ADMIN_TOKEN: BENCH_ADMIN_TOKEN },
  );
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  await waitFor(`${adminUrl}/api/v1/status`, { headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` } });
  const admin: AdminCall = async (method, path, body) => {
    const res = await fetch(`${adminUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = res.status === 204 ? null : await res.json();
    if (res.status >= 300) throw new Error(`${method} ${path} -> ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  return { url: `http://127.0.0.1:${port}`, adminUrl, admin, pid: child.pid! };
}

/**
 * CPU time (user + system, ms) a process has used so far, from /proc (Linux); undefined elsewhere.
 * Sampled around a load run it gives CPU per request: steadier than throughput on a shared machine.
 */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** USER_HZ: 100 on every Linux we run on (`getconf CLK_TCK`). */
const CLOCK_TICKS = 100;
