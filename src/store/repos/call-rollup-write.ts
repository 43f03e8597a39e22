/**
 * Rollups kept as records are written, in the same transaction as the records. A batch is first
 * summed in memory (per minute and key, then minutes into hours and days, and keys into the narrower
 * keys of the totals and per-team tables), so the database sees one upsert per bucket x key touched
 * by the batch, not one per record. Rows are upserted in key order, so two PostgreSQL writers
 * touching the same buckets cannot deadlock.
 */
import { HIST_BUCKETS, histBucket } from '../../analytics/histogram.js';
import { ROLLUP_COUNTERS } from '../../analytics/metrics.js';
import { RESOLUTIONS, RESOLUTION_MS, type Resolution } from '../../analytics/ranges.js';
import type { CallRecord } from '../../core/call-record.js';
import type { StoreRoot } from '../context.js';
import type { BulkInsert, WritePlan } from './call-writer.js';

export const HIST_COLUMNS = Array.from({ length: HIST_BUCKETS }, (_, i) => `h${i}`);
/** Counter then histogram columns of every rollup table, in the order of an aggregate's values. */
export const VALUE_COLUMNS: readonly string[] = [...ROLLUP_COUNTERS, ...HIST_COLUMNS];
const COUNTERS = ROLLUP_COUNTERS.length;
const VALUES = VALUE_COLUMNS.length;

/** Index of each counter in an aggregate's values. */
const V = {
  requests: 0,
  bytes_in: 1,
  bytes_out: 2,
  latency_sum_us: 3,
  upstream_latency_sum_us: 4,
  upstream_requests: 5,
  gateway_latency_sum_us: 6,
  retries: 7,
  cache_hits: 8,
  cache_misses: 9,
  rate_limited: 10,
  ai_requests: 11,
  prompt_tokens: 12,
  completion_tokens: 13,
  cached_tokens: 14,
  reasoning_tokens: 15,
  cost_micro_usd: 16,
  ttft_sum_us: 17,
  ttft_requests: 18,
} as const;

export const KEY_COLUMNS = [
  'team_id',
  'service_id',
  'route_id',
  'app_id',
  'status_class',
  'error_code',
  'provider_id',
  'model',
] as const;

/** A rollup key's parts; '' stands for none. */
export type KeyParts = [string, string, string, string, number, string, string, string];

const SEP = '\u0001';

function keyParts(r: CallRecord): KeyParts {
  return [
    r.team_id ?? '',
    r.service_id ?? '',
    r.route_id ?? '',
    r.app_id ?? '',
    statusClass(r.status),
    r.error_code ?? '',
    r.ai?.provider_id ?? '',
    r.ai?.model_served ?? '',
  ];
}

function sameKey(a: CallRecord, b: CallRecord): boolean {
  return (
    a.team_id === b.team_id &&
    a.service_id === b.service_id &&
    a.route_id === b.route_id &&
    a.app_id === b.app_id &&
    statusClass(a.status) === statusClass(b.status) &&
    a.error_code === b.error_code &&
    (a.ai?.provider_id ?? null) === (b.ai?.provider_id ?? null) &&
    (a.ai?.model_served ?? null) === (b.ai?.model_served ?? null)
  );
}

export function statusClass(status: number): number {
  const c = Math.floor(status / 100);
  return c < 1 ? 1 : c > 5 ? 5 : c;
}

interface Agg {
  bucket: number;
  key: string;
  parts: KeyParts;
  values: Float64Array;
}

function addRecord(values: Float64Array, r: CallRecord): void {
  values[V.requests] += 1;
  values[V.bytes_in] += r.bytes_in;
  values[V.bytes_out] += r.bytes_out;
  values[V.latency_sum_us] += Math.round(r.latency_total_ms * 1000);
  if (r.latency_upstream_ms !== null) {
    values[V.upstream_latency_sum_us] += Math.round(r.latency_upstream_ms * 1000);
    values[V.upstream_requests] += 1;
  }
  values[V.gateway_latency_sum_us] += Math.round(r.latency_gateway_ms * 1000);
  values[V.retries] += r.retries;
  const cache = r.cache_status;
  if (cache === 'HIT' || cache === 'STALE' || cache === 'REVALIDATED') values[V.cache_hits] += 1;
  else if (cache === 'MISS') values[V.cache_misses] += 1;
  if (r.rate_limit === 'limited') values[V.rate_limited] += 1;
  const ai = r.ai;
  if (ai !== null) {
    values[V.ai_requests] += 1;
    values[V.prompt_tokens] += ai.prompt_tokens;
    values[V.completion_tokens] += ai.completion_tokens;
    values[V.cached_tokens] += ai.cached_tokens;
    values[V.reasoning_tokens] += ai.reasoning_tokens;
    values[V.cost_micro_usd] += Math.round(ai.cost_usd * 1e6);
    if (ai.ttft_ms !== null) {
      values[V.ttft_sum_us] += Math.round(ai.ttft_ms * 1000);
      values[V.ttft_requests] += 1;
    }
  }
  values[COUNTERS + histBucket(r.latency_total_ms)] += 1;
}

function addInto(map: Map<string, Agg>, bucket: number, key: string, parts: KeyParts, values: Float64Array): void {
  const id = `${bucket}${SEP}${key}`;
  const seen = map.get(id);
  if (seen === undefined) map.set(id, { bucket, key, parts, values: Float64Array.from(values) });
  else for (let i = 0; i < VALUES; i++) seen.values[i] += values[i]!;
}

/** Columns of the per-team tables: the values, then the request count of each status class. */
export const TEAM_VALUE_COLUMNS: readonly string[] = [...VALUE_COLUMNS, 'requests_1xx', 'requests_2xx', 'requests_3xx', 'requests_4xx', 'requests_5xx'];

/** Adds a (team, service, status class) aggregate into its team's, counting its requests in its class. */
function addIntoTeam(map: Map<string, Agg>, bucket: number, m: Agg): void {
  const team = m.parts[0];
  const id = `${bucket}${SEP}${team}`;
  let seen = map.get(id);
  if (seen === undefined) {
    seen = { bucket, key: team, parts: m.parts, values: new Float64Array(TEAM_VALUE_COLUMNS.length) };
    map.set(id, seen);
  }
  for (let i = 0; i < VALUES; i++) seen.values[i] += m.values[i]!;
  seen.values[VALUES + m.parts[4] - 1] += m.values[V.requests];
}

/** A batch summed per minute and rollup key: what the rollup tables need of its records. */
export interface MinuteRollup {
  bucket: number;
  parts: KeyParts;
  /** VALUE_COLUMNS order. */
  values: number[];
}

/** The records summed per minute and key (the per-record work of the rollups). */
export function minuteRollups(records: readonly CallRecord[]): MinuteRollup[] {
  const minutes = new Map<string, Agg>();
  let prev: CallRecord | undefined;
  let agg: Agg | undefined;
  for (const r of records) {
    const bucket = r.time - (r.time % RESOLUTION_MS.minute);
    // Consecutive records mostly share their minute and key: then the key is not built again.
    if (prev === undefined || agg === undefined || agg.bucket !== bucket || !sameKey(prev, r)) {
      const parts = keyParts(r);
      const key = parts.join(SEP);
      const id = `${bucket}${SEP}${key}`;
      agg = minutes.get(id);
      if (agg === undefined) {
        agg = { bucket, key, parts, values: new Float64Array(VALUES) };
        minutes.set(id, agg);
      }
    }
    prev = r;
    addRecord(agg.values, r);
  }
  return [...minutes.values()].map((m) => ({ bucket: m.bucket, parts: m.parts, values: Array.from(m.values) }));
}

/** The batch summed per (resolution, bucket, key) for the full, the totals and the per-team tables. */
export function aggregate(minuteRows: readonly MinuteRollup[]): {
  full: Record<Resolution, Agg[]>;
  totals: Record<Resolution, Agg[]>;
  teams: Record<Resolution, Agg[]>;
} {
  const minutes = new Map<string, Agg>();
  for (const m of minuteRows) {
    const parts = m.parts;
    addInto(minutes, m.bucket, parts.join(SEP), parts, Float64Array.from(m.values));
  }
  const full = { minute: [...minutes.values()] } as Record<Resolution, Agg[]>;
  const totals = {} as Record<Resolution, Agg[]>;
  const teams = {} as Record<Resolution, Agg[]>;
  for (const resolution of RESOLUTIONS) {
    const size = RESOLUTION_MS[resolution];
    const fullMap = new Map<string, Agg>();
    const totalsMap = new Map<string, Agg>();
    for (const m of full.minute) {
      const bucket = m.bucket - (m.bucket % size);
      if (resolution !== 'minute') addInto(fullMap, bucket, m.key, m.parts, m.values);
      const [team, service, , , cls] = m.parts;
      const totalsParts: KeyParts = [team, service, '', '', cls, '', '', ''];
      addInto(totalsMap, bucket, `${team}${SEP}${service}${SEP}${cls}`, totalsParts, m.values);
    }
    if (resolution !== 'minute') full[resolution] = [...fullMap.values()];
    totals[resolution] = [...totalsMap.values()];
    // From the totals (fewer rows than the minutes of full keys).
    const teamMap = new Map<string, Agg>();
    for (const t of totals[resolution]) addIntoTeam(teamMap, t.bucket, t);
    teams[resolution] = [...teamMap.values()];
  }
  return { full, totals, teams };
}

/** Key ids by key string, per database; filled only after the transaction that made them committed. */
const keyCaches = new WeakMap<StoreRoot, Map<string, number>>();
const KEY_CACHE_MAX = 200_000;

export function keyCache(root: StoreRoot): Map<string, number> {
  let cache = keyCaches.get(root);
  if (cache === undefined) {
    cache = new Map();
    keyCaches.set(root, cache);
  }
  return cache;
}

export function rememberKeys(root: StoreRoot, keys: Map<string, number>): void {
  const cache = keyCache(root);
  // Bounded: when full, start over (the next batches look their keys up again).
  if (cache.size + keys.size > KEY_CACHE_MAX) cache.clear();
  for (const [k, id] of keys) cache.set(k, id);
}

// DO UPDATE (a no-op) rather than DO NOTHING, so that keys another writer made come back too.
const KEY_CONFLICT = `on conflict (${KEY_COLUMNS.join(', ')}) do update set team_id = excluded.team_id`;

function rollupConflict(table: string, keyColumns: readonly string[], valueColumns: readonly string[]): string {
  return `on conflict (${keyColumns.join(', ')}) do update set ${valueColumns.map((c) => `${c} = ${table}.${c} + excluded.${c}`).join(', ')}`;
}

function compareKeys(a: unknown[], b: unknown[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as string | number;
    const y = b[i] as string | number;
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
}

function rollupInsert(
  table: string,
  keyColumns: readonly string[],
  rows: Array<{ key: unknown[]; values: Float64Array }>,
  valueColumns: readonly string[] = VALUE_COLUMNS,
): BulkInsert {
  rows.sort((a, b) => compareKeys(a.key, b.key));
  const width = keyColumns.length;
  const values = valueColumns.length;
  return {
    table,
    columns: [...keyColumns, ...valueColumns],
    count: rows.length,
    fill(i, out) {
      const r = rows[i]!;
      for (let k = 0; k < width; k++) out[k] = r.key[k];
      for (let v = 0; v < values; v++) out[width + v] = r.values[v];
    },
    conflict: rollupConflict(table, keyColumns, valueColumns),
    result: 'none',
  };
}

/**
 * Adds a batch, summed per minute by `minuteRollups`, to every rollup table (a write plan, see
 * call-writer.ts). Returns the key ids it had to look up, for the caller to cache once the
 * transaction has committed.
 */
export function* rollupPlanFromMinutes(minutes: readonly MinuteRollup[], cache: ReadonlyMap<string, number>): WritePlan<Map<string, number>> {
  const resolved = new Map<string, number>();
  if (minutes.length === 0) return resolved;
  const { full, totals, teams } = aggregate(minutes);

  const missing = new Map<string, KeyParts>();
  for (const a of full.minute) if (!cache.has(a.key)) missing.set(a.key, a.parts);
  if (missing.size > 0) {
    const keys = [...missing.keys()].sort();
    const { rows } = yield {
      table: 'call_rollup_keys',
      columns: KEY_COLUMNS,
      count: keys.length,
      fill(i, out) {
        const parts = missing.get(keys[i]!)!;
        for (let k = 0; k < parts.length; k++) out[k] = parts[k];
      },
      conflict: KEY_CONFLICT,
      result: 'rows',
      returning: ['id', ...KEY_COLUMNS],
    };
    for (const row of rows) {
      const key = KEY_COLUMNS.map((c) => (c === 'status_class' ? Number(row[c]) : row[c])).join(SEP);
      resolved.set(key, Number(row.id));
    }
  }
  const idOf = (key: string) => resolved.get(key) ?? cache.get(key)!;
  for (const resolution of RESOLUTIONS) {
    yield rollupInsert(
      `call_rollups_${resolution}`,
      ['bucket', 'key_id'],
      full[resolution].map((a) => ({ key: [a.bucket, idOf(a.key)], values: a.values })),
    );
    yield rollupInsert(
      `call_totals_${resolution}`,
      ['bucket', 'team_id', 'service_id', 'status_class'],
      totals[resolution].map((a) => ({ key: [a.bucket, a.parts[0], a.parts[1], a.parts[4]], values: a.values })),
    );
    yield rollupInsert(
      `call_team_totals_${resolution}`,
      ['bucket', 'team_id'],
      teams[resolution].map((a) => ({ key: [a.bucket, a.parts[0]], values: a.values })),
      TEAM_VALUE_COLUMNS,
    );
  }
  return resolved;
}
