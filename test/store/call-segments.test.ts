import { describe, expect, test } from 'vitest';
import type { CallRecord } from '../../src/core/call-record.js';
import { SEGMENT_FORMAT, decodeSegment, encodeBatch, encodeSegment as encodeRecords, segmentIds, tagsOf, type StoredCall } from '../../src/store/repos/call-segments.js';
import { T0, aiPart, callRecord } from './conformance/call-fixtures.js';

const sorted = (records: CallRecord[]) => [...records].sort((a, b) => (a.id < b.id ? -1 : 1));
const stored = (records: CallRecord[], bodies: Set<string> = new Set()): StoredCall[] => sorted(records).map((record) => ({ record, hasBodies: bodies.has(record.id) }));
const encodeSegment = (calls: StoredCall[]) => encodeRecords(
  calls.map((c) => c.record),
  calls.map((c) => c.hasBodies),
);
const normalized = (calls: StoredCall[]) => calls.map((c) => ({ ...c, record: { ...c.record, trace_id: c.record.trace_id ?? null } }));

describe('call segments: encoding', () => {
  test('records come back whole: constant, repeated and unique values, nulls, AI parts, trace ids, bodies flags', () => {
    const records = [
      callRecord({ time: T0, trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', ai: aiPart({ ttft_ms: 12.5 }), error_code: 'GANTRY_ERR_X', cache_status: 'HIT' }),
      callRecord({ time: T0 + 5, team_id: null, app_id: null, key_id: null, latency_upstream_ms: null, upstream_status: null, rate_limit: 'limited', trace_id: null }),
      callRecord({ time: T0 + 3, path: '/v1/other', status: 503, method: 'POST', query: 'a=1' }),
      callRecord({ time: T0 + 3, path: '/v1/other', status: 200, bytes_out: 123456789, latency_total_ms: 1.23456789 }),
    ];
    const calls = stored(records, new Set([records[2]!.id]));
    const back = decodeSegment(SEGMENT_FORMAT, encodeSegment(calls));
    // Latencies are kept to the microsecond.
    const expected = normalized(calls).map((c) => (c.record.latency_total_ms === 1.23456789 ? { ...c, record: { ...c.record, latency_total_ms: 1.235 } } : c));
    expect(back).toEqual(expected);
    // One record, and a record built without a trace id (it comes back null, as the store returns it).
    const { trace_id: _omitted, ...noTrace } = callRecord();
    expect(decodeSegment(SEGMENT_FORMAT, encodeSegment([{ record: noTrace, hasBodies: true }]))).toEqual([{ record: { ...noTrace, trace_id: null }, hasBodies: true }]);
  });

  test('values shared by every record are stored once; repeated ones as indexes', () => {
    const same = Array.from({ length: 200 }, (_, i) => callRecord({ time: T0 + i }));
    const varied = same.map((r, i) => ({ ...r, path: `/v1/items/${i % 2}`, host: `host-${i}.example` }));
    const sameText = encodeSegment(stored(same));
    const variedText = encodeSegment(stored(varied));
    // Two paths cost an index per record; 200 hosts cost the hosts.
    expect(variedText.length - sameText.length).toBeGreaterThan(200 * 'host-100.example'.length);
    expect(sameText.split('/v1/items').length - 1).toBe(1);
    expect(decodeSegment(SEGMENT_FORMAT, variedText).map((c) => c.record)).toEqual(sorted(varied).map((r) => ({ ...r, trace_id: r.trace_id ?? null })));
  });

  test('an unknown format is an error, not a wrong answer', () => {
    expect(() => decodeSegment(2, encodeSegment(stored([callRecord()])))).toThrow(/format 2/);
  });

  test('a batch is one segment per team, records in id order, repeats once; tags name every filtered value', () => {
    const a = callRecord({ team_id: 'team_a', time: T0 + 2 });
    const b = callRecord({ team_id: 'team_b', time: T0, ai: aiPart() });
    const c = callRecord({ team_id: 'team_a', time: T0 + 1, status: 404, error_code: 'GANTRY_ERR_ROUTE_NOT_FOUND' });
    const none = callRecord({ team_id: null, time: T0 });
    const batch = encodeBatch([a, b, c, a, none]);
    expect(batch.segments.map((s) => [s.team, segmentIds(s)])).toEqual([
      ['team_a', [c.id, a.id].sort()],
      ['team_b', [b.id]],
      ['', [none.id]],
    ]);
    const requests = batch.minutes.reduce((n, m) => n + m.values[0]!, 0);
    expect(requests).toBe(4);
    const tags = tagsOf([a, c]);
    expect(tags).toEqual(expect.arrayContaining(['status:404', 'class:4', 'class:2', 'error:GANTRY_ERR_ROUTE_NOT_FOUND', `service:${a.service_id}`, `method:${a.method}`]));
    expect(tagsOf([b])).toEqual(expect.arrayContaining([`provider:${b.ai!.provider_id}`, `model:${b.ai!.model_served}`]));
  });
});
