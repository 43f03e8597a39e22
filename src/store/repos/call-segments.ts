/**
 * Call records stored in segments (migration 0006): the records of one batch and one team, encoded
 * together in one row of `call_segments`, with the distinct values of the filtered dimensions in
 * `call_segment_tags` and each call id in `call_ids`. Writing a batch costs a few statements plus one
 * b-tree append per record, instead of a row and seven index entries per record.
 *
 * A batch is encoded (encodeBatch) before the write starts (for a node's pipeline, in the store
 * worker's thread): the write then only stores strings and a few rollup rows. Bytes are
 * most of what SQLite spends on a segment (copied into pages, then into the WAL), so the encoding is
 * columnar and small: see `SegmentData`.
 */
import type { CallBodies, CallRecord, CallRecordAi } from '../../core/call-record.js';
import type { DialectName } from '../context.js';
import { CALL_ID } from './call-ids.js';
import { BODY_COLUMNS, fillBodyRow } from './call-log-rows.js';
import { minuteRollups, rollupPlanFromMinutes, statusClass, type MinuteRollup } from './call-rollup-write.js';
import { placeholders } from './call-sql.js';
import type { Statement, WritePlan } from './call-writer.js';
import { invalid } from './common.js';

export const SEGMENT_FORMAT = 1;
const ID_PREFIX = 'call_';
const ID_CHARS = 26;
const CALL_ID_LENGTH = ID_PREFIX.length + ID_CHARS;

/**
 * Format 1 of `call_segments.data`, JSON: `n` records in id order; `id`, their ids without the
 * `call_` prefix, concatenated; `t`, their times as differences from the previous one (the first
 * from 0); `f`, one entry per field of FIELDS: `[value]` when every record has that value, `{d, i}`
 * (distinct values, then each record's index in them) for fields of few values, or the values.
 */
interface SegmentData {
  v: 1;
  n: number;
  id: string;
  t: number[];
  f: Column[];
}
type Column = [unknown] | { d: unknown[]; i: number[] } | unknown[];

type Field = Exclude<keyof CallRecord, 'id' | 'time'> | 'has_bodies';
/** Every stored field in format order; the others are stored as distinct values plus indexes, unless constant. */
const FIELDS: readonly Field[] = [
  'request_id',
  'node',
  'team_id',
  'service_id',
  'route_id',
  'app_id',
  'key_id',
  'client_ip',
  'method',
  'host',
  'path',
  'query',
  'status',
  'error_code',
  'bytes_in',
  'bytes_out',
  'latency_total_ms',
  'latency_upstream_ms',
  'latency_gateway_ms',
  'upstream_target',
  'upstream_status',
  'retries',
  'cache_status',
  'rate_limit',
  'trace_id',
  'ai',
  'has_bodies',
];
/** Fields of values mostly unique per call (or objects): stored as plain values unless constant. */
const PLAIN: ReadonlySet<Field> = new Set<Field>(['request_id', 'bytes_in', 'bytes_out', 'latency_total_ms', 'latency_upstream_ms', 'latency_gateway_ms', 'trace_id', 'ai']);

/** A record as stored: the record and whether its bodies were captured. */
export interface StoredCall {
  record: CallRecord;
  hasBodies: boolean;
}

/** Latencies are kept to the microsecond: a shorter text than every digit of a double. */
const MICROS: ReadonlySet<Field> = new Set<Field>(['latency_total_ms', 'latency_upstream_ms', 'latency_gateway_ms']);

function column(records: readonly CallRecord[], flags: readonly boolean[], field: Field): unknown[] {
  const n = records.length;
  const out = new Array<unknown>(n);
  if (field === 'has_bodies') {
    for (let i = 0; i < n; i++) out[i] = flags[i] ? 1 : 0;
  } else if (MICROS.has(field)) {
    for (let i = 0; i < n; i++) {
      const v = records[i]![field] as number | null;
      out[i] = v === null ? null : Math.round(v * 1000) / 1000;
    }
  } else {
    for (let i = 0; i < n; i++) out[i] = records[i]![field] ?? null;
  }
  return out;
}

/** The records' ids without their prefix, concatenated (`SegmentData.id`, `EncodedSegment.ids`). */
function concatIds(records: readonly CallRecord[]): string {
  let ids = '';
  for (const r of records) ids += r.id.slice(ID_PREFIX.length);
  return ids;
}

/** Encodes records sorted by id; `flags[i]`: record i's bodies were captured. `ids`: concatIds(records). */
export function encodeSegment(records: readonly CallRecord[], flags: readonly boolean[], ids = concatIds(records)): string {
  const n = records.length;
  const t = new Array<number>(n);
  let prev = 0;
  for (let i = 0; i < n; i++) {
    t[i] = records[i]!.time - prev;
    prev = records[i]!.time;
  }
  const f: Column[] = FIELDS.map((field) => {
    const values = column(records, flags, field);
    const first = values[0];
    if (typeof first !== 'object' || first === null) {
      let i = 1;
      while (i < n && values[i] === first) i++;
      if (i === n) return [first];
    }
    if (PLAIN.has(field)) return values;
    const d: unknown[] = [];
    const index = new Map<unknown, number>();
    const idx = new Array<number>(n);
    let last: unknown = Symbol('none');
    let lastIndex = -1;
    for (let k = 0; k < n; k++) {
      const v = values[k];
      if (v !== last) {
        let at = index.get(v);
        if (at === undefined) {
          at = d.length;
          d.push(v);
          index.set(v, at);
        }
        last = v;
        lastIndex = at;
      }
      idx[k] = lastIndex;
    }
    return { d, i: idx };
  });
  const data: SegmentData = { v: 1, n, id: ids, t, f };
  return JSON.stringify(data);
}

export function decodeSegment(format: number, text: string): StoredCall[] {
  if (Number(format) !== SEGMENT_FORMAT) throw new Error(`call segment format ${format} is not known to this version of Gantry`);
  const data = JSON.parse(text) as SegmentData;
  const n = data.n;
  const columns = data.f.map((col) => {
    if (Array.isArray(col)) return col.length === 1 && n !== 1 ? (_: number) => col[0] : (k: number) => col[k];
    const { d, i } = col;
    return (k: number) => d[i[k]!];
  });
  const get = Object.fromEntries(FIELDS.map((field, i) => [field, columns[i]!])) as Record<Field, (k: number) => unknown>;
  const out = new Array<StoredCall>(n);
  let time = 0;
  for (let k = 0; k < n; k++) {
    time += data.t[k]!;
    out[k] = {
      record: {
        id: ID_PREFIX + data.id.slice(k * ID_CHARS, (k + 1) * ID_CHARS),
        request_id: get.request_id(k) as string,
        time,
        node: get.node(k) as string,
        team_id: get.team_id(k) as string | null,
        service_id: get.service_id(k) as string | null,
        route_id: get.route_id(k) as string | null,
        app_id: get.app_id(k) as string | null,
        key_id: get.key_id(k) as string | null,
        client_ip: get.client_ip(k) as string,
        method: get.method(k) as string,
        host: get.host(k) as string,
        path: get.path(k) as string,
        query: get.query(k) as string,
        status: get.status(k) as number,
        error_code: get.error_code(k) as string | null,
        bytes_in: get.bytes_in(k) as number,
        bytes_out: get.bytes_out(k) as number,
        latency_total_ms: get.latency_total_ms(k) as number,
        latency_upstream_ms: get.latency_upstream_ms(k) as number | null,
        latency_gateway_ms: get.latency_gateway_ms(k) as number,
        upstream_target: get.upstream_target(k) as string | null,
        upstream_status: get.upstream_status(k) as number | null,
        retries: get.retries(k) as number,
        cache_status: get.cache_status(k) as CallRecord['cache_status'],
        rate_limit: get.rate_limit(k) as CallRecord['rate_limit'],
        trace_id: get.trace_id(k) as string | null,
        ai: get.ai(k) as CallRecordAi | null,
      },
      hasBodies: get.has_bodies(k) === 1,
    };
  }
  return out;
}

/** The tag a filter on `dimension` = `value` looks up (see tagsOf). */
export function tag(dimension: TagDimension, value: string | number): string {
  return `${dimension}:${value}`;
}

export type TagDimension = 'service' | 'route' | 'app' | 'key' | 'status' | 'class' | 'error' | 'provider' | 'model' | 'method';

/** The distinct tags of a segment's records. */
export function tagsOf(records: readonly CallRecord[]): string[] {
  const out = new Set<string>();
  const seen: Record<TagDimension, unknown> = { service: undefined, route: undefined, app: undefined, key: undefined, status: undefined, class: undefined, error: undefined, provider: undefined, model: undefined, method: undefined };
  const add = (dimension: TagDimension, value: string | number | null | undefined) => {
    // Consecutive records mostly repeat their values: skip the string building then.
    if (value === null || value === undefined || seen[dimension] === value) return;
    seen[dimension] = value;
    out.add(tag(dimension, value));
  };
  for (const r of records) {
    add('service', r.service_id);
    add('route', r.route_id);
    add('app', r.app_id);
    add('key', r.key_id);
    add('status', r.status);
    add('class', statusClass(r.status));
    add('error', r.error_code);
    add('method', r.method);
    if (r.ai !== null) {
      add('provider', r.ai.provider_id);
      add('model', r.ai.model_served);
    }
  }
  return [...out];
}

/** One team's records of a batch, encoded. */
export interface EncodedSegment {
  team: string;
  /** The ids without their `call_` prefix, concatenated (26 characters each), in order. */
  ids: string;
  records: number;
  bodies: number;
  tags: string[];
  data: string;
}

/** A batch ready for the store (encodeBatch): plain data, cheap to hand to a worker thread. */
export interface EncodedBatch {
  segments: EncodedSegment[];
  /** Rollups of every record of the batch. */
  minutes: MinuteRollup[];
  bodies: CallBodies[];
}

/** Cheap checks on what the pipeline hands over; a bad record fails its whole batch, which is not retried. */
function check(r: CallRecord, i: number): void {
  if (typeof r.id !== 'string' || r.id.length !== CALL_ID_LENGTH || !CALL_ID.test(r.id)) throw invalid(`/${i}/id`, 'id must be a call id (call_...)');
  if (!Number.isSafeInteger(r.time) || r.time < 0) throw invalid(`/${i}/time`, 'time must be epoch milliseconds');
  if (!Number.isInteger(r.status)) throw invalid(`/${i}/status`, 'status must be an integer');
  if (typeof r.path !== 'string' || typeof r.method !== 'string') throw invalid(`/${i}`, 'method and path are required');
}

/** The ids of an encoded segment. */
export function segmentIds(seg: EncodedSegment): string[] {
  const out = new Array<string>(seg.records);
  for (let i = 0; i < seg.records; i++) out[i] = ID_PREFIX + seg.ids.slice(i * ID_CHARS, (i + 1) * ID_CHARS);
  return out;
}

function segmentOf(team: string, records: CallRecord[], withBodies: (id: string) => boolean): EncodedSegment {
  // Records arrive nearly in id order: check before sorting.
  let ordered = true;
  for (let i = 1; i < records.length && ordered; i++) ordered = records[i - 1]!.id < records[i]!.id;
  if (!ordered) records.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  let bodies = 0;
  const flags = new Array<boolean>(records.length);
  for (let i = 0; i < records.length; i++) {
    flags[i] = withBodies(records[i]!.id);
    if (flags[i]) bodies++;
  }
  const ids = concatIds(records);
  return { team, ids, records: records.length, bodies, tags: tagsOf(records), data: encodeSegment(records, flags, ids) };
}

/**
 * Validates and encodes a batch: one segment per team, records in id order (a record repeated in the
 * batch counts once), and the batch's rollups. A bad record fails the whole batch.
 */
export function encodeBatch(records: readonly CallRecord[], bodies: readonly CallBodies[] = [], hasBodies?: (id: string) => boolean): EncodedBatch {
  records.forEach(check);
  const withBodies = new Set<string>();
  for (const b of bodies) withBodies.add(b.id);
  const flag = (id: string) => (withBodies.size > 0 && withBodies.has(id)) || hasBodies?.(id) === true;
  const seen = new Set<string>();
  const unique: CallRecord[] = [];
  const teams = new Map<string, CallRecord[]>();
  let lastTeam: string | null = null;
  let group: CallRecord[] | undefined;
  for (const r of records) {
    if (seen.size === seen.add(r.id).size) continue;
    unique.push(r);
    const team = r.team_id ?? '';
    if (team !== lastTeam) {
      group = teams.get(team);
      if (group === undefined) teams.set(team, (group = []));
      lastTeam = team;
    }
    group!.push(r);
  }
  const segments: EncodedSegment[] = [];
  for (const [team, members] of teams) segments.push(segmentOf(team, members, flag));
  return { segments, minutes: minuteRollups(unique), bodies: bodies.filter((b) => seen.has(b.id)) };
}

function statement(result: Statement['result'], build: Statement['build']): Statement {
  return { kind: 'statement', result, build };
}

/** `select value from json_each(?)` / `select unnest($n::text[])`, and the parameter to bind. */
export function idList(dialect: DialectName, ids: readonly string[], n: number): { sql: string; param: unknown } {
  return dialect === 'postgres' ? { sql: `select unnest($${n}::text[])`, param: ids } : { sql: 'select value from json_each(?)', param: JSON.stringify(ids) };
}

export interface SegmentWriteOptions {
  /** Update rollups for the records stored (default true; false when moving already counted records). */
  rollups?: boolean;
}

/**
 * Stores an encoded batch: each segment, then its ids (a record whose id is already stored is
 * dropped from its segment, so a replayed batch is harmless), tags, the bodies and rollups of the
 * records stored.
 */
export function* segmentPlan(batch: EncodedBatch, cache: ReadonlyMap<string, number>, opts: SegmentWriteOptions = {}): WritePlan<{ inserted: number; keys: Map<string, number> }> {
  let inserted = 0;
  let replayed = false;
  const stored: Array<{ seg: EncodedSegment; calls: StoredCall[] | null }> = [];
  for (const seg of batch.segments) {
    const n = seg.records;
    const min = ID_PREFIX + seg.ids.slice(0, ID_CHARS);
    const max = ID_PREFIX + seg.ids.slice((n - 1) * ID_CHARS);
    const { rows } = yield insertSegment(seg.team, min, max, n, seg.bodies, seg.data);
    const segment = Number(rows[0]!.id);
    // The ids are cut out of the concatenated string by the database itself, as bytes: a substring
    // of text is found by walking its characters from the start, of bytes by offset.
    const { changes } = yield statement('changes', (d) => ({
      text:
        d === 'postgres'
          ? `insert into call_ids (id, segment_id) select '${ID_PREFIX}' || convert_from(substring($2::bytea from g * ${ID_CHARS} + 1 for ${ID_CHARS}), 'UTF8'), $3::bigint from generate_series(0, $1::int - 1) g on conflict (id) do nothing`
          : `with recursive k(i) as (select 0 union all select i + 1 from k where i + 1 < ?) insert into call_ids (id, segment_id) select '${ID_PREFIX}' || cast(substr(?, i * ${ID_CHARS} + 1, ${ID_CHARS}) as text), ? from k where true on conflict (id) do nothing`,
      params: [n, Buffer.from(seg.ids, 'latin1'), segment],
    }));
    let calls: StoredCall[] | null = null;
    let tags = seg.tags;
    let last = max;
    if (changes !== undefined && changes < n) {
      // Some of these calls were stored before (a replay): keep only the ids this segment now owns.
      replayed = true;
      const owned = yield statement('rows', (d) => ({
        text: `select id from call_ids where id >= ${placeholders(d, 1, 1)} and id <= ${placeholders(d, 1, 2)} and segment_id = ${placeholders(d, 1, 3)}`,
        params: [min, max, segment],
      }));
      const mine = new Set(owned.rows.map((r) => String(r.id)));
      calls = decodeSegment(SEGMENT_FORMAT, seg.data).filter((c) => mine.has(c.record.id));
      if (calls.length === 0) {
        yield statement('changes', (d) => ({ text: `delete from call_segments where id = ${placeholders(d, 1, 1)}`, params: [segment] }));
        continue;
      }
      yield rewriteSegment(segment, calls);
      tags = tagsOf(calls.map((c) => c.record));
      last = calls[calls.length - 1]!.record.id;
    }
    yield {
      table: 'call_segment_tags',
      columns: ['tag', 'max_id', 'segment_id'],
      count: tags.length,
      fill: (i, out) => {
        out[0] = tags[i];
        out[1] = last;
        out[2] = segment;
      },
      conflict: '',
      result: 'none',
    };
    inserted += calls?.length ?? n;
    stored.push({ seg, calls });
  }
  // After a replay, what was stored is read back from the segments (a rare path).
  const fresh = replayed ? stored.flatMap((s) => s.calls ?? decodeSegment(SEGMENT_FORMAT, s.seg.data)) : [];
  const storedIds = replayed ? new Set(fresh.map((c) => c.record.id)) : null;
  const bodies = storedIds === null ? batch.bodies : batch.bodies.filter((b) => storedIds.has(b.id));
  if (bodies.length > 0) {
    yield {
      table: 'call_bodies',
      columns: BODY_COLUMNS,
      count: bodies.length,
      fill: (i, out) => fillBodyRow(out, bodies[i]!),
      conflict: 'on conflict (id) do nothing',
      result: 'none',
    };
  }
  if (opts.rollups === false) return { inserted, keys: new Map() };
  // A replay: the batch's rollups counted records stored before; count the ones stored now.
  const minutes = replayed ? minuteRollups(fresh.map((c) => c.record)) : batch.minutes;
  const keys = yield* rollupPlanFromMinutes(minutes, cache);
  return { inserted, keys };
}

/** Inserts a segment; returns its id. */
function insertSegment(team: string, min: string, max: string, records: number, bodies: number, data: string): Statement {
  return statement('rows', (d) => ({
    text: `insert into call_segments (team_id, min_id, max_id, records, bodies, format, data) values (${placeholders(d, 7)}) returning id`,
    params: [team, min, max, records, bodies, SEGMENT_FORMAT, data],
  }));
}

/** Replaces a segment's records with `calls` (sorted by id, non-empty). Its tags stay a superset. */
export function rewriteSegment(segment: number, calls: readonly StoredCall[]): Statement {
  const bodies = calls.reduce((n, c) => n + (c.hasBodies ? 1 : 0), 0);
  const data = encodeSegment(
    calls.map((c) => c.record),
    calls.map((c) => c.hasBodies),
  );
  const min = calls[0]!.record.id;
  const max = calls[calls.length - 1]!.record.id;
  return statement('changes', (d) => ({
    text: `update call_segments set (min_id, max_id, records, bodies, format, data) = (${placeholders(d, 6)}) where id = ${placeholders(d, 1, 7)}`,
    params: [min, max, calls.length, bodies, SEGMENT_FORMAT, data, segment],
  }));
}
