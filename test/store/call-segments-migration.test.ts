import { Migrator, sql, type Kysely } from 'kysely';
import { describe, expect } from 'vitest';
import type { CallBodies, CallRecord } from '../../src/core/call-record.js';
import { callSegments, callSegmentsMove } from '../../src/store/migrations/0006_call_segments.js';
import { migrationProvider } from '../../src/store/migrations/index.js';
import type { Store } from '../../src/store/types.js';
import { aiPart, callRecord, DAY, MIN, T0 } from './conformance/call-fixtures.js';
import { testOnBothDialects } from './migration-harness.js';

type Dialect = 'sqlite' | 'postgres';
/** Tables the store's schema type does not describe (call_logs is gone at the latest version). */
type RawDb = Kysely<Record<string, Record<string, unknown>>>;

/** A record as a row of `call_logs`, column by column as the repo of migrations 0002/0003 wrote it. */
function oldRow(r: CallRecord, hasBodies: boolean): Record<string, unknown> {
  const ai = r.ai;
  return {
    id: r.id,
    time: r.time,
    request_id: r.request_id,
    node: r.node,
    team_id: r.team_id,
    service_id: r.service_id,
    route_id: r.route_id,
    app_id: r.app_id,
    key_id: r.key_id,
    client_ip: r.client_ip,
    method: r.method,
    host: r.host,
    path: r.path,
    query: r.query,
    status: r.status,
    status_class: Math.floor(r.status / 100),
    error_code: r.error_code,
    bytes_in: r.bytes_in,
    bytes_out: r.bytes_out,
    latency_total_ms: r.latency_total_ms,
    latency_upstream_ms: r.latency_upstream_ms,
    latency_gateway_ms: r.latency_gateway_ms,
    upstream_target: r.upstream_target,
    upstream_status: r.upstream_status,
    retries: r.retries,
    cache_status: r.cache_status,
    rate_limit: r.rate_limit,
    ai_endpoint: ai?.endpoint ?? null,
    ai_provider_id: ai?.provider_id ?? null,
    ai_provider_kind: ai?.provider_kind ?? null,
    ai_model_requested: ai?.model_requested ?? null,
    ai_model_served: ai?.model_served ?? null,
    ai_prompt_tokens: ai?.prompt_tokens ?? null,
    ai_completion_tokens: ai?.completion_tokens ?? null,
    ai_cached_tokens: ai?.cached_tokens ?? null,
    ai_cache_write_tokens: ai?.cache_write_tokens ?? null,
    ai_reasoning_tokens: ai?.reasoning_tokens ?? null,
    ai_tokens_estimated: ai ? (ai.tokens_estimated ? 1 : 0) : null,
    ai_cost_micro_usd: ai ? Math.round(ai.cost_usd * 1e6) : null,
    ai_streamed: ai ? (ai.streamed ? 1 : 0) : null,
    ai_ttft_ms: ai?.ttft_ms ?? null,
    ai_fallback_path: ai ? JSON.stringify(ai.fallback_path) : null,
    has_bodies: hasBodies ? 1 : 0,
    trace_id: r.trace_id ?? null,
  };
}

function bodyRow(b: CallBodies): Record<string, unknown> {
  return {
    id: b.id,
    request_body: b.request_body,
    response_body: b.response_body,
    request_headers: b.request_headers === null ? null : JSON.stringify(b.request_headers),
    response_headers: b.response_headers === null ? null : JSON.stringify(b.response_headers),
    truncated: b.truncated ? 1 : 0,
  };
}

/** Rows of call_logs as comparable plain values (PostgreSQL returns bigint columns as strings). */
async function logRows(db: Kysely<unknown>): Promise<Array<Record<string, unknown>>> {
  const rows = (await sql<Record<string, unknown>>`select * from call_logs order by id`.execute(db)).rows;
  return rows.map((row) =>
    Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'string' && /^(time|bytes_in|bytes_out|ai_cost_micro_usd)$/.test(k) ? Number(v) : v])),
  );
}

/** `call_logs`' columns and indexes as the database describes them. */
async function callLogsSchema(db: Kysely<unknown>, dialect: Dialect): Promise<unknown> {
  if (dialect === 'sqlite') {
    return (await sql`select type, name, sql from sqlite_master where tbl_name = 'call_logs' order by type, name`.execute(db)).rows;
  }
  const columns = await sql`select ordinal_position, column_name, data_type, is_nullable, column_default, collation_name from information_schema.columns where table_schema = current_schema() and table_name = 'call_logs' order by ordinal_position`.execute(db);
  const indexes = await sql`select indexname, indexdef from pg_indexes where schemaname = current_schema() and tablename = 'call_logs' order by indexname`.execute(db);
  return { columns: columns.rows, indexes: indexes.rows };
}

async function tableExists(db: Kysely<unknown>, dialect: Dialect, table: string): Promise<boolean> {
  const found =
    dialect === 'sqlite'
      ? await sql`select name from sqlite_master where type = 'table' and name = ${table}`.execute(db)
      : await sql`select to_regclass(${table}) as name`.execute(db).then((r) => ({ rows: r.rows.filter((x) => (x as { name: unknown }).name !== null) }));
  return found.rows.length > 0;
}

const ROLLUP_TABLES = ['call_rollup_keys', ...['minute', 'hour', 'day'].flatMap((r) => [`call_rollups_${r}`, `call_totals_${r}`, `call_team_totals_${r}`])];

/** Every rollup row, in a fixed order. */
async function rollups(db: Kysely<unknown>): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of ROLLUP_TABLES) {
    out[table] = (await sql`select * from ${sql.table(table)}`.execute(db)).rows.map((r) => JSON.stringify(r)).sort();
  }
  return out;
}

const SEGMENT_TABLES = ['call_segments', 'call_segment_tags', 'call_ids'];

const byIdDesc = (a: CallRecord, b: CallRecord) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

async function moveAndBack(store: Store, db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  // A database at 0005 (call_logs as the last migration before this one left it), then the latest.
  const migrator = new Migrator({ db, provider: migrationProvider, migrationTableName: 'gantry_migrations', migrationLockTableName: 'gantry_migrations_lock' });
  const to0005 = await migrator.migrateTo('0005_call_search_buckets_1s');
  expect(to0005.error).toBeUndefined();
  const schemaAt0005 = await callLogsSchema(db, dialect);
  await store.migrate();
  expect(await tableExists(db, dialect, 'call_logs')).toBe(false);

  // Records written the new way (into segments, with rollups), then moved back into call_logs by down().
  const newer: CallRecord[] = [
    callRecord({ time: T0 + 10 * MIN, team_id: 'team_a', trace_id: '0af7651916cd43dd8448eb211c80319c' }),
    callRecord({ time: T0 + 11 * MIN, team_id: 'team_b', status: 502, error_code: 'upstream_error', upstream_status: 502 }),
    callRecord({ time: T0 + 12 * MIN, team_id: null, ai: aiPart({ model_served: 'openai/gpt-4o-mini', cost_usd: 0.002 }) }),
  ];
  const newerBodies: CallBodies[] = [
    { id: newer[0]!.id, request_body: '{"n":1}', response_body: 'hello', request_headers: { accept: 'text/plain' }, response_headers: null, truncated: false },
  ];
  expect((await store.callLogs.insertBatch(newer, newerBodies)).inserted).toBe(3);
  const rollupsBefore = await rollups(db);
  expect(rollupsBefore.call_rollups_minute!.length).toBeGreaterThan(0);

  await callSegments.down!(db);
  expect(await callLogsSchema(db, dialect)).toEqual(schemaAt0005);
  for (const table of SEGMENT_TABLES) expect(await tableExists(db, dialect, table)).toBe(false);
  expect(await logRows(db)).toEqual(newer.map((r, i) => oldRow(r, i === 0)));

  // Records as the old repo stored them, written straight into call_logs.
  const older: CallRecord[] = [
    callRecord({ time: T0 - 3 * DAY, team_id: 'team_a', cache_status: 'HIT', rate_limit: 'allowed', trace_id: '4bf92f3577b34da6a3ce929d0e0e4736' }),
    callRecord({
      time: T0 - 3 * DAY + 1,
      team_id: 'team_b',
      status: 429,
      error_code: 'rate_limited',
      latency_upstream_ms: null,
      upstream_target: null,
      upstream_status: null,
      ai: aiPart({ ttft_ms: null, tokens_estimated: true, streamed: false, cost_usd: 1.234567 }),
    }),
    callRecord({ time: T0 - 2 * DAY, team_id: null, service_id: null, route_id: null, app_id: null, key_id: null, status: 404, error_code: 'route_not_found' }),
    callRecord({ time: T0 - 2 * DAY + 5, team_id: 'team_a', method: 'POST', path: '/v1/orders', query: '', retries: 2 }),
    callRecord({ time: T0 - DAY, team_id: 'team_b', app_id: 'app_b', key_id: 'key_b' }),
  ];
  const olderBodies: CallBodies[] = [
    { id: older[0]!.id, request_body: null, response_body: '{"ok":true}', request_headers: { 'content-type': 'application/json' }, response_headers: { 'x-cache': 'HIT' }, truncated: true },
  ];
  const raw = db as RawDb;
  for (const [i, r] of older.entries()) await raw.insertInto('call_logs').values(oldRow(r, i === 0)).execute();
  for (const b of olderBodies) await raw.insertInto('call_bodies').values(bodyRow(b)).execute();

  const all = [...older, ...newer].sort(byIdDesc);
  const bodiesOf = new Map([...olderBodies, ...newerBodies].map((b) => [b.id, b]));
  const expectedLogRows = await logRows(db);
  expect(expectedLogRows).toHaveLength(all.length);

  // Small chunks: teams split over several chunks and segments.
  const chunkRows = callSegmentsMove.chunkRows;
  callSegmentsMove.chunkRows = 3;
  try {
    await callSegments.up(db);
  } finally {
    callSegmentsMove.chunkRows = chunkRows;
  }

  expect(await tableExists(db, dialect, 'call_logs')).toBe(false);
  expect(await callLogsSchema(db, dialect)).toEqual(dialect === 'sqlite' ? [] : { columns: [], indexes: [] });
  expect(await rollups(db)).toEqual(rollupsBefore);
  const segments = (await sql<{ n: number | string }>`select count(*) as n from call_segments`.execute(db)).rows[0]!;
  expect(Number(segments.n)).toBeGreaterThan(3);

  // Every record, every field, through the store.
  expect((await store.callLogs.query('all', {}, { limit: 100 })).items).toEqual(all);
  for (const r of all) expect(await store.callLogs.get('all', r.id)).toEqual({ ...r, bodies: bodiesOf.get(r.id) ?? null });
  const ofTeam = (team: string | null) => all.filter((r) => r.team_id === team);
  expect((await store.callLogs.query('all', { team_id: 'team_a' })).items).toEqual(ofTeam('team_a'));
  expect((await store.callLogs.query(['team_b'], {})).items).toEqual(ofTeam('team_b'));
  expect(await store.callLogs.get(['team_a'], older[1]!.id)).toBeUndefined();
  expect((await store.callLogs.query('all', { model: 'openai/gpt-4o' })).items).toEqual([older[1]]);
  expect((await store.callLogs.query('all', { status: 404 })).items).toEqual([older[2]]);

  // And back again: the same rows, bodies untouched.
  await callSegments.down!(db);
  expect(await callLogsSchema(db, dialect)).toEqual(schemaAt0005);
  expect(await logRows(db)).toEqual(expectedLogRows);
  for (const table of SEGMENT_TABLES) expect(await tableExists(db, dialect, table)).toBe(false);
  expect(await rollups(db)).toEqual(rollupsBefore);

  // Forward once more; retention finds the moved records (and their bodies).
  await callSegments.up(db);
  expect(await store.callLogs.deleteBefore(T0)).toBe(older.length);
  expect((await store.callLogs.query('all', {}, { limit: 100 })).items).toEqual([...newer].sort(byIdDesc));
  const leftBodies = (await sql<{ id: string }>`select id from call_bodies order by id`.execute(db)).rows.map((r) => r.id);
  expect(leftBodies).toEqual(newerBodies.map((b) => b.id));
}

describe('migration 0006: call_logs rows moved into segments and back', () => {
  testOnBothDialects((store, db, dialect) => moveAndBack(store, db, dialect));
});
