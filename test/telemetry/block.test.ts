import { describe, expect, test } from 'vitest';
import { CALL_ID, callIdOf, callIdSequence, newCallId } from '../../src/store/repos/call-ids.js';
import { blockRecords } from '../../src/telemetry/block-data.js';
import { BlockPool, CallBlock } from '../../src/telemetry/block.js';
import { compileCallLogOptions } from '../../src/telemetry/capture.js';
import { CallEntry, prepareEntry, type PrepareOptions } from '../../src/telemetry/record.js';
import { Redactor } from '../../src/telemetry/redact.js';
import { callRecord } from '../store/conformance/call-fixtures.js';
import { aiEvent, httpCall } from './helpers.js';

const opts: PrepareOptions = { nodeId: 'node-7' };

/** Calls that differ in every field a plain call's row holds, some values repeating, some not. */
function variedEntries(n: number): CallEntry[] {
  const base = Date.now() - 60_000;
  return Array.from({ length: n }, (_, i) => {
    const call = httpCall({
      // Some not ASCII, one longer than the block's first text buffer.
      requestId: i === 50 ? 'r'.repeat(6000) : i % 13 === 0 ? `req-é✓-${i}` : `req-${i}`,
      timestamp: base + Math.floor(i / 3) + 0.4,
      method: i % 4 === 0 ? 'POST' : 'GET',
      path: `/items/${i % 7}`,
      clientIp: `10.0.0.${i % 5}`,
      status: i % 9 === 0 ? 503 : 200,
      routeId: i % 11 === 0 ? null : `rt_${i % 3}`,
      serviceId: i % 11 === 0 ? null : `svc_${i % 2}`,
      appId: i % 2 === 0 ? 'app_a' : null,
      teamId: i % 6 === 0 ? null : 'team_caller',
      keyId: i % 2 === 0 ? 'key_a' : null,
      latencyMs: 3.25 + i,
      upstreamLatencyMs: i % 9 === 0 ? null : 1.5 + i / 2,
      bytesIn: i * 10,
      bytesOut: i * 100,
      upstreamTarget: i % 9 === 0 ? null : `http://10.0.1.${i % 2}:80`,
      upstreamStatus: i % 9 === 0 ? null : 200,
      retries: i % 9 === 0 ? 2 : 0,
      errorCode: i % 9 === 0 ? 'GANTRY_ERR_UPSTREAM_FAILED' : null,
      host: i % 10 === 0 ? undefined : i % 2 === 0 ? 'API.Example.com:8443' : 'api.example.com',
      query: i % 3 === 0 ? '' : i % 3 === 1 ? '?access_token=sekret-value-123&page=1' : '?page=2',
      routeTeamId: i % 6 === 0 ? null : i % 5 === 0 ? 'team_owner' : undefined,
      cacheStatus: i % 4 === 1 ? 'HIT' : i % 4 === 2 ? 'MISS' : null,
      rateLimit: i % 5 === 3 ? 'limited' : i % 5 === 4 ? 'allowed' : null,
      traceId: i % 2 === 0 ? `${String(i).padStart(32, '0')}` : null,
    });
    return new CallEntry(call, null);
  });
}

/** The same calls, each as its own entry object, for prepareEntry (which lets the event go). */
function twins(entries: CallEntry[]): CallEntry[] {
  return entries.map((e) => {
    const twin = new CallEntry(e.call, e.ai);
    twin.time = e.time;
    twin.idHi = e.idHi;
    twin.idLo = e.idLo;
    return twin;
  });
}

describe('call blocks', () => {
  test('a block of plain calls gives the records prepareEntry builds, ids included, after a structured clone', () => {
    const entries = variedEntries(200);
    const expected = twins(entries).map((e) => prepareEntry(e, opts));
    const block = new CallBlock(new BlockPool(1000));
    for (const e of entries) block.add(e, opts);
    const { records, bodies } = blockRecords(structuredClone(block.data(opts, () => expect.unreachable())));
    expect(records).toEqual(expected);
    expect(bodies).toEqual([]);
    expect(new Set(records.map((r) => r.id)).size).toBe(200);
    expect(records.every((r) => CALL_ID.test(r.id))).toBe(true);
    expect(JSON.stringify(records)).not.toContain('sekret');
    // Spot checks of what the comparison relies on, against the events themselves.
    expect(records[0]).toMatchObject({ host: '', query: '', team_id: null, latency_upstream_ms: null, node: 'node-7' });
    expect(records[2]).toMatchObject({ host: 'api.example.com', query: 'page=2', team_id: 'team_caller', latency_gateway_ms: 5.25 - 2.5 });
  });

  test('rows kept as entries (AI calls, captured bodies, records) come back in arrival order between plain rows', () => {
    const capture = compileCallLogOptions({ capture_bodies: true });
    const plain = variedEntries(6);
    const usage = { prompt_tokens: 10, completion_tokens: 4, cached_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0, estimated: true };
    const ai = new CallEntry(httpCall({ requestId: 'ai-1', serviceKind: 'ai' }), aiEvent({ requestId: 'ai-1', timestamp: Date.now(), usage }));
    const captured = new CallEntry(
      httpCall({ requestId: 'cap-1', capture: { config: capture, requestHeaders: { 'content-type': 'text/plain' }, requestBody: Buffer.from('mail ann@example.com') } }),
      null,
    );
    const record = callRecord({ request_id: 'rec-1' });
    const order = [plain[0]!, ai, plain[1]!, plain[2]!, captured, CallEntry.of(record), plain[3]!, plain[4]!, plain[5]!];
    const expected = twins(order.filter((e) => e.record === null)).map((e) => prepareEntry(e, opts));
    const block = new CallBlock(new BlockPool(1000));
    for (const e of order) block.add(e, opts);
    const { records, bodies } = blockRecords(structuredClone(block.data(opts, () => expect.unreachable())));
    expect(records.map((r) => r.request_id)).toEqual(order.map((e) => e.record?.request_id ?? (e.call ?? e.ai)!.requestId));
    expect(records[1]!.ai).toMatchObject({ provider_id: 'aip_1', cost_usd: 0.003, tokens_estimated: true });
    expect(records[5]).toEqual(record);
    expect(records.filter((r) => r.request_id !== 'rec-1')).toEqual(expected);
    expect(bodies).toHaveLength(1);
    expect(bodies[0]).toMatchObject({ id: records[4]!.id, request_body: 'mail [REDACTED:email]' });
  });

  test('a query is redacted with the pipeline’s redactor as the call is added', () => {
    const redactor = Redactor.compile({ patterns: ['orange-\\d+'] });
    const block = new CallBlock(new BlockPool(10));
    block.add(new CallEntry(httpCall({ query: '?q=orange-42&page=3' }), null), { nodeId: 'n', queryRedactor: redactor });
    const [record] = blockRecords(block.data({ nodeId: 'n' }, () => undefined)).records;
    expect(record!.query).not.toContain('orange-42');
    expect(record!.query).toContain('page=3');
  });

  test('dropping the oldest rows: data() starts at the first live row; sizes and the oldest time follow', () => {
    const entries = variedEntries(100);
    const block = new CallBlock(new BlockPool(100));
    for (const e of entries) block.add(e, opts);
    expect(block.full).toBe(true);
    const total = block.bytes;
    let dropped = 0;
    for (let i = 0; i < 30; i++) dropped += block.dropOldest()!;
    expect(block.live).toBe(70);
    expect(block.bytes).toBe(total - dropped);
    expect(dropped).toBe(entries.slice(0, 30).reduce((n, e) => n + e.size, 0));
    expect(block.oldestTime()).toBe(entries[30]!.time);
    const { records } = blockRecords(block.data(opts, () => undefined));
    expect(records.map((r) => r.request_id)).toEqual(entries.slice(30).map((e) => e.call!.requestId));
    for (let i = 0; i < 70; i++) block.dropOldest();
    expect(block.dropOldest()).toBeUndefined();
    expect(block.oldestTime()).toBeUndefined();
    expect(blockRecords(block.data(opts, () => undefined)).records).toEqual([]);
  });

  test('a row whose record cannot be built is reported once and skipped, however often the block is read', () => {
    const block = new CallBlock(new BlockPool(10));
    const [a, b] = variedEntries(2);
    block.add(a!, opts);
    block.add(new CallEntry(null, null), opts);
    block.add(b!, opts);
    const failures: unknown[] = [];
    const first = block.data(opts, (err) => failures.push(err));
    const again = block.data(opts, (err) => failures.push(err));
    expect(failures).toHaveLength(1);
    expect(first.skip).toEqual([1]);
    expect(blockRecords(again).records.map((r) => r.request_id)).toEqual([a!.call!.requestId, b!.call!.requestId]);
  });

  test('released blocks give their memory to the next block; what it reads is its own rows only', () => {
    const pool = new BlockPool(50, 1);
    const first = new CallBlock(pool);
    const old = variedEntries(50);
    for (const e of old) first.add(e, opts);
    const firstData = first.data(opts, () => undefined);
    // The data is a view of shared memory, not a copy.
    expect(firstData.num.buffer).toBeInstanceOf(SharedArrayBuffer);
    first.release();
    first.release();
    const second = new CallBlock(pool);
    expect(second.data(opts, () => undefined).num.buffer).toBe(firstData.num.buffer);
    const fresh = variedEntries(7).slice(3);
    const expected = twins(fresh).map((e) => prepareEntry(e, opts));
    for (const e of fresh) second.add(e, opts);
    expect(blockRecords(structuredClone(second.data(opts, () => undefined))).records).toEqual(expected);
    // The pool keeps one set: a third block while the second holds it gets new memory.
    expect(new CallBlock(pool).data(opts, () => undefined).num.buffer).not.toBe(firstData.num.buffer);
  });

  test('ids: the sequence spells the same id anywhere, sorts in the order made, and newCallId keeps its format', () => {
    const t = Date.UTC(2026, 0, 2, 3, 4, 5, 6);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      callIdSequence.next(t);
      ids.push(callIdOf(t, callIdSequence.hi, callIdSequence.lo));
    }
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(5);
    // The tail's low 48 bits roll over into the high 32.
    expect(callIdOf(t, 7, 2 ** 48 - 1) < callIdOf(t, 8, 0)).toBe(true);
    expect(callIdOf(t, 0xffffffff, 2 ** 48 - 1)).toMatch(CALL_ID);
    expect(newCallId(t)).toMatch(CALL_ID);
    expect(newCallId(t) > ids[4]!).toBe(true);
  });
});
