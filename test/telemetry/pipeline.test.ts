import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { blockRecords, type BlockData } from '../../src/telemetry/block-data.js';
import { CallLogPipeline, type PipelineOptions } from '../../src/telemetry/pipeline.js';
import { CallEntry } from '../../src/telemetry/record.js';
import { callRecord } from '../store/conformance/call-fixtures.js';
import { waitFor } from '../gateway/helpers.js';
import { TestSink, httpCall, tempDir } from './helpers.js';

const root = tempDir();
let dirs = 0;

function open(sink: TestSink, opts: Partial<PipelineOptions> = {}): Promise<CallLogPipeline> {
  return CallLogPipeline.create({ sink, nodeId: 'node-1', flushIntervalMs: 20, retry: { initialMs: 10, maxMs: 40 }, ...opts });
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const requestIds = (sink: TestSink) => sink.records.map((r) => r.request_id);

/** A sink that takes batches as blocks, as the store's worker writer does (through a structured clone). */
class BlockTestSink extends TestSink {
  blockWrites = 0;

  writeBlock(block: BlockData): Promise<void> {
    this.blockWrites++;
    const { records, bodies } = blockRecords(structuredClone(block));
    return this.write(records, bodies);
  }
}

type Call = { request_id?: string; time?: number };

/** How calls reach the pipeline: built records (rows kept as entries), call events (column rows), or both in turn. */
const feeds = {
  records: (p: CallLogPipeline, c: Call = {}) => p.pushRecord(callRecord(c)),
  calls: (p: CallLogPipeline, c: Call = {}) =>
    p.push(new CallEntry(httpCall({ ...(c.request_id ? { requestId: c.request_id } : {}), ...(c.time !== undefined ? { timestamp: c.time } : {}) }), null)),
  mixed: (p: CallLogPipeline, c: Call = {}) => ((mixed++ % 2 === 0 ? feeds.records : feeds.calls)(p, c)),
};
let mixed = 0;

const variants = [
  { name: 'records, write()', add: feeds.records, newSink: () => new TestSink() },
  { name: 'call events, write()', add: feeds.calls, newSink: () => new TestSink() },
  { name: 'call events, writeBlock()', add: feeds.calls, newSink: () => new BlockTestSink() },
  { name: 'both in turn, writeBlock()', add: feeds.mixed, newSink: () => new BlockTestSink() },
];

describe.each(variants)('call-log pipeline ($name)', ({ add, newSink }) => {
  test('writes full batches at once, the rest after the flush interval; push never writes on its caller’s turn', async () => {
    const sink = newSink();
    const pipeline = await open(sink, { batchSize: 3, flushIntervalMs: 100 });
    for (let i = 0; i < 7; i++) add(pipeline, { request_id: `r${i}` });
    expect(sink.calls).toBe(0);
    await waitFor(() => sink.batches.length === 2, 2000, 'two full batches');
    expect(sink.batches.map((b) => b.length)).toEqual([3, 3]);
    await waitFor(() => sink.batches.length === 3, 2000, 'the partial batch');
    expect(requestIds(sink)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
    expect(pipeline.stats()).toMatchObject({ accepted: 7, written: 7, queued: 0, queued_bytes: 0, dropped: 0 });
    // A sink that takes blocks is given every batch as one.
    if (sink instanceof BlockTestSink) expect(sink.blockWrites).toBe(3);
    await pipeline.close();
  });

  test('drop-oldest: when the sink falls behind, the oldest waiting records are dropped and counted', async () => {
    const sink = newSink();
    sink.mode = 'hold';
    const pipeline = await open(sink, { batchSize: 2, maxQueueRecords: 5 });
    add(pipeline, { request_id: 'r1' });
    add(pipeline, { request_id: 'r2' });
    await waitFor(() => sink.calls === 1, 2000, 'the first write to start');
    for (let i = 3; i <= 10; i++) add(pipeline, { request_id: `r${i}` });
    expect(pipeline.stats()).toMatchObject({ queued: 5, dropped: 3 });
    sink.release();
    await pipeline.flush();
    expect(requestIds(sink)).toEqual(['r1', 'r2', 'r6', 'r7', 'r8', 'r9', 'r10']);
    expect(pipeline.stats()).toMatchObject({ written: 7, dropped: 3, queued: 0 });
    await pipeline.close();
  });

  test('a failed write is retried with backoff until the sink takes it; a refused batch is counted and skipped', async () => {
    const sink = newSink();
    sink.failNext = 2;
    const pipeline = await open(sink, { batchSize: 10 });
    for (let i = 0; i < 4; i++) add(pipeline, { request_id: `r${i}` });
    await pipeline.flush();
    expect(requestIds(sink)).toEqual(['r0', 'r1', 'r2', 'r3']);
    expect(pipeline.stats()).toMatchObject({ written: 4, sink_failures: 2, last_error: 'sink down', failed: 0 });

    sink.mode = 'refuse';
    add(pipeline, { request_id: 'bad' });
    await pipeline.flush();
    sink.mode = 'ok';
    add(pipeline, { request_id: 'next' });
    await pipeline.flush();
    expect(requestIds(sink)).toEqual(['r0', 'r1', 'r2', 'r3', 'next']);
    expect(pipeline.stats()).toMatchObject({ written: 5, failed: 1, sink_failures: 3 });
    await pipeline.close();
  });

  test('spool: records the sink cannot take go to disk already redacted, and come back once it recovers', async () => {
    const dir = join(root, `spool-${++dirs}`);
    const sink = newSink();
    sink.mode = 'fail';
    const pipeline = await open(sink, { batchSize: 2, overflow: 'spool', spool: { dir } });
    // Call events: their queries carry a secret.
    for (let i = 0; i < 5; i++) feeds.calls(pipeline, { request_id: `s${i}` });
    await waitFor(() => pipeline.stats().spool_records === 5, 3000, 'everything spooled');
    const onDisk = readdirSync(dir).filter((f) => f.endsWith('.jsonl')).map((f) => readFileSync(join(dir, f), 'utf8')).join('');
    expect(onDisk).toContain('access_token=%5BREDACTED%5D');
    expect(onDisk).not.toContain('sekret');
    expect(pipeline.stats()).toMatchObject({ written: 0, spooled: 5, queued: 0, dropped: 0 });
    sink.mode = 'ok';
    await waitFor(() => pipeline.stats().spool_records === 0 && pipeline.stats().written === 5, 3000, 'the replay');
    expect(requestIds(sink).sort()).toEqual(['s0', 's1', 's2', 's3', 's4']);
    expect(pipeline.stats()).toMatchObject({ written: 5, spool_records: 0 });
    await pipeline.close();
  });

  test('spool: an overflowing queue spills its oldest records to disk instead of dropping them', async () => {
    const dir = join(root, `spool-${++dirs}`);
    const sink = newSink();
    sink.mode = 'hold';
    const pipeline = await open(sink, { batchSize: 2, maxQueueRecords: 3, overflow: 'spool', spool: { dir } });
    add(pipeline, { request_id: 'first' });
    add(pipeline, { request_id: 'second' });
    await waitFor(() => sink.calls === 1, 2000, 'the first write to start');
    for (let i = 0; i < 20; i++) {
      add(pipeline, { request_id: `o${i}` });
      await new Promise((r) => setTimeout(r, 5));
    }
    await waitFor(() => pipeline.stats().spooled > 0 && pipeline.stats().queued <= 3, 2000, 'a spill');
    sink.release();
    await waitFor(() => pipeline.stats().written === 22, 5000, 'everything written');
    expect(new Set(requestIds(sink)).size).toBe(22);
    expect(pipeline.stats()).toMatchObject({ dropped: 0, written: 22, spool_records: 0 });
    await pipeline.close();
  });

  test('spool: memory stays bounded when records come faster than the disk takes them', async () => {
    const sink = newSink();
    sink.mode = 'hold';
    const pipeline = await open(sink, { batchSize: 2, maxQueueRecords: 3, overflow: 'spool', spool: { dir: join(root, `spool-${++dirs}`) } });
    for (let i = 0; i < 50; i++) add(pipeline);
    const stats = pipeline.stats();
    expect(stats.queued).toBeLessThanOrEqual(6);
    expect(stats.dropped).toBeGreaterThan(0);
    sink.release();
    await pipeline.close();
    expect(pipeline.stats().written + pipeline.stats().dropped).toBe(50);
  });

  test('spool across a restart: close() with the sink down spools what is left; the next run replays it once', async () => {
    const dir = join(root, `spool-${++dirs}`);
    const down = newSink();
    down.mode = 'fail';
    const first = await open(down, { batchSize: 10, overflow: 'spool', spool: { dir } });
    for (let i = 0; i < 6; i++) add(first, { request_id: `k${i}` });
    await first.close();
    expect(first.stats()).toMatchObject({ written: 0, dropped: 0, spooled: 6, spool_records: 6 });
    expect(down.closed).toBe(true);
    add(first);
    expect(first.stats().rejected).toBe(1);

    const up = newSink();
    const second = await open(up, { batchSize: 4, overflow: 'spool', spool: { dir } });
    await waitFor(() => up.records.length === 6, 3000, 'the replay after restart');
    expect(requestIds(up)).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5']);
    await second.close();
    const third = await open(newSink(), { overflow: 'spool', spool: { dir } });
    expect(third.stats().spool_records).toBe(0);
    await third.close();
  });

  test('close() writes every accepted record before it resolves', async () => {
    const sink = newSink();
    sink.delayMs = 15;
    const pipeline = await open(sink, { batchSize: 10, flushIntervalMs: 1000 });
    for (let i = 0; i < 95; i++) add(pipeline, { request_id: `c${i}` });
    await tick();
    await pipeline.close();
    expect(sink.records.length).toBe(95);
    expect(new Set(requestIds(sink)).size).toBe(95);
    expect(pipeline.stats()).toMatchObject({ accepted: 95, written: 95, queued: 0 });
    expect(sink.closed).toBe(true);
  });

  test('close() stops retrying a dead sink after closeTimeoutMs (drop-oldest) and counts what it dropped', async () => {
    const sink = newSink();
    sink.mode = 'fail';
    const pipeline = await open(sink, { closeTimeoutMs: 150 });
    for (let i = 0; i < 3; i++) add(pipeline);
    const started = Date.now();
    await pipeline.close();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(pipeline.stats()).toMatchObject({ written: 0, dropped: 3, queued: 0 });
    expect(pipeline.stats().sink_failures).toBeGreaterThan(0);
  });

  test('stats: queued records, bytes and the age of the oldest', async () => {
    const sink = newSink();
    sink.mode = 'hold';
    const pipeline = await open(sink, { batchSize: 1 });
    add(pipeline, { time: Date.now() - 1500 });
    add(pipeline);
    const stats = pipeline.stats();
    expect(stats.queued).toBe(2);
    expect(stats.queued_bytes).toBeGreaterThan(1000);
    expect(stats.lag_ms).toBeGreaterThanOrEqual(1500);
    sink.release();
    await pipeline.close();
    expect(pipeline.stats()).toMatchObject({ queued: 0, queued_bytes: 0, lag_ms: 0, written: 2 });
  });
});

describe('call-log pipelines side by side', () => {
  test('one call handed to two pipelines (two sinks) is one record with one id in both', async () => {
    const a = new TestSink('a');
    const b = new BlockTestSink('b');
    const [pa, pb] = await Promise.all([open(a, { batchSize: 4 }), open(b, { batchSize: 3 })]);
    const entries = [
      new CallEntry(httpCall({ requestId: 'x1' }), null),
      CallEntry.of(callRecord({ request_id: 'x2' })),
      new CallEntry(httpCall({ requestId: 'x3', query: '' }), null),
      new CallEntry(httpCall({ requestId: 'x4' }), null),
    ];
    for (const e of entries) {
      pa.push(e);
      pb.push(e);
    }
    await Promise.all([pa.close(), pb.close()]);
    expect(requestIds(a)).toEqual(['x1', 'x2', 'x3', 'x4']);
    expect(b.records).toEqual(a.records);
    expect(new Set(a.records.map((r) => r.id)).size).toBe(4);
  });
});
