/**
 * Call log records: batch inserts (rollups updated in the same transaction), the filtered,
 * newest-first query with cursor pagination, one call's detail, and batched retention deletes.
 * Call logs are not configuration: nothing here bumps the config version.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import { validationError } from '../../core/errors.js';
import type { CallBodies, CallRecord } from '../../core/call-record.js';
import type { DialectName, StoreContext } from '../context.js';
import { toGantryError } from '../errors.js';
import type { Database } from '../schema.js';
import type { CallLogDeleteOptions, CallLogDetail, CallLogFilters, CallLogPageQuery, Page, Store, TeamScope } from '../types.js';
import { CALL_ID, callIdFloor, callIdTime } from './call-ids.js';
import { BODY_COLUMNS, LOG_COLUMNS, PLAIN_LOG_COLUMNS, fillBodyRow, fillLogRow, toBodies, toRecord, type LogRow } from './call-log-rows.js';
import { keyCache, rememberKeys, rollupPlan } from './call-rollup-write.js';
import { placeholders, run } from './call-sql.js';
import { WriterBusy, callWriter, runPlanWithKysely, type WritePlan } from './call-writer.js';
import { eq, inScope, likeLiteral, pageLimit } from './common.js';

const DELETE_BATCH = 5000;

function invalid(path: string, message: string) {
  return validationError(message, [{ path, message }]);
}

/** Cheap checks on what the pipeline hands over; a bad record fails its whole batch, which is not retried. */
function check(r: CallRecord, i: number): void {
  if (typeof r.id !== 'string' || !CALL_ID.test(r.id)) throw invalid(`/${i}/id`, 'id must be a call id (call_...)');
  if (!Number.isSafeInteger(r.time) || r.time < 0) throw invalid(`/${i}/time`, 'time must be epoch milliseconds');
  if (!Number.isInteger(r.status)) throw invalid(`/${i}/status`, 'status must be an integer');
  if (typeof r.path !== 'string' || typeof r.method !== 'string') throw invalid(`/${i}`, 'method and path are required');
}

/** The records, then bodies and rollups of those actually inserted (see call-writer.ts). */
function* insertPlan(
  records: readonly CallRecord[],
  bodies: readonly CallBodies[],
  cache: ReadonlyMap<string, number>,
): WritePlan<{ inserted: number; keys: Map<string, number> }> {
  const bodiesById = new Map<string, CallBodies>();
  for (const b of bodies) bodiesById.set(b.id, b);
  const seen = new Set<string>();
  const unique = records.filter((r) => (seen.has(r.id) ? false : (seen.add(r.id), true)));
  const hasBodies = (r: CallRecord) => bodiesById.size > 0 && bodiesById.has(r.id);
  // Plain REST records and AI ones in two inserts: the first binds no AI columns.
  const plain = unique.filter((r) => r.ai === null);
  const ai = plain.length === unique.length ? [] : unique.filter((r) => r.ai !== null);
  const fresh: CallRecord[] = [];
  for (const [rows, isPlain] of [[plain, true], [ai, false]] as const) {
    if (rows.length === 0) continue;
    const { inserted } = yield {
      table: 'call_logs',
      columns: isPlain ? PLAIN_LOG_COLUMNS : LOG_COLUMNS,
      count: rows.length,
      fill: (i, out) => fillLogRow(out, rows[i]!, hasBodies(rows[i]!), isPlain),
      conflict: 'on conflict (id) do nothing',
      result: 'inserted',
    };
    for (const i of inserted) fresh.push(rows[i]!);
  }
  const freshBodies = bodiesById.size === 0 ? [] : fresh.flatMap((r) => bodiesById.get(r.id) ?? []);
  if (freshBodies.length > 0) {
    yield {
      table: 'call_bodies',
      columns: BODY_COLUMNS,
      count: freshBodies.length,
      fill: (i, out) => fillBodyRow(out, freshBodies[i]!),
      conflict: 'on conflict (id) do nothing',
      result: 'none',
    };
  }
  const keys = yield* rollupPlan(fresh, cache);
  return { inserted: fresh.length, keys };
}

/** Bucket of the request-id and path indexes: migration 0005's expression, `time / 1000`. */
const SEARCH_BUCKET_MS = 1000;
/** Buckets looked up per statement when searching by request id or path. */
const SEARCH_CHUNK_BUCKETS = 360;
/**
 * Time one page of a search walks at most: each bucket costs a probe, so a search over weeks (a
 * request id, found once or not at all) would take seconds in one call. Past it, the page ends with
 * what it found and a cursor that continues the walk further back.
 */
const SEARCH_PAGE_SPAN_MS = 86_400_000;

/** `index`: SQLite only, the index the statement must use (`indexed by`). */
async function select(db: Kysely<Database>, where: Expression<SqlBool>[], limit: number, index?: string): Promise<LogRow[]> {
  const from = index === undefined ? sql`call_logs` : sql`call_logs indexed by ${sql.ref(index)}`;
  const result = await sql<LogRow>`select ${sql.raw(LOG_COLUMNS.join(', '))} from ${from} where ${sql.join(where, sql` and `)} order by id desc limit ${limit}`.execute(db);
  return result.rows;
}

async function searchByBuckets(
  db: Kysely<Database>,
  dialect: DialectName,
  where: Expression<SqlBool>[],
  filters: CallLogFilters,
  cursor: string | null,
  want: number,
): Promise<{ rows: LogRow[]; resumeBefore: number | null }> {
  // SQLite's planner, given a time range, a cursor or a team as well, would rather walk that range
  // of the id or team index and test every row's request id or path: seconds at millions of
  // records. The bucketed index finds them with one probe per bucket.
  const index = dialect !== 'sqlite' ? undefined : filters.request_id !== undefined ? 'call_logs_request_idx' : 'call_logs_path_idx';
  const bounds = await sql<{ lo: string | null; hi: string | null }>`select (select min(id) from call_logs) as lo, (select max(id) from call_logs) as hi`.execute(db);
  const { lo: oldest, hi: newest } = bounds.rows[0] ?? { lo: null, hi: null };
  if (oldest === null || newest === null) return { rows: [], resumeBefore: null };
  let hi = Math.min(filters.to ?? Infinity, callIdTime(newest) + 1);
  if (cursor !== null) hi = Math.min(hi, callIdTime(cursor) + 1);
  const lo = Math.max(filters.from ?? -Infinity, callIdTime(oldest));
  const bucket = sql.lit(SEARCH_BUCKET_MS);
  const out: LogRow[] = [];
  let last = Math.floor((hi - 1) / SEARCH_BUCKET_MS);
  const first = Math.floor(lo / SEARCH_BUCKET_MS);
  const stop = last - SEARCH_PAGE_SPAN_MS / SEARCH_BUCKET_MS;
  while (last >= first && out.length < want) {
    if (last <= stop) return { rows: out, resumeBefore: (last + 1) * SEARCH_BUCKET_MS };
    const from = Math.max(first, last - SEARCH_CHUNK_BUCKETS + 1);
    const buckets: number[] = [];
    for (let b = last; b >= from; b--) buckets.push(b);
    const rows = await select(db, [...where, sql<SqlBool>`(time / ${bucket}) in (${sql.join(buckets)})`], want - out.length, index);
    for (const row of rows) out.push(row);
    last = from - 1;
  }
  return { rows: out, resumeBefore: null };
}

export function encodeCallCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

export function decodeCallCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!CALL_ID.test(id)) {
    throw validationError('The cursor is not valid', [{ path: '/cursor', message: 'not a cursor from a previous page' }]);
  }
  return id;
}

/** The first string after every string that starts with `prefix` (in code unit order). */
function prefixEnd(prefix: string): string {
  const last = prefix.charCodeAt(prefix.length - 1);
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}

function oneOrMany<T extends string | number>(column: string, value: T | readonly T[]): Expression<SqlBool> {
  if (Array.isArray(value)) {
    if (value.length === 0) return sql<SqlBool>`1 = 0`;
    return sql<SqlBool>`${sql.ref(column)} in (${sql.join(value)})`;
  }
  return sql<SqlBool>`${sql.ref(column)} = ${value as T}`;
}

function timeRange(filters: { from?: number; to?: number }): Expression<SqlBool>[] {
  const out: Expression<SqlBool>[] = [];
  for (const [name, value] of [['from', filters.from], ['to', filters.to]] as const) {
    if (value === undefined) continue;
    if (!Number.isFinite(value)) throw invalid(`/${name}`, `${name} must be epoch milliseconds`);
    out.push(name === 'from' ? sql<SqlBool>`id >= ${callIdFloor(value)}` : sql<SqlBool>`id < ${callIdFloor(value)}`);
  }
  return out;
}

function filterConditions(scope: TeamScope, f: CallLogFilters): Expression<SqlBool>[] {
  const where = [inScope(scope), ...timeRange(f)];
  const exact: Array<[keyof CallLogFilters, string]> = [
    ['team_id', 'team_id'],
    ['service_id', 'service_id'],
    ['route_id', 'route_id'],
    ['app_id', 'app_id'],
    ['key_id', 'key_id'],
    ['error_code', 'error_code'],
    ['provider_id', 'ai_provider_id'],
    ['model', 'ai_model_served'],
    ['request_id', 'request_id'],
    ['method', 'method'],
  ];
  for (const [filter, column] of exact) {
    const value = f[filter];
    if (value === undefined) continue;
    if (value !== null && typeof value !== 'string') throw invalid(`/${filter}`, `${filter} must be a string`);
    where.push(eq(column, value));
  }
  if (f.status !== undefined) where.push(oneOrMany('status', f.status));
  if (f.status_class !== undefined) {
    const classes = Array.isArray(f.status_class) ? f.status_class : [f.status_class];
    if (!classes.every((c) => Number.isInteger(c) && c >= 1 && c <= 5)) {
      throw invalid('/status_class', 'status_class must be 1 to 5 (1xx to 5xx)');
    }
    where.push(oneOrMany('status_class', f.status_class));
    // The status-class index leaves 2xx out; this term, implied by the filter, lets SQLite use it.
    if (!classes.includes(2)) where.push(sql<SqlBool>`status_class <> 2`);
  }
  if (f.path !== undefined && f.path !== '') {
    if (f.path.startsWith('/')) {
      // A prefix is a range on (path, id): usable at any table size, chosen by the planner when selective.
      where.push(sql<SqlBool>`path >= ${f.path}`, sql<SqlBool>`path < ${prefixEnd(f.path)}`);
    } else {
      // Text anywhere in the path: no index can serve it; it filters what the other conditions select.
      where.push(sql<SqlBool>`lower(path) like ${`%${likeLiteral(f.path.toLowerCase())}%`} escape '\\'`);
    }
  }
  return where;
}

type CallLogsContract = Store['callLogs'];

export class CallLogRepo implements CallLogsContract {
  constructor(private readonly ctx: StoreContext) {}

  /**
   * One transaction: the records (a record whose id is already stored is skipped, so replaying a
   * batch is harmless), their bodies, and the rollups of the records actually inserted.
   */
  async insertBatch(records: readonly CallRecord[], bodies: readonly CallBodies[] = []): Promise<{ inserted: number }> {
    records.forEach(check);
    if (records.length === 0) return { inserted: 0 };
    const root = this.ctx.root;
    const cache = keyCache(root);
    const plan = () => insertPlan(records, bodies, cache);
    let result: { inserted: number; keys: Map<string, number> } | undefined;
    const nested = this.ctx.current() !== undefined;
    if (!nested) {
      const writer = await callWriter(root);
      if (writer !== null) {
        try {
          result = writer.run(plan());
        } catch (err) {
          if (!(err instanceof WriterBusy)) throw toGantryError(err, 'writing call logs');
        }
      }
    }
    result ??= await this.ctx.write((db) => runPlanWithKysely(db, root.dialect, plan()));
    // Key ids made in a transaction that may still roll back must not outlive it.
    if (!nested) rememberKeys(root, result.keys);
    return { inserted: result.inserted };
  }

  /**
   * Newest first. `cursor` continues after the last record of the previous page. Searches by
   * request id or path prefix walk the time-bucketed index (see migrations 0002 and 0005) six
   * minutes of buckets at a time, newest first, until the page is full, the window is exhausted or
   * the page has walked a day (SEARCH_PAGE_SPAN_MS): then it may hold fewer than `limit` records,
   * even none, and its cursor continues the search.
   */
  async query(scope: TeamScope, filters: CallLogFilters = {}, page: CallLogPageQuery = {}): Promise<Page<CallRecord>> {
    const limit = pageLimit(page.limit);
    const where = filterConditions(scope, filters);
    const cursor = page.cursor === undefined || page.cursor === null ? null : decodeCallCursor(page.cursor);
    if (cursor !== null) where.push(sql<SqlBool>`id < ${cursor}`);
    const searched = filters.request_id !== undefined || (filters.path !== undefined && filters.path.startsWith('/'));
    const { rows, resumeBefore } = await this.ctx.read(async (db) => {
      if (!searched) return { rows: await select(db, where, limit + 1), resumeBefore: null };
      return searchByBuckets(db, this.ctx.root.dialect, where, filters, cursor, limit + 1);
    });
    const more = rows.length > limit;
    const items = (more ? rows.slice(0, limit) : rows).map(toRecord);
    if (more) return { items, next_cursor: encodeCallCursor(items[items.length - 1]!.id) };
    // A search that stopped at its span: the next page starts below the last bucket it walked.
    return { items, next_cursor: resumeBefore === null ? null : encodeCallCursor(callIdFloor(resumeBefore)) };
  }

  async get(scope: TeamScope, id: string): Promise<CallLogDetail | undefined> {
    if (!CALL_ID.test(id)) return undefined;
    return this.ctx.read(async (db) => {
      const result = await sql<LogRow>`select ${sql.raw(LOG_COLUMNS.join(', '))} from call_logs where id = ${id} and ${inScope(scope)}`.execute(db);
      const row = result.rows[0];
      if (row === undefined) return undefined;
      let bodies: CallBodies | null = null;
      if (Number(row.has_bodies) !== 0) {
        const b = await sql<Record<string, unknown>>`select ${sql.raw(BODY_COLUMNS.join(', '))} from call_bodies where id = ${id}`.execute(db);
        if (b.rows[0] !== undefined) bodies = toBodies(b.rows[0]);
      }
      return { ...toRecord(row), bodies };
    });
  }

  /**
   * Deletes records (and their bodies) older than `cutoffMs`, a few thousand per transaction with
   * the event loop free in between, so neither the writer lock (SQLite) nor row locks are held long.
   */
  async deleteBefore(cutoffMs: number, opts: CallLogDeleteOptions = {}): Promise<number> {
    if (!Number.isFinite(cutoffMs)) throw invalid('/cutoff', 'cutoff must be epoch milliseconds');
    const batch = opts.batch_size ?? DELETE_BATCH;
    const where: Expression<SqlBool>[] = [sql<SqlBool>`id < ${callIdFloor(cutoffMs)}`];
    if (opts.team_id !== undefined) where.push(eq('team_id', opts.team_id));
    if (opts.except_team_ids !== undefined && opts.except_team_ids.length > 0) {
      where.push(sql<SqlBool>`(team_id is null or team_id not in (${sql.join(opts.except_team_ids)}))`);
    }
    const dialect = this.ctx.root.dialect;
    let total = 0;
    for (;;) {
      const deleted = await this.ctx.write(async (db) => {
        const picked = await sql<{ id: string; has_bodies: number }>`select id, has_bodies from call_logs where ${sql.join(where, sql` and `)} order by id limit ${batch}`.execute(db);
        const ids = picked.rows.map((r) => r.id);
        if (ids.length === 0) return 0;
        await deleteIds(db, dialect, 'call_logs', ids);
        const withBodies = picked.rows.filter((r) => Number(r.has_bodies) !== 0).map((r) => r.id);
        if (withBodies.length > 0) await deleteIds(db, dialect, 'call_bodies', withBodies);
        return ids.length;
      });
      total += deleted;
      if (deleted < batch) return total;
      await yieldToLoop();
    }
  }
}

async function deleteIds(db: Kysely<Database>, dialect: 'sqlite' | 'postgres', table: string, ids: string[]): Promise<void> {
  for (let start = 0; start < ids.length; start += 1000) {
    const chunk = ids.slice(start, start + 1000);
    await run(db, `delete from ${table} where id in (${placeholders(dialect, chunk.length)})`, chunk);
  }
}
