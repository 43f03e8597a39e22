/**
 * What call logging costs the event loop the proxy runs on: synthetic `gantry:call` events pushed
 * into a pipeline at a steady rate for a while, the main thread's event-loop utilization measured,
 * for a sink that does nothing (the cost of collecting and preparing records), the store sink on
 * the main thread (`inline`), and the store sink in a worker thread (`worker`). SQLite in a temp dir.
 *
 *   npx tsx bench/call-log-loop.ts [noop|inline|worker] [calls per second=3000] [seconds=10]
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
const dir = mkdtempSync(join(tmpdir(), 'gantry-loop-'));
const url = join(dir, 'calls.db');
const store = await createStore({ url });
await store.migrate();
const sink: CallSink =
  mode === 'worker' ? new WorkerStoreSink({ url }) : mode === 'noop' ? { name: 'noop', write: async () => undefined } : new StoreSink(store);
const pipeline = await CallLogPipeline.create({ sink, nodeId: 'bench', batchSize: 5000, flushIntervalMs: 200 });

const event = (i: number) => ({
  requestId: crypto.randomUUID(),
  timestamp: Date.now(),
  method: 'GET',
  path: `/v1/rt_${i % 100}/items/${i % 5000}`,
  clientIp: '10.0.0.1',
  status: i % 50 ? 200 : 502,
  routeId: `rt_${i % 100}`,
  serviceId: `svc_${i % 20}`,
  appId: `app_${i % 500}`,
  teamId: `team_${i % 5}`,
  keyId: `key_${i % 500}`,
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
  routeTeamId: `team_${i % 5}`,
  serviceKind: 'http' as const,
});

let pushed = 0;
const elu0 = performance.eventLoopUtilization();
const t0 = performance.now();
await new Promise<void>((resolve) => {
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - t0) / 1000) * rate);
    while (pushed < due) pipeline.push(new CallEntry(event(pushed++), null));
    if (performance.now() - t0 > seconds * 1000) {
      clearInterval(timer);
      resolve();
    }
  }, 10);
});
const elu = performance.eventLoopUtilization(elu0);
await pipeline.close();
const stats = pipeline.stats();
console.log(JSON.stringify({ mode, rate, pushed, written: stats.written, dropped: stats.dropped, main_thread_elu: Number(elu.utilization.toFixed(3)) }));
await store.close();
rmSync(dir, { recursive: true, force: true });
