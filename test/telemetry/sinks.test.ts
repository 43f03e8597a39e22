import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { FileSink } from '../../src/telemetry/sinks/file.js';
import { SinkError } from '../../src/telemetry/sinks/types.js';
import { WebhookSink } from '../../src/telemetry/sinks/webhook.js';
import { aiPart, callRecord } from '../store/conformance/call-fixtures.js';
import { blockRecords } from '../../src/telemetry/block-data.js';
import { BlockPool, CallBlock } from '../../src/telemetry/block.js';
import { compileCallLogOptions } from '../../src/telemetry/capture.js';
import { CallEntry } from '../../src/telemetry/record.js';
import { httpCall, tempDir } from './helpers.js';

const root = tempDir();

/** A receiver on 127.0.0.1:0 answering each POST with the next status of `statuses` (then 200). */
async function receiver(statuses: Array<number | [number, Record<string, string>]> = []) {
  const bodies: unknown[] = [];
  const headers: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      headers.push(req.headers);
      const next = statuses.shift() ?? 200;
      const [status, extra] = Array.isArray(next) ? next : [next, {}];
      if (status === 200) bodies.push(JSON.parse(text));
      res.writeHead(status, extra).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/calls`, bodies, headers, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('file sink', () => {
  test('appends JSON lines with bodies inline, and rotates by size keeping maxFiles', async () => {
    const path = join(root, 'logs', 'calls.jsonl');
    const sink = new FileSink({ path, maxBytes: 2500, maxFiles: 2 });
    const first = callRecord({ request_id: 'f0' });
    await sink.write([first], [{ id: first.id, request_body: 'hi', response_body: null, request_headers: null, response_headers: null, truncated: false }]);
    const line = JSON.parse(readFileSync(path, 'utf8').trim());
    expect(line).toMatchObject({ request_id: 'f0', bodies: { request_body: 'hi', truncated: false } });
    for (let i = 1; i < 12; i++) await sink.write([callRecord({ request_id: `f${i}` })], []);
    await sink.close();
    expect(existsSync(`${path}.1`)).toBe(true);
    expect(existsSync(`${path}.2`)).toBe(true);
    expect(existsSync(`${path}.3`)).toBe(false);
    for (const file of [path, `${path}.1`, `${path}.2`]) expect(readFileSync(file).length).toBeLessThanOrEqual(2500);
    const newest = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l).request_id);
    expect(newest.at(-1)).toBe('f11');
  });
});

describe('webhook sink', () => {
  test('POSTs each batch as one JSON array with the configured headers', async () => {
    const rx = await receiver();
    const sink = new WebhookSink({ url: rx.url, headers: { authorization: 'Bearer receiver-token' } });
    try {
      await sink.write([callRecord({ request_id: 'w1' }), callRecord({ request_id: 'w2' })], []);
      expect(rx.bodies).toHaveLength(1);
      expect((rx.bodies[0] as Array<{ request_id: string }>).map((r) => r.request_id)).toEqual(['w1', 'w2']);
      expect(rx.headers[0]).toMatchObject({ 'content-type': 'application/json', authorization: 'Bearer receiver-token' });
    } finally {
      await sink.close();
      await rx.close();
    }
  });

  test('retries 5xx, 429 (honouring Retry-After) and 408 with backoff, then succeeds', async () => {
    const rx = await receiver([503, [429, { 'retry-after': '0' }], 408]);
    const sink = new WebhookSink({ url: rx.url, initialBackoffMs: 5, maxBackoffMs: 20 });
    try {
      await sink.write([callRecord({ request_id: 'r1' })], []);
      expect(rx.headers).toHaveLength(4);
      expect(rx.bodies).toHaveLength(1);
    } finally {
      await sink.close();
      await rx.close();
    }
  });

  test('a 4xx refusal fails at once and is not retryable; exhausted retries fail as retryable, in bounded time', async () => {
    const refused = await receiver([400]);
    const sink = new WebhookSink({ url: refused.url });
    const err = await sink.write([callRecord()], []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SinkError);
    expect((err as SinkError).retryable).toBe(false);
    expect(refused.headers).toHaveLength(1);
    await sink.close();
    await refused.close();

    const down = await receiver([500, 500, 500, 500]);
    const flaky = new WebhookSink({ url: down.url, maxAttempts: 3, initialBackoffMs: 5, maxBackoffMs: 10 });
    const started = Date.now();
    const err2 = await flaky.write([callRecord()], []).catch((e: unknown) => e);
    expect((err2 as SinkError).retryable).toBe(true);
    expect((err2 as Error).message).toMatch(/3 attempts: HTTP 500/);
    expect(down.headers).toHaveLength(3);
    expect(Date.now() - started).toBeLessThan(2000);
    await flaky.close();
    await down.close();

    const nowhere = new WebhookSink({ url: 'http://127.0.0.1:1/calls', maxAttempts: 2, initialBackoffMs: 5 });
    const err3 = await nowhere.write([callRecord()], []).catch((e: unknown) => e);
    expect((err3 as SinkError).retryable).toBe(true);
    await nowhere.close();
  });
});

describe('store sink in a worker thread', () => {
  /** A migrated store in `file` under the temp dir, and a worker sink writing to it. */
  async function workerStore(file: string) {
    const { createStore } = await import('../../src/store/index.js');
    const { WorkerStoreSink } = await import('../../src/telemetry/sinks/store-worker.js');
    const url = join(root, file);
    const store = await createStore({ url });
    await store.migrate();
    return { store, sink: new WorkerStoreSink({ url }) };
  }

  test('batches are written by the worker into the same database; refused batches are not retryable', async () => {
    const { store, sink } = await workerStore('worker.db');
    try {
      const records = [callRecord({ request_id: 'w1', trace_id: '4bf92f3577b34da6a3ce929d0e0e4736' }), callRecord({ request_id: 'w2', ai: aiPart() })];
      await sink.write(records, [{ id: records[0]!.id, request_body: 'b', response_body: null, request_headers: null, response_headers: null, truncated: false }]);
      const stored = (await store.callLogs.query('all')).items;
      expect(stored.map((r) => r.request_id).sort()).toEqual(['w1', 'w2']);
      for (const r of records) expect(stored.find((x) => x.id === r.id)).toEqual(r);
      expect((await store.callLogs.get('all', records[0]!.id))?.bodies?.request_body).toBe('b');
      const err = await sink.write([{ ...callRecord(), id: 'nope' }], []).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SinkError);
      expect((err as SinkError).retryable).toBe(false);
    } finally {
      await sink.close();
      await store.close();
    }
    await expect(sink.write([callRecord()], [])).rejects.toThrow(/exited/);
  });

  test('blocks are built into records and stored by the worker; a block it refuses is not retryable', async () => {
    const { store, sink } = await workerStore('worker-blocks.db');
    const opts = { nodeId: 'node-w' };
    try {
      const block = new CallBlock(new BlockPool(100));
      for (let i = 0; i < 40; i++) {
        block.add(new CallEntry(httpCall({ requestId: `b${i}`, host: i % 2 ? 'API.example.com:8443' : 'api.example.com', traceId: i % 3 ? null : '4bf92f3577b34da6a3ce929d0e0e4736' }), null), opts);
      }
      const capture = { config: compileCallLogOptions({ capture_bodies: true }), requestHeaders: { 'content-type': 'text/plain' }, requestBody: Buffer.from('hello') };
      block.add(new CallEntry(httpCall({ requestId: 'captured', capture }), null), opts);
      const data = block.data(opts, () => expect.unreachable());
      const expected = blockRecords(data).records;
      await sink.writeBlock(data);
      const stored = (await store.callLogs.query('all', {}, { limit: 100 })).items;
      expect(stored).toHaveLength(41);
      for (const r of expected) expect(stored.find((x) => x.id === r.id)).toEqual(r);
      expect(stored.find((r) => r.request_id === 'b1')?.query).toBe('access_token=%5BREDACTED%5D&page=1');
      const captured = expected.find((r) => r.request_id === 'captured')!;
      expect((await store.callLogs.get('all', captured.id))?.bodies?.request_body).toBe('hello');

      const bad = new CallBlock(new BlockPool(10));
      bad.add(CallEntry.of({ ...callRecord(), id: 'nope' }), opts);
      const err = await sink.writeBlock(bad.data(opts, () => undefined)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SinkError);
      expect((err as SinkError).retryable).toBe(false);
    } finally {
      await sink.close();
      await store.close();
    }
  });
});
