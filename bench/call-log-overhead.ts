/**
 * What logging every call costs the proxy (issue 5: at most 5% of its throughput). Two Gantry nodes
 * with the same configuration — a key-auth route, so records carry team, app and key — in front of
 * one upstream: one with call logging off (GANTRY_CALL_LOGS=off), one with the default call logging
 * (every call recorded in the node's SQLite store with rollups, through the worker-thread writer).
 * Rounds are interleaved and their order alternates (off on, on off, ...), so drifting machine load
 * hits both alike; reports median req/s, latency, and the node's CPU time per request (all threads,
 * so the store writer's work counts; sampled once the node has written the run's last record), and
 * the ratios on/off.
 *
 *   npm run build && npx tsx bench/call-log-overhead.ts     (BENCH_ROUNDS=6 BENCH_DURATION=8 BENCH_CONNECTIONS=50)
 *
 * At the end the "on" node's database is counted: every request answered must be a record.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { envInt, forkServer, median, processCpuMs, runLoad, saveResults, startGantryNode, textTable, waitFor, type LoadOptions } from './lib.js';

const TARGET_COST = 0.05;

interface Node {
  name: string;
  url: string;
  adminUrl: string;
  logging: boolean;
  pid: number;
  apiKey: string;
  database: string;
}

async function startNode(name: string, upstreamUrl: string, logging: boolean, dir: string): Promise<Node> {
  const database = join(dir, `${name}.db`);
  const { url, adminUrl, admin, pid } = await startGantryNode({ GANTRY_CALL_LOGS: logging ? 'on' : 'off', GANTRY_DATABASE_URL: database });
  const ups = await admin('POST', '/upstreams', { name: 'bench', targets: [{ url: upstreamUrl }] });
  const svc = await admin('POST', '/services', { name: 'bench', upstream_id: ups.id });
  const route = await admin('POST', '/routes', { name: 'auth', service_id: svc.id, paths: ['/auth/*'], strip_prefix: true });
  await admin('POST', '/policies', { type: 'key-auth', scope: 'route', target_id: route.id });
  const app = await admin('POST', '/apps', { name: 'bench' });
  const key = await admin('POST', `/apps/${app.id}/keys`, { name: 'bench' });
  await waitFor(`${url}/auth/bench`, { headers: { authorization: `Bearer ${key.key}` } });
  return { name, url, adminUrl, logging, pid, apiKey: key.key, database };
}

interface Run {
  rps: number;
  requests: number;
  p50: number;
  p99: number;
  failures: number;
  cpuUsPerRequest: number;
}

/** Bytes of call records the node holds that its store has not written yet (from its /metrics). */
async function unwrittenBytes(node: Node): Promise<number> {
  const text = await (await fetch(`${node.adminUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('gantry_call_log_queued_bytes{') && l.includes('sink="store"'));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/**
 * Waits until the logging node has written every record of the run (its last partial batch goes out
 * up to `flush_interval_ms` after the last call): the writes then count in this run's CPU, and do
 * not land in the next run.
 */
async function drained(node: Node): Promise<void> {
  if (!node.logging) return;
  const deadline = Date.now() + 15_000;
  await new Promise((r) => setTimeout(r, 200));
  while ((await unwrittenBytes(node)) > 0) {
    if (Date.now() > deadline) throw new Error(`${node.name}: call records still unwritten 15 s after the run`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function measured(node: Node, load: Omit<LoadOptions, 'url'>): Promise<Run> {
  const cpu0 = processCpuMs(node.pid) ?? NaN;
  const r = await runLoad({ ...load, url: `${node.url}/auth/bench`, headers: { authorization: `Bearer ${node.apiKey}` } });
  await drained(node);
  const cpu1 = processCpuMs(node.pid) ?? NaN;
  const requests = r.rps * load.durationS;
  return { rps: r.rps, requests, p50: r.p50, p99: r.p99, failures: r.non2xx + r.errors, cpuUsPerRequest: ((cpu1 - cpu0) * 1000) / requests };
}

function storedRecords(database: string): number {
  const db = new BetterSqlite3(database, { readonly: true });
  try {
    return Number((db.prepare('select coalesce(sum(records), 0) as n from call_segments').get() as { n: number }).n);
  } finally {
    db.close();
  }
}

async function main(): Promise<void> {
  const rounds = envInt('BENCH_ROUNDS', 6);
  const durationS = envInt('BENCH_DURATION', 8);
  const connections = envInt('BENCH_CONNECTIONS', 50);
  const dir = mkdtempSync(join(tmpdir(), 'gantry-bench-calllog-'));
  try {
    const upstream = await forkServer('upstream.mjs', ['0']);
    const upstreamUrl = `http://127.0.0.1:${upstream.port}`;
    const off = await startNode('logging off', upstreamUrl, false, dir);
    const on = await startNode('logging on', upstreamUrl, true, dir);
    const nodes = [off, on];
    process.stderr.write(`call-log overhead bench: ${rounds} rounds × ${durationS}s, ${connections} connections\n`);

    const load = { connections, durationS };
    let sent = 2; // the readiness checks above
    for (const n of nodes) {
      const w = await runLoad({ ...load, durationS: 2, url: `${n.url}/auth/bench`, headers: { authorization: `Bearer ${n.apiKey}` } });
      if (n === on) sent += Math.round(w.rps * 2);
    }
    const runs = new Map<Node, Run[]>(nodes.map((n) => [n, []]));
    for (let round = 0; round < rounds; round++) {
      for (const n of round % 2 === 0 ? nodes : [...nodes].reverse()) {
        const run = await measured(n, load);
        runs.get(n)!.push(run);
        process.stderr.write(`  round ${round + 1}/${rounds} ${n.name}: ${Math.round(run.rps)} req/s, ${run.cpuUsPerRequest.toFixed(0)} µs CPU/req\n`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    const rows = nodes.map((n) => {
      const rs = runs.get(n)!;
      const m = (f: (x: Run) => number) => median(rs.map(f));
      return { name: n.name, rps: m((x) => x.rps), p50: m((x) => x.p50), p99: m((x) => x.p99), cpuUs: m((x) => x.cpuUsPerRequest), failures: rs.reduce((s, x) => s + x.failures, 0), rounds: rs };
    });
    const [offRow, onRow] = rows as [(typeof rows)[number], (typeof rows)[number]];
    const perRound = runs.get(on)!.map((r, i) => r.rps / runs.get(off)![i]!.rps);
    const table = textTable(
      ['scenario', 'req/s (median)', 'p50 ms', 'p99 ms', 'failures', '× off', 'CPU µs/req'],
      rows.map((r) => [r.name, Math.round(r.rps).toString(), r.p50.toFixed(2), r.p99.toFixed(2), String(r.failures), (r.rps / offRow.rps).toFixed(3), r.cpuUs.toFixed(0)]),
    );
    process.stdout.write(`\n${table}\n`);

    const ratio = onRow.rps / offRow.rps;
    const cost = 1 - ratio;
    sent += runs.get(on)!.reduce((s, r) => s + r.requests, 0);
    const stored = storedRecords(on.database);
    process.stdout.write(
      [
        `throughput on/off: ${ratio.toFixed(3)} (median of rounds); per round ${perRound.map((x) => x.toFixed(3)).join(' ')}`,
        `cost of logging every call: ${(cost * 100).toFixed(1)}% (target ≤ ${TARGET_COST * 100}%) ${cost <= TARGET_COST ? 'met' : 'NOT met'}`,
        `CPU per request on/off: ${(onRow.cpuUs / offRow.cpuUs).toFixed(2)}`,
        `records stored by the logging node: ${stored} for ~${Math.round(sent)} requests answered`,
        '',
      ].join('\n'),
    );
    const file = saveResults('call-log-overhead', { when: new Date().toISOString(), rounds, durationS, connections, rows, ratio, perRound, stored, sent });
    process.stdout.write(`saved ${file}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err.stack ?? err}\n`);
  process.exit(1);
});
