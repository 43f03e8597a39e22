/**
 * What logging every call costs the proxy (issue 5: at most 5% of its throughput).
 *
 * Twin mode (default): three nodes — logging off (the reference), logging off again (the A/A row:
 * this run's noise), logging on. Their main threads (the event loops that serve the proxy) share
 * the machine's last CPU; their other threads (the logging node's store writer and SQLite
 * checkpointer, libuv's pool) run on the other CPUs, as on any machine with a core to spare for them
 * (BENCH_PIN=all puts every thread on the last CPU: the writer's work then also takes from the
 * event loops; BENCH_PIN=0 pins nothing). Each round loads the three at the same time, so they see
 * the machine at the same moment (run one after the other, rounds of the same comparison moved by
 * ±20% on this shared machine) and have the same history (loading the reference with one other
 * node at a time favoured the other by ~2%: it had rested). Medians and the interquartile range of
 * the per-round ratios are reported, and the ratio of CPU per request (all threads).
 *
 * Sequential mode (BENCH_MODE=sequential), the description below: two Gantry nodes
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
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { envInt, forkServer, median, processCpuMs, quantile, runLoad, saveResults, startGantryNode, textTable, waitFor, type LoadOptions } from './lib.js';

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
  const env: NodeJS.ProcessEnv = { GANTRY_CALL_LOGS: logging ? 'on' : 'off', GANTRY_DATABASE_URL: database };
  // BENCH_FLUSH_MS: the logging node's `call_logs.queue.flush_interval_ms` (default: Gantry's).
  if (process.env.BENCH_FLUSH_MS !== undefined) {
    env.GANTRY_CONFIG = join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
    writeFileSync(env.GANTRY_CONFIG, JSON.stringify({ call_logs: { queue: { flush_interval_ms: Number(process.env.BENCH_FLUSH_MS) } } }));
  }
  const { url, adminUrl, admin, pid } = await startGantryNode(env);
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
    // call_logs: a node from before migration 0006, run with this script for a side-by-side.
    const segments = db.prepare("select 1 from sqlite_master where name = 'call_segments'").get() !== undefined;
    const query = segments ? 'select coalesce(sum(records), 0) as n from call_segments' : 'select count(*) as n from call_logs';
    return Number((db.prepare(query).get() as { n: number }).n);
  } finally {
    db.close();
  }
}

/**
 * Pins the nodes' threads (see the module comment). BENCH_PIN: `main` (default) puts the nodes' main
 * threads — the event loops that serve the proxy — on the last CPU and their other threads (the
 * store writer, SQLite's checkpointer, libuv's pool) on the others, as on any machine with a core to
 * spare for them; `all` puts every thread on the last CPU (the writer's work then takes from the
 * event loops too); `0` pins nothing. Run again before each round: threads started since (libuv's
 * pool starts lazily) inherit the main thread's CPU.
 */
function pin(pids: number[], quiet = false): void {
  const mode = process.env.BENCH_PIN ?? 'main';
  if (mode === '0') return;
  const last = availableParallelism() - 1;
  const others = last === 0 ? '0' : `0-${last - 1}`;
  try {
    for (const pid of pids) {
      if (mode === 'all') execFileSync('taskset', ['-a', '-pc', String(last), String(pid)], { stdio: 'ignore' });
      else {
        for (const tid of readdirSync(`/proc/${pid}/task`)) {
          execFileSync('taskset', ['-pc', tid === String(pid) ? String(last) : others, tid], { stdio: 'ignore' });
        }
      }
    }
    if (!quiet) process.stderr.write(mode === 'all' ? `nodes pinned to CPU ${last}\n` : `main threads pinned to CPU ${last}, other threads to ${others}\n`);
  } catch {
    process.stderr.write('taskset failed: nodes not pinned\n');
  }
}

async function twin(): Promise<void> {
  const rounds = envInt('BENCH_ROUNDS', 8);
  const durationS = envInt('BENCH_DURATION', 6);
  const connections = envInt('BENCH_CONNECTIONS', 50);
  const dir = mkdtempSync(join(tmpdir(), 'gantry-bench-calllog-'));
  try {
    const upstream = await forkServer('upstream.mjs', ['0']);
    const upstreamUrl = `http://127.0.0.1:${upstream.port}`;
    const ref = await startNode('logging off', upstreamUrl, false, dir);
    const aa = await startNode('logging off (A/A)', upstreamUrl, false, dir);
    const on = await startNode('logging on', upstreamUrl, true, dir);
    pin([ref.pid, aa.pid, on.pid]);
    process.stderr.write(`call-log overhead bench (twin): ${rounds} rounds × ${durationS}s, ${connections} connections per node\n`);
    const load = (n: Node, s: number) => runLoad({ connections, durationS: s, url: `${n.url}/auth/bench`, headers: { authorization: `Bearer ${n.apiKey}` } });
    let sent = 2;
    for (const n of [ref, aa, on]) {
      const w = await load(n, 2);
      if (n === on) sent += Math.round(w.rps * 2);
    }
    const runs = new Map<Node, Array<{ ratio: number; rps: number; cpuUs: number; refCpuUs: number; p50: number; p99: number; failures: number }>>([
      [aa, []],
      [on, []],
    ]);
    // All three at once, every round: the same load history for each (a node that rested while the
    // others ran gets the scheduler's credit for sleeping when it wakes, which favoured it by ~2%).
    const nodes = [ref, aa, on];
    for (let round = 0; round < rounds; round++) {
      await new Promise((r) => setTimeout(r, 500));
      pin(nodes.map((n) => n.pid), true);
      const cpu0 = nodes.map((n) => processCpuMs(n.pid) ?? NaN);
      const order = round % 2 === 0 ? nodes : [...nodes].reverse();
      const results = new Map(order.map((n, i) => [n, i] as const));
      const loads = await Promise.all(order.map((n) => load(n, durationS)));
      await drained(on);
      const cpu1 = nodes.map((n) => processCpuMs(n.pid) ?? NaN);
      const perRequest = (i: number, rps: number) => ((cpu1[i]! - cpu0[i]!) * 1000) / (rps * durationS);
      const r = loads[results.get(ref)!]!;
      sent += loads[results.get(on)!]!.rps * durationS;
      for (const other of [aa, on]) {
        const o = loads[results.get(other)!]!;
        const i = nodes.indexOf(other);
        const row = { ratio: o.rps / r.rps, rps: o.rps, cpuUs: perRequest(i, o.rps), refCpuUs: perRequest(0, r.rps), p50: o.p50, p99: o.p99, failures: o.non2xx + o.errors + r.non2xx + r.errors };
        runs.get(other)!.push(row);
        process.stderr.write(`  round ${round + 1}/${rounds} ${other.name}: ${Math.round(o.rps)} vs ${Math.round(r.rps)} req/s (${row.ratio.toFixed(3)}), ${row.cpuUs.toFixed(0)} vs ${row.refCpuUs.toFixed(0)} µs CPU/req\n`);
      }
    }
    const rows = [aa, on].map((n) => {
      const rs = runs.get(n)!;
      const ratios = rs.map((x) => x.ratio);
      return {
        name: n.name,
        rps: median(rs.map((x) => x.rps)),
        ratio: median(ratios),
        iqr: [quantile(ratios, 0.25), quantile(ratios, 0.75)] as [number, number],
        cpuUs: median(rs.map((x) => x.cpuUs)),
        cpuRatio: median(rs.map((x) => x.cpuUs / x.refCpuUs)),
        p50: median(rs.map((x) => x.p50)),
        p99: median(rs.map((x) => x.p99)),
        failures: rs.reduce((s, x) => s + x.failures, 0),
        rounds: rs,
      };
    });
    const table = textTable(
      ['node (vs logging off, at once)', 'req/s (median)', '× off (median)', 'IQR', 'CPU µs/req', 'CPU × off', 'p50 ms', 'p99 ms', 'failures'],
      rows.map((r) => [r.name, Math.round(r.rps).toString(), r.ratio.toFixed(3), `${r.iqr[0].toFixed(3)}–${r.iqr[1].toFixed(3)}`, r.cpuUs.toFixed(0), r.cpuRatio.toFixed(3), r.p50.toFixed(2), r.p99.toFixed(2), String(r.failures)]),
    );
    process.stdout.write(`\n${table}\n`);
    const onRow = rows[1]!;
    const cost = 1 - onRow.ratio;
    const stored = storedRecords(on.database);
    process.stdout.write(
      [
        `cost of logging every call: ${(cost * 100).toFixed(1)}% of throughput (target ≤ ${TARGET_COST * 100}%) ${cost <= TARGET_COST ? 'met' : 'NOT met'}; A/A row: ${rows[0]!.ratio.toFixed(3)}`,
        `records stored by the logging node: ${stored} for ~${Math.round(sent)} requests answered`,
        '',
      ].join('\n'),
    );
    const file = saveResults('call-log-overhead-twin', { when: new Date().toISOString(), rounds, durationS, connections, rows, stored, sent });
    process.stdout.write(`saved ${file}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.exit(0);
}

async function main(): Promise<void> {
  if (process.env.BENCH_MODE !== 'sequential') return twin();
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
