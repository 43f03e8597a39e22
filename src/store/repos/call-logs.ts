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
import { BODY_COLUMNS, toBodies } from './call-log-rows.js';
import { keyCache, rememberKeys, statusClass } from './call-rollup-write.js';
import { decodeSegment, encodeBatch, idList, rewriteSegment, segmentPlan, tag, type EncodedBatch, type StoredCall, type TagDimension } from './call-segments.js';
import { placeholders, run } from './call-sql.js';
import { WriterBusy, callWriter, runPlanWithKysely } from './call-writer.js';
import { invalid, pageLimit } from './common.js';

const DELETE_BATCH = 5000;

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

/**
 * Most records one page of a query decodes. A filter no segment tag serves (path text, request id)
 * reads every segment in the window: past this many records, the page ends with what it found (maybe
 * nothing) and a cursor that continues further back. Likewise past `pageScanBudget` records in the
 * segments whose text was searched for a request id or path prefix (a scan of their data, ~0.35 µs
 * per record). And past `pageSegmentBudget` segments read (small ones, of quiet hours, cost a
 * statement each). Tests lower them.
 */
export const callLogLimits = { pageRecordBudget: 250_000, pageScanBudget: 1_000_000, pageSegmentBudget: 5_000 };
/** Segments whose descriptions are read per statement while a query walks back in time. */
const SEGMENTS_PER_READ = 32;

type Predicate = (r: CallRecord) => boolean;

interface Plan {
  /** Conditions on call_segments (team, time bounds, tags). */
  where: Expression<SqlBool>[];
  /** Text the segment's data must contain (request id, path prefix): a scan of the data itself. */
  texts: Expression<SqlBool>[];
  /** Ids at or above (from), below (to / cursor). */
  lo: string | null;
  hi: string | null;
  /** What a record must match besides its id range. */
  tests: Predicate[];
}

function stringFilter(f: CallLogFilters, name: keyof CallLogFilters): string | null | undefined {
  const value = f[name];
  if (value === undefined || value === null) return value as null | undefined;
  if (typeof value !== 'string') throw invalid(`/${name}`, `${name} must be a string`);
  return value;
}

function numbers(name: string, value: number | readonly number[]): number[] {
  const list = Array.isArray(value) ? [...value] : [value as number];
  if (!list.every((n) => Number.isInteger(n))) throw invalid(`/${name}`, `${name} must be integers`);
  return list;
}

/** Tag conditions: the segment must hold one of `tags`. */
function withTag(tags: readonly string[], lo: string | null): Expression<SqlBool> {
  if (tags.length === 0) return sql<SqlBool>`1 = 0`;
  const from = lo === null ? sql`` : sql` and max_id >= ${lo}`;
  return sql<SqlBool>`id in (select segment_id from call_segment_tags where tag in (${sql.join(tags)})${from})`;
}

function plan(dialect: DialectName, scope: TeamScope, f: CallLogFilters, cursor: string | null): Plan {
  const where: Expression<SqlBool>[] = [];
  const tests: Predicate[] = [];
  if (scope !== 'all') where.push(scope.length === 0 ? sql<SqlBool>`1 = 0` : sql<SqlBool>`team_id in (${sql.join(scope)})`);
  for (const name of ['from', 'to'] as const) {
    const value = f[name];
    if (value !== undefined && !Number.isFinite(value)) throw invalid(`/${name}`, `${name} must be epoch milliseconds`);
  }
  const lo = f.from === undefined ? null : callIdFloor(f.from);
  let hi = f.to === undefined ? null : callIdFloor(f.to);
  if (cursor !== null && (hi === null || cursor < hi)) hi = cursor;
  if (lo !== null) where.push(sql<SqlBool>`max_id >= ${lo}`);
  if (hi !== null) where.push(sql<SqlBool>`min_id < ${hi}`);

  const team = stringFilter(f, 'team_id');
  if (team !== undefined) where.push(sql<SqlBool>`team_id = ${team ?? ''}`);
  // Exact filters on tagged dimensions: the segment must hold the value, the record must equal it.
  const tagged: Array<[keyof CallLogFilters, TagDimension, (r: CallRecord) => unknown]> = [
    ['service_id', 'service', (r) => r.service_id],
    ['route_id', 'route', (r) => r.route_id],
    ['app_id', 'app', (r) => r.app_id],
    ['key_id', 'key', (r) => r.key_id],
    ['error_code', 'error', (r) => r.error_code],
    ['provider_id', 'provider', (r) => r.ai?.provider_id ?? null],
    ['model', 'model', (r) => r.ai?.model_served ?? null],
    ['method', 'method', (r) => r.method],
  ];
  for (const [name, dimension, get] of tagged) {
    const value = stringFilter(f, name);
    if (value === undefined) continue;
    // null: calls without that dimension, which no tag names; the records are tested one by one.
    if (value !== null) where.push(withTag([tag(dimension, value)], lo));
    tests.push((r) => (get(r) ?? null) === value);
  }
  if (f.status !== undefined) {
    const statuses = numbers('status', f.status);
    where.push(withTag(statuses.map((s) => tag('status', s)), lo));
    const set = new Set(statuses);
    tests.push((r) => set.has(r.status));
  }
  if (f.status_class !== undefined) {
    const classes = numbers('status_class', f.status_class);
    if (!classes.every((c) => c >= 1 && c <= 5)) throw invalid('/status_class', 'status_class must be 1 to 5 (1xx to 5xx)');
    where.push(withTag(classes.map((c) => tag('class', c)), lo));
    const set = new Set(classes);
    tests.push((r) => set.has(statusClass(r.status)));
  }
  // No tag serves a request id or a path prefix, but the encoded segment holds them as JSON strings:
  // the database skips segments whose text lacks them, and only the others are decoded.
  const texts: Expression<SqlBool>[] = [];
  const contains = (text: string) => (dialect === 'postgres' ? sql<SqlBool>`strpos(data, ${text}) > 0` : sql<SqlBool>`instr(data, ${text}) > 0`);
  const requestId = stringFilter(f, 'request_id');
  if (requestId !== undefined) {
    if (requestId !== null) texts.push(contains(JSON.stringify(requestId)));
    tests.push((r) => r.request_id === requestId);
  }
  if (f.path !== undefined && f.path !== '') {
    if (typeof f.path !== 'string') throw invalid('/path', 'path must be a string');
    const text = f.path;
    if (text.startsWith('/')) {
      texts.push(contains(JSON.stringify(text).slice(0, -1)));
      tests.push((r) => r.path.startsWith(text));
    } else {
      const lower = text.toLowerCase();
      tests.push((r) => r.path.toLowerCase().includes(lower));
    }
  }
  return { where, texts, lo, hi, tests };
}

interface SegmentInfo {
  id: number;
  max_id: string;
  format: number;
  records: number;
}

function byIdDesc(a: CallRecord, b: CallRecord): number {
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** The id right after every id of the millisecond `id` is in. */
function nextMsFloor(id: string): string {
  return callIdFloor(callIdTime(id) + 1);
}

type CallLogsContract = Store['callLogs'];

export class CallLogRepo implements CallLogsContract {
  constructor(private readonly ctx: StoreContext) {}

  /**
   * One transaction: the records (a record whose id is already stored is skipped, so replaying a
   * batch is harmless), their bodies, and the rollups of the records actually inserted.
   */
  async insertBatch(records: readonly CallRecord[], bodies: readonly CallBodies[] = []): Promise<{ inserted: number }> {
    return this.insertEncoded(encodeBatch(records, bodies));
  }

  /** insertBatch of a batch encoded already (by `encodeBatch`, maybe on another thread). */
  async insertEncoded(batch: EncodedBatch): Promise<{ inserted: number }> {
    if (batch.segments.length === 0) return { inserted: 0 };
    const root = this.ctx.root;
    const cache = keyCache(root);
    const write = () => segmentPlan(batch, cache);
    let result: { inserted: number; keys: Map<string, number> } | undefined;
    const nested = this.ctx.current() !== undefined;
    if (!nested) {
      const writer = await callWriter(root);
      if (writer !== null) {
        try {
          result = writer.run(write());
        } catch (err) {
          if (!(err instanceof WriterBusy)) throw toGantryError(err, 'writing call logs');
        }
      }
    }
    result ??= await this.ctx.write((db) => runPlanWithKysely(db, root.dialect, write()));
    // Key ids made in a transaction that may still roll back must not outlive it.
    if (!nested) rememberKeys(root, result.keys);
    return { inserted: result.inserted };
  }

  /**
   * Newest first. `cursor` continues after the last record of the previous page. Segments are read
   * newest first (those a tagged filter rules out are never read) until the page is full; a page
   * that has decoded `callLogLimits.pageRecordBudget` records ends there, maybe with fewer than
   * `limit` records or none, and its cursor continues the walk.
   */
  async query(scope: TeamScope, filters: CallLogFilters = {}, page: CallLogPageQuery = {}): Promise<Page<CallRecord>> {
    const limit = pageLimit(page.limit);
    const cursor = page.cursor === undefined || page.cursor === null ? null : decodeCallCursor(page.cursor);
    const { where, texts, lo, hi, tests } = plan(this.ctx.root.dialect, scope, filters, cursor);
    const matches = (r: CallRecord) => (lo === null || r.id >= lo) && (hi === null || r.id < hi) && tests.every((t) => t(r));
    return this.ctx.read(async (db) => {
      const found: CallRecord[] = [];
      let decoded = 0;
      let scanned = 0;
      let visited = 0;
      /** The last segment read: the walk goes on below it. */
      let after: Pick<SegmentInfo, 'id' | 'max_id'> | null = null;
      for (;;) {
        const keyset: Expression<SqlBool>[] = after === null ? [] : [sql<SqlBool>`(max_id < ${after.max_id} or (max_id = ${after.max_id} and id < ${after.id}))`];
        const all: Expression<SqlBool>[] = [...where, ...keyset];
        const conditions = all.length === 0 ? sql`1 = 1` : sql.join(all, sql` and `);
        const infos: SegmentInfo[] = (
          await sql<SegmentInfo>`select id, max_id, format, records from call_segments where ${conditions} order by max_id desc, id desc limit ${SEGMENTS_PER_READ}`.execute(db)
        ).rows;
        // Segments whose text holds what is searched for; the others are not decoded.
        let holding: Set<number> | null = null;
        if (texts.length > 0 && infos.length > 0) {
          const rows = (await sql<{ id: number }>`select id from call_segments where id in (${sql.join(infos.map((i) => i.id))}) and ${sql.join(texts, sql` and `)}`.execute(db)).rows;
          holding = new Set(rows.map((r) => Number(r.id)));
        }
        for (const info of infos) {
          // Every record not yet read has an id at or below this segment's highest.
          if (found.length > limit) {
            found.sort(byIdDesc);
            found.length = limit + 1;
            if (info.max_id < found[limit]!.id) return pageOf(found, limit, null);
          }
          // Past a budget, stop at a millisecond boundary below the page's upper bound (a segment
          // that straddles the bound is read anyway, or the next page would start where this one did).
          const resume = nextMsFloor(info.max_id);
          const spent = decoded >= callLogLimits.pageRecordBudget || scanned >= callLogLimits.pageScanBudget || visited >= callLogLimits.pageSegmentBudget;
          if (spent && found.length <= limit && (hi === null || resume < hi)) {
            return pageOf(
              found.filter((r) => r.id >= resume),
              limit,
              resume,
            );
          }
          visited++;
          if (holding !== null) {
            scanned += Number(info.records);
            if (!holding.has(Number(info.id))) continue;
          }
          const data = (await sql<{ data: string }>`select data from call_segments where id = ${info.id}`.execute(db)).rows[0];
          if (data === undefined) continue; // deleted meanwhile (retention)
          const calls = decodeSegment(info.format, data.data);
          decoded += calls.length;
          for (const { record } of calls) if (matches(record)) found.push(record);
        }
        if (infos.length < SEGMENTS_PER_READ) break;
        const last = infos[infos.length - 1]!;
        after = { id: Number(last.id), max_id: last.max_id };
      }
      found.sort(byIdDesc);
      return pageOf(found, limit, null);
    });
  }

  async get(scope: TeamScope, id: string): Promise<CallLogDetail | undefined> {
    if (!CALL_ID.test(id)) return undefined;
    return this.ctx.read(async (db) => {
      const result = await sql<{ team_id: string; format: number; data: string }>`select s.team_id, s.format, s.data from call_ids c join call_segments s on s.id = c.segment_id where c.id = ${id}`.execute(db);
      const segment = result.rows[0];
      if (segment === undefined) return undefined;
      if (scope !== 'all' && !scope.includes(segment.team_id)) return undefined;
      const call = decodeSegment(segment.format, segment.data).find((c) => c.record.id === id);
      if (call === undefined) return undefined;
      let bodies: CallBodies | null = null;
      if (call.hasBodies) {
        const b = await sql<Record<string, unknown>>`select ${sql.raw(BODY_COLUMNS.join(', '))} from call_bodies where id = ${id}`.execute(db);
        if (b.rows[0] !== undefined) bodies = toBodies(b.rows[0]);
      }
      return { ...call.record, bodies };
    });
  }

  /**
   * Deletes records (and their bodies) older than `cutoffMs`: whole segments, and the older part of
   * a segment that straddles the cutoff. A transaction handles segments of up to `batch_size`
   * records, with the event loop free in between, so neither the writer lock (SQLite) nor row locks
   * are held long.
   */
  async deleteBefore(cutoffMs: number, opts: CallLogDeleteOptions = {}): Promise<number> {
    if (!Number.isFinite(cutoffMs)) throw invalid('/cutoff', 'cutoff must be epoch milliseconds');
    const batch = opts.batch_size ?? DELETE_BATCH;
    const floor = callIdFloor(cutoffMs);
    const where: Expression<SqlBool>[] = [sql<SqlBool>`min_id < ${floor}`];
    if (opts.team_id !== undefined) where.push(sql<SqlBool>`team_id = ${opts.team_id}`);
    if (opts.except_team_ids !== undefined && opts.except_team_ids.length > 0) {
      where.push(sql<SqlBool>`team_id not in (${sql.join(opts.except_team_ids)})`);
    }
    const dialect = this.ctx.root.dialect;
    let total = 0;
    let after = '';
    for (;;) {
      const step = await this.ctx.write(async (db) => {
        const picked = await sql<{ id: number; min_id: string; records: number; format: number; data: string }>`select id, min_id, records, format, data from call_segments where ${sql.join(where, sql` and `)} and min_id > ${after} order by min_id limit ${SEGMENTS_PER_READ}`.execute(db);
        let deleted = 0;
        let last: string | null = null;
        for (const seg of picked.rows) {
          if (deleted > 0 && deleted + Number(seg.records) > batch) break;
          last = seg.min_id;
          deleted += await deleteFromSegment(db, dialect, seg, floor);
        }
        return { deleted, last };
      });
      total += step.deleted;
      if (step.last === null) return total;
      after = step.last;
      await yieldToLoop();
    }
  }
}

/** Deletes a segment's records below `floor` (and their ids and bodies); returns how many. */
async function deleteFromSegment(
  db: Kysely<Database>,
  dialect: DialectName,
  seg: { id: number; format: number; data: string },
  floor: string,
): Promise<number> {
  const calls: StoredCall[] = decodeSegment(seg.format, seg.data);
  const old = calls.filter((c) => c.record.id < floor);
  if (old.length === 0) return 0;
  const kept = calls.length === old.length ? [] : calls.filter((c) => c.record.id >= floor);
  const id = Number(seg.id);
  if (kept.length === 0) {
    await run(db, `delete from call_segment_tags where segment_id = ${placeholders(dialect, 1)}`, [id]);
    await run(db, `delete from call_segments where id = ${placeholders(dialect, 1)}`, [id]);
  } else {
    const { build } = rewriteSegment(id, kept);
    const { text, params } = build(dialect);
    await run(db, text, params);
  }
  await deleteIds(db, dialect, 'call_ids', old.map((c) => c.record.id));
  const withBodies = old.filter((c) => c.hasBodies).map((c) => c.record.id);
  if (withBodies.length > 0) await deleteIds(db, dialect, 'call_bodies', withBodies);
  return old.length;
}

function pageOf(found: readonly CallRecord[], limit: number, resume: string | null): Page<CallRecord> {
  const more = found.length > limit;
  const items = more ? found.slice(0, limit) : [...found];
  if (more) return { items, next_cursor: encodeCallCursor(items[items.length - 1]!.id) };
  return { items, next_cursor: resume === null ? null : encodeCallCursor(resume) };
}

async function deleteIds(db: Kysely<Database>, dialect: DialectName, table: string, ids: readonly string[]): Promise<void> {
  const list = idList(dialect, ids, 1);
  await run(db, `delete from ${table} where id in (${list.sql})`, [list.param]);
}
