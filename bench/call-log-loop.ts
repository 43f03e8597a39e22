/**
 * What call logging costs the event loop the proxy runs on: synthetic `gantry:call` events pushed
 * into a pipeline at a steady rate for a while, the main thread's event-loop utilization measured,
 * for a sink that does nothing (the cost of collecting and preparing records), the store sink on
 * the main thread (`inline`), and the store sink in a worker thread (`worker`); `none` makes the
 * events and drops them (the baseline). Also the process's CPU time per call, all threads (the
 * worker's writes and the SQLite checkpointer included), until every record is written: minus
 * `none`'s, what logging a call costs in CPU. SQLite in a temp dir; the pipeline's defaults
 * (batches of 5000, a partial batch after 1000 ms).
 *
 *   npx tsx bench/call-log-loop.ts [none|noop|inline|worker] [calls per second=3000] [seconds=10]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createStore } from '../src/store/index.js';
import { CallLogPipeline } from '../src/telemetry/pipeline.js';
import { CallEntry } from '../src/telemetry/record.js';
import { StoreSink } from '../src/telemetry/sinks/store.js';
import { WorkerStoreSink } from '../src/telemetry/sinks/store-worker.js';
import type { CallSink } from '../src/telemetry/sinks/types.js';

const mode = process.argv[2] ?? 'worker';
const rate = Number(process.argv[3] ?? 3000);
const seconds = Number(process.argv[4] ?? 10);
/** Distinct routes (and apps, keys...) the calls spread over; 1 is one busy route, like bench/call-log-overhead.ts. */
const spread = Number(process.argv[5] ?? 100);
const dir = mkdtempSync(join(tmpdir(), 'gantry-loop-'));
const url = join(dir, 'calls.db');
const store = await createStore({ url });
await store.migrate();
const sink: CallSink =
  mode === 'worker' ? new WorkerStoreSink({ url }) : mode === 'noop' ? { name: 'noop', write: async () => undefined } : new StoreSink(store);
const pipeline = await CallLogPipeline.create({ sink, nodeId: 'bench', batchSize: Number(process.env.BENCH_BATCH ?? 5000), flushIntervalMs: Number(process.env.BENCH_FLUSH_MS ?? 1000) });

const event = (i: number) => ({
  requestId: crypto.randomUUID(),
  timestamp: Date.now(),
  method: 'GET',
  path: `/v1/rt_${i % spread}/items/${i % 5000}`,
  clientIp: '10.0.0.1',
  status: i % 50 ? 200 : 502,
  routeId: `rt_${i % spread}`,
  serviceId: `svc_${i % Math.ceil(spread / 5)}`,
  appId: `app_${i % (spread * 5)}`,
  teamId: `team_${i % Math.min(5, spread)}`,
  keyId: `key_${i % (spread * 5)}`,
  latencyMs: 5 + (i % 100),
  upstreamLatencyMs: 4,
  bytesIn: 100,
  bytesOut: 1000,
  upstreamTarget: 'http://10.0.0.5:80',
  upstreamStatus: 200,
  retries: 0,
  errorCode: null,
  host: 'api.example.com',
  query: i % 3 ? '' : '?page=2',
  routeTeamId: `team_${i % Math.min(5, spread)}`,
  serviceKind: 'http' as const,
});

let pushed = 0;
// Two seconds first, not measured: the worker's start and the first batches.
await drive(2);
await pipeline.flush();
const warm = pushed;
const warmWritten = pipeline.stats().written;
const cpu0 = process.cpuUsage();
const elu0 = performance.eventLoopUtilization();
await drive(seconds);
const elu = performance.eventLoopUtilization(elu0);
await pipeline.close();
await sink.close?.();
const cpu = process.cpuUsage(cpu0);
const stats = pipeline.stats();
const measured = pushed - warm;
console.log(
  JSON.stringify({
    mode,
    rate,
    spread,
    pushed: measured,
    written: stats.written - warmWritten,
    dropped: stats.dropped,
    main_thread_elu: Number(elu.utilization.toFixed(3)),
    cpu_us_per_call: Number(((cpu.user + cpu.system) / measured).toFixed(2)),
  }),
);
await store.close();
rmSync(dir, { recursive: true, force: true });

async function drive(s: number): Promise<void> {
  const t0 = performance.now();
  const start = pushed;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = start + Math.floor(((performance.now() - t0) / 1000) * rate);
      while (pushed < due) {
        const entry = new CallEntry(event(pushed++), null);
        if (mode !== 'none') pipeline.push(entry);
      }
      if (performance.now() - t0 > s * 1000) {
        clearInterval(timer);
        resolve();
      }
    }, 10);
  });
}
