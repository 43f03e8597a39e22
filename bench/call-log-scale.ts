/**
 * Call logs at scale on the embedded store (issue 5): load N call records (default 10 million)
 * spread over 7.5 days through the node's write path — batches of the pipeline's store batch size
 * into the worker-thread store sink (`WorkerStoreSink` → `callLogs.insertBatch`: records + minute,
 * hour and day rollups in one transaction) — then time the dashboard queries through
 * `store.callRollups` / `store.callLogs` as the admin API calls them, against the 200 ms target.
 *
 *   npm run bench:call-logs                         (10M records into a temp dir, deleted after)
 *   BENCH_DB=/work/tmp/calls-10m.db npm run bench:call-logs   (kept; a later run with the same N skips the load)
 *   npx tsx bench/call-log-scale.ts 1000000          (N as argument, or BENCH_RECORDS)
 *
 * Phases:
 * 1. load: N records over 7.5 days (daily cycle), in time order, one batch in flight while the next
 *    is generated. Reports records/s per batch (median, p10) and overall. At 10M over 7.5 days a
 *    batch of 5000 covers ~6 minutes of traffic, so few records share a rollup row: the hardest case.
 * 2. live: BENCH_LIVE records (200 000) arriving at 20 000/s (a batch covers 250 ms, as at that
 *    rate in production), appended to the full database: the "keeps up with 20 000 records/s" figure.
 *    Handed over as a node's pipeline does: each batch as a block of columns (telemetry/block.ts,
 *    plain calls as call events; AI calls as records) that the worker builds, encodes and writes.
 * 3. queries: each dashboard query BENCH_QUERY_RUNS times (20), interleaved, from a separate store
 *    connection after a cold first run; median, p95 and max ms against 200 ms.
 *
 * Knobs: BENCH_BATCH (5000, `call_logs.queue.batch_size`), BENCH_LOAD_MAX_S (3600: the load stops
 * there, and the queries run on what was loaded), BENCH_QUERY_MAX_S (120).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SERIES_METRICS } from '../src/control/routes/analytics/routes.js';
import type { CallRecord } from '../src/core/call-record.js';
import { createStore } from '../src/store/index.js';
import type { Store } from '../src/store/types.js';
import type { CallEventInput } from '../src/telemetry/record.js';
import { CallEntry } from '../src/telemetry/record.js';
import { BlockPool, CallBlock } from '../src/telemetry/block.js';
import { WorkerStoreSink } from '../src/telemetry/sinks/store-worker.js';
import { DAY_MS, SERVICES, TEAMS, arrivals, callRecord } from './call-log-traffic.js';
import { envInt, median, saveResults, textTable } from './lib.js';

const total = Number(process.argv[2] ?? process.env.BENCH_RECORDS ?? 10_000_000);
const batchSize = envInt('BENCH_BATCH', 5000);
const liveRecords = envInt('BENCH_LIVE', 200_000);
const liveRate = 20_000;
const loadMaxS = envInt('BENCH_LOAD_MAX_S', 3600);
const queryRuns = envInt('BENCH_QUERY_RUNS', 20);
const queryMaxS = envInt('BENCH_QUERY_MAX_S', 120);
const TARGET_MS = 200;
const INGEST_TARGET = 20_000;
const SPAN_MS = 7.5 * DAY_MS;

const tempDir = process.env.BENCH_DB ? null : mkdtempSync(join(tmpdir(), 'gantry-scale-'));
const dbPath = process.env.BENCH_DB ?? join(tempDir!, 'calls.db');
function cleanup(): void {
  if (tempDir !== null) rmSync(tempDir, { recursive: true, force: true });
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))] ?? NaN;
}

function dbBytes(): number {
  let n = 0;
  for (const f of [dbPath, `${dbPath}-wal`]) if (existsSync(f)) n += statSync(f).size;
  return n;
}

const gib = (bytes: number) => (bytes / 2 ** 30).toFixed(2);

/** CPU ms (user + system) from a /proc stat file: the whole process, or the calling thread. */
function procCpuMs(file: '/proc/self/stat' | '/proc/thread-self/stat'): number {
  try {
    const stat = readFileSync(file, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

/**
 * CPU used by every thread but this one (ms): the store worker and its checkpoint thread, which is
 * what writing costs, apart from generating the records here. On this shared machine wall-clock
 * rates say as much about the other engineers' load as about ours; CPU time per record does not.
 */
const otherThreadsCpuMs = () => procCpuMs('/proc/self/stat') - procCpuMs('/proc/thread-self/stat');
const log = (line: string) => process.stderr.write(`${line}\n`);

interface IngestFigures {
  records: number;
  batches: number;
  seconds: number;
  overall_per_s: number;
  batch_median_per_s: number;
  batch_p10_per_s: number;
  batch_median_ms: number;
  batch_max_ms: number;
  /** CPU of the writing threads per record, and records per CPU-second of them. */
  writer_cpu_us_per_record: number;
  records_per_writer_cpu_s: number;
  /** Main-thread time handing batches to the worker (serializing), per record. */
  handoff_us_per_record: number;
}

/** The `gantry:call` event a plain call's record came from (as the data plane publishes it). */
function eventOf(r: CallRecord): CallEventInput {
  return {
    requestId: r.request_id,
    timestamp: r.time,
    method: r.method,
    path: r.path,
    clientIp: r.client_ip,
    status: r.status,
    routeId: r.route_id,
    serviceId: r.service_id,
    appId: r.app_id,
    teamId: r.team_id,
    keyId: r.key_id,
    latencyMs: r.latency_total_ms,
    upstreamLatencyMs: r.latency_upstream_ms,
    bytesIn: r.bytes_in,
    bytesOut: r.bytes_out,
    upstreamTarget: r.upstream_target,
    upstreamStatus: r.upstream_status,
    retries: r.retries,
    errorCode: r.error_code as CallEventInput['errorCode'],
    host: r.host,
    query: r.query === '' ? '' : `?${r.query}`,
    routeTeamId: r.team_id,
    serviceKind: 'http',
    cacheStatus: r.cache_status,
    rateLimit: r.rate_limit,
    traceId: r.trace_id ?? null,
  };
}

const pool = new BlockPool(batchSize);
const prepare = { nodeId: 'bench' };

/**
 * Writes `count` records whose times `timeAt(i)` gives, in batches, through the worker sink: the
 * next batch is generated while the previous one is written. Bounded by `maxS`. `blocks`: each
 * batch goes as a pipeline's block (`writeBlock`), else as records (`write`: encoded here).
 */
async function ingest(sink: WorkerStoreSink, count: number, timeAt: (i: number) => number, first: number, maxS: number, label: string, blocks = false): Promise<IngestFigures> {
  const batchMs: number[] = [];
  const batchSizes: number[] = [];
  const t0 = performance.now();
  const cpu0 = otherThreadsCpuMs();
  let handoffMs = 0;
  let report = t0;
  let written = 0;
  let inFlight: Promise<void> | null = null;
  for (let start = 0; start < count; start += batchSize) {
    const end = Math.min(count, start + batchSize);
    const batch: CallRecord[] = new Array(end - start);
    for (let i = start; i < end; i++) batch[i - start] = callRecord(timeAt(i), first + i);
    let block: CallBlock | null = null;
    if (blocks) {
      // Filled as calls arrive in a node: not counted as hand-over.
      block = new CallBlock(pool);
      for (const r of batch) block.add(r.ai === null ? new CallEntry(eventOf(r), null) : CallEntry.of(r), prepare);
    }
    if (inFlight !== null) await inFlight;
    const begun = performance.now();
    const written$ = block === null ? sink.write(batch, []) : sink.writeBlock(block.data(prepare, (err) => log(`  a record failed: ${String(err)}`)));
    // The synchronous part runs on the node's main thread: encoding (records) or posting the batch.
    handoffMs += performance.now() - begun;
    inFlight = written$.then(() => {
      block?.release();
      batchMs.push(performance.now() - begun);
      batchSizes.push(batch.length);
      written += batch.length;
    });
    const now = performance.now();
    if (now - report > 30_000) {
      report = now;
      log(`  ${label}: ${written} records, ${Math.round((written / (now - t0)) * 1000)}/s overall, db ${gib(dbBytes())} GiB`);
    }
    if ((now - t0) / 1000 > maxS) {
      log(`  ${label}: stopped at ${maxS} s (BENCH_LOAD_MAX_S)`);
      break;
    }
  }
  if (inFlight !== null) await inFlight;
  const seconds = (performance.now() - t0) / 1000;
  const writerUs = ((otherThreadsCpuMs() - cpu0) * 1000) / written;
  const rates = batchMs.map((ms, i) => (batchSizes[i]! / ms) * 1000);
  return {
    records: written,
    batches: batchMs.length,
    seconds: Number(seconds.toFixed(1)),
    overall_per_s: Math.round(written / seconds),
    batch_median_per_s: Math.round(median(rates)),
    batch_p10_per_s: Math.round(percentile(rates, 0.1)),
    batch_median_ms: Number(median(batchMs).toFixed(1)),
    batch_max_ms: Number(Math.max(...batchMs).toFixed(1)),
    writer_cpu_us_per_record: Number(writerUs.toFixed(1)),
    records_per_writer_cpu_s: Math.round(1e6 / writerUs),
    handoff_us_per_record: Number(((handoffMs * 1000) / written).toFixed(1)),
  };
}

/** What a reused database holds: the newest record through the query API, and a count. */
async function countRecords(store: Store): Promise<{ count: number; newest: number | null }> {
  const page = await store.callLogs.query('all', {}, { limit: 1 });
  const newest = page.items[0]?.time ?? null;
  return { count: newest === null ? 0 : await exactCount(), newest };
}

async function exactCount(): Promise<number> {
  const BetterSqlite3 = (await import('better-sqlite3')).default;
  const db = new BetterSqlite3(dbPath, { readonly: true });
  try {
    return Number((db.prepare('select coalesce(sum(records), 0) as n from call_segments').get() as { n: number }).n);
  } finally {
    db.close();
  }
}

interface QueryCase {
  name: string;
  /** One of the three dashboard queries (the others are shown for context). */
  target: boolean;
  run(store: Store): Promise<unknown>;
}

function queries(end: number): QueryCase[] {
  const day = { from: end - DAY_MS, to: end };
  const week = { from: end - 7 * DAY_MS, to: end };
  const dashboard = ['requests', 'errors', 'latency_p95_ms'] as const;
  return [
    {
      name: 'series 24h/minute, one team',
      target: true,
      run: (s) => s.callRollups.series([TEAMS[0]!], { ...day, resolution: 'minute', metrics: [...dashboard] }),
    },
    {
      name: 'series 24h/minute, all teams',
      target: true,
      run: (s) => s.callRollups.series('all', { ...day, resolution: 'minute', metrics: [...dashboard] }),
    },
    {
      name: 'series 24h/minute, API default metrics, all',
      target: true,
      run: (s) => s.callRollups.series('all', { ...day, resolution: 'minute', metrics: [...DEFAULT_SERIES_METRICS] }),
    },
    {
      name: 'series 24h/minute, one app',
      target: false,
      run: (s) => s.callRollups.series('all', { ...day, resolution: 'minute', metrics: [...dashboard], filters: { app_id: 'app_0_0' } }),
    },
    {
      name: 'top 10 apps 7d, all teams',
      target: true,
      run: (s) => s.callRollups.top('all', { ...week, dimension: 'app', metric: 'requests', limit: 10 }),
    },
    {
      name: 'top 10 apps 7d, one team',
      target: true,
      run: (s) => s.callRollups.top([TEAMS[0]!], { ...week, dimension: 'app', metric: 'requests', limit: 10 }),
    },
    {
      name: 'p95 by service 24h, all teams',
      target: true,
      run: (s) => s.callRollups.percentiles('all', { ...day, by: 'service', quantiles: [0.95] }),
    },
    {
      name: 'p95 by service 24h, one team',
      target: true,
      run: (s) => s.callRollups.percentiles([TEAMS[0]!], { ...day, by: 'service', quantiles: [0.95] }),
    },
    {
      name: 'calls page 1, team + 5xx',
      target: false,
      run: (s) => s.callLogs.query([TEAMS[0]!], { status_class: 5 }, { limit: 50 }),
    },
    {
      name: 'calls page 1, service, 24h',
      target: false,
      run: (s) => s.callLogs.query('all', { ...day, service_id: SERVICES[5]! }, { limit: 50 }),
    },
    {
      name: 'calls page 1, path prefix',
      target: false,
      run: (s) => s.callLogs.query('all', { path: '/v1/rt_1_2_3/items/1' }, { limit: 50 }),
    },
    {
      // The worst case of a request-id search: an id that is not there, so every bucket is probed.
      name: 'request id not stored, 24h',
      target: false,
      run: (s) => s.callLogs.query('all', { ...day, request_id: 'no-such-request' }, { limit: 50 }),
    },
    {
      name: 'request id not stored, everything',
      target: false,
      run: (s) => s.callLogs.query('all', { request_id: 'no-such-request' }, { limit: 50 }),
    },
  ];
}

interface QueryFigures {
  name: string;
  target: boolean;
  cold_ms: number;
  runs: number;
  /** CPU time of the query (this process; nothing else runs in it meanwhile), median. */
  cpu_median_ms: number;
  median_ms: number;
  p95_ms: number;
  max_ms: number;
  met: boolean | null;
}

async function timeQueries(store: Store, cases: QueryCase[]): Promise<QueryFigures[]> {
  const times = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  const cpus = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  const cold = new Map<string, number>();
  for (const c of cases) {
    const t = performance.now();
    await c.run(store);
    cold.set(c.name, performance.now() - t);
  }
  const deadline = performance.now() + queryMaxS * 1000;
  for (let r = 0; r < queryRuns && performance.now() < deadline; r++) {
    for (const c of cases) {
      const cpu = process.cpuUsage();
      const t = performance.now();
      await c.run(store);
      times.get(c.name)!.push(performance.now() - t);
      const used = process.cpuUsage(cpu);
      cpus.get(c.name)!.push((used.user + used.system) / 1000);
    }
  }
  return cases.map((c) => {
    const ts = times.get(c.name)!;
    const p95 = percentile(ts, 0.95);
    return {
      name: c.name,
      target: c.target,
      cold_ms: Number(cold.get(c.name)!.toFixed(1)),
      runs: ts.length,
      cpu_median_ms: Number(median(cpus.get(c.name)!).toFixed(1)),
      median_ms: Number(median(ts).toFixed(1)),
      p95_ms: Number(p95.toFixed(1)),
      max_ms: Number(Math.max(...ts).toFixed(1)),
      met: c.target ? p95 < TARGET_MS : null,
    };
  });
}

async function main(): Promise<void> {
  log(`call-log scale bench: ${total} records, batch ${batchSize}, database ${dbPath}${tempDir ? ' (temporary)' : ''}`);
  const store = await createStore({ url: dbPath });
  await store.migrate();
  const existing = await countRecords(store);
  await store.close();

  let end: number;
  let load: IngestFigures | null = null;
  const sink = new WorkerStoreSink({ url: dbPath });
  if (existing.count === 0) {
    end = Math.floor(Date.now() / 60_000) * 60_000;
    const at = arrivals(total, end - SPAN_MS, end);
    load = await ingest(sink, total, at, 0, loadMaxS, 'load');
    log(`  load: ${load.records} records in ${load.seconds} s, ${load.overall_per_s}/s overall, ${load.batch_median_per_s}/s per batch (median)`);
  } else {
    // Reused: the newest record (and so the end of the data) decides the windows.
    end = existing.newest! + 1;
    log(`  reusing ${existing.count} records (newest ${new Date(existing.newest!).toISOString()}); no load`);
  }

  const liveStart = end;
  const live = await ingest(sink, liveRecords, (i) => liveStart + Math.floor((i * 1000) / liveRate), total, 600, 'live', true);
  log(`  live: ${live.records} records, ${live.overall_per_s}/s overall, ${live.batch_median_per_s}/s per batch (median)`);
  await sink.close();

  const records = existing.count + (load?.records ?? 0) + live.records;
  const bytes = dbBytes();
  const reader = await createStore({ url: dbPath });
  const results = await timeQueries(reader, queries(end));
  await reader.close();

  const out: string[] = [];
  out.push(`records stored: ${records}; database ${gib(bytes)} GiB`);
  const ingestRows: Array<Array<string | number>> = [];
  for (const [name, f] of [['load (7.5 days of traffic)', load], ['live (20 000/s arrivals)', live]] as const) {
    if (f === null) continue;
    ingestRows.push([name, f.records, f.overall_per_s, f.batch_median_per_s, f.batch_p10_per_s, f.batch_median_ms, f.batch_max_ms, f.writer_cpu_us_per_record, f.records_per_writer_cpu_s, f.handoff_us_per_record]);
  }
  out.push(
    textTable(
      ['ingest', 'records', 'overall/s', 'batch median/s', 'batch p10/s', 'batch median ms', 'batch max ms', 'writer CPU µs/record', 'records/writer CPU-s', 'main-thread handoff µs/record'],
      ingestRows,
    ),
  );
  out.push(
    [
      `live ingest vs ${INGEST_TARGET}/s: wall clock ${live.batch_median_per_s >= INGEST_TARGET ? 'met' : 'NOT met'} (batch median ${live.batch_median_per_s}/s; overall ${live.overall_per_s}/s includes generating the records on the same 2 cores);`,
      `  per CPU-second of the writing threads ${live.records_per_writer_cpu_s >= INGEST_TARGET ? 'met' : 'NOT met'} (${live.records_per_writer_cpu_s}/s: what one core given to the writer sustains)`,
    ].join('\n'),
  );
  out.push(
    textTable(
      ['query', 'cold ms', 'runs', 'median ms', 'p95 ms', 'max ms', 'CPU ms (median)', `p95 < ${TARGET_MS} ms`],
      results.map((r) => [r.name, r.cold_ms, r.runs, r.median_ms, r.p95_ms, r.max_ms, r.cpu_median_ms, r.met === null ? '(context)' : r.met ? 'met' : 'NOT met']),
    ),
  );
  process.stdout.write(`\n${out.join('\n\n')}\n`);
  const file = saveResults('call-log-scale', { when: new Date().toISOString(), total, batchSize, records, db_bytes: bytes, load, live, queries: results });
  process.stdout.write(`saved ${file}\n`);
}

main()
  .then(() => process.exit(0))
  .catch((err) => {
    process.stderr.write(`bench failed: ${err.stack ?? err}\n`);
    process.exit(1);
  });
