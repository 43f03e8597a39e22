import { sql, type Expression, type Insertable, type SqlBool } from 'kysely';
import type { StoreContext } from '../context.js';
import type { AiUsageDailyTable } from '../schema.js';
import type { AiUsageCounters, AiUsageDelta, AiUsageDimension, AiUsageQuery, AiUsageRow, Store, TeamScope } from '../types.js';
import { eq, inScope, invalid } from './common.js';

/** Integer counters, stored as they are. */
const COUNTS = [
  'requests',
  'errors',
  'prompt_tokens',
  'completion_tokens',
  'cached_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'estimated_requests',
] as const;
/** USD amounts of AiUsageCounters and the micro-dollar columns that hold them. */
const MONEY = [
  ['cost_usd', 'cost_micro_usd'],
  ['saved_usd', 'saved_micro_usd'],
] as const;
const COLUMNS = [...COUNTS, ...MONEY.map(([, column]) => column)] as const;
type CounterColumn = (typeof COLUMNS)[number];

const BUCKET = ['day', 'team_id', 'app_id', 'key_id', 'service_id', 'provider_id', 'model'] as const;
type BucketColumn = (typeof BUCKET)[number];
/** Dimensions that may be absent; stored as '' because they are part of the primary key. */
const OPTIONAL = new Set<BucketColumn>(['app_id', 'key_id', 'service_id']);

const DIMENSION: Record<AiUsageDimension, BucketColumn> = {
  day: 'day',
  team: 'team_id',
  app: 'app_id',
  key: 'key_id',
  service: 'service_id',
  provider: 'provider_id',
  model: 'model',
};

const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** Rows per INSERT: 17 parameters each stays far below SQLite's and PostgreSQL's limits. */
const CHUNK = 500;

/** ON CONFLICT: the bucket exists, so add to it. */
const ADD_COUNTERS = {} as Record<CounterColumn, Expression<number>>;
for (const c of COLUMNS) ADD_COUNTERS[c] = sql<number>`${sql.ref(`ai_usage_daily.${c}`)} + ${sql.ref(`excluded.${c}`)}`;

type UsageInsert = Insertable<AiUsageDailyTable> & Record<CounterColumn, number>;

function toMicros(usd: number): number {
  return Math.round(usd * 1e6);
}

/** Checks one delta and turns it into a row: '' for absent dimensions, money in micro-dollars. */
function toInsert(d: AiUsageDelta, i: number): UsageInsert {
  if (typeof d.day !== 'string' || !DAY.test(d.day)) throw invalid(`/${i}/day`, 'day must be YYYY-MM-DD');
  for (const column of ['team_id', 'provider_id', 'model'] as const) {
    if (typeof d[column] !== 'string' || d[column] === '') throw invalid(`/${i}/${column}`, `${column} is required`);
  }
  const row = {
    day: d.day,
    team_id: d.team_id,
    app_id: d.app_id ?? '',
    key_id: d.key_id ?? '',
    service_id: d.service_id ?? '',
    provider_id: d.provider_id,
    model: d.model,
  } as UsageInsert;
  for (const count of COUNTS) {
    if (!Number.isSafeInteger(d[count]) || d[count] < 0) throw invalid(`/${i}/${count}`, `${count} must be an integer >= 0`);
    row[count] = d[count];
  }
  for (const [usd, column] of MONEY) {
    if (!Number.isFinite(d[usd]) || d[usd] < 0) throw invalid(`/${i}/${usd}`, `${usd} must be a number >= 0`);
    row[column] = toMicros(d[usd]);
  }
  return row;
}

/** Deltas of one bucket summed, since one INSERT ... ON CONFLICT may not touch a row twice (PostgreSQL). */
function merge(rows: AiUsageDelta[]): UsageInsert[] {
  const buckets = new Map<string, UsageInsert>();
  rows.forEach((delta, i) => {
    const row = toInsert(delta, i);
    const key = JSON.stringify(BUCKET.map((c) => row[c]));
    const seen = buckets.get(key);
    if (!seen) buckets.set(key, row);
    else for (const c of COLUMNS) seen[c] += row[c];
  });
  return [...buckets.values()];
}

type AiUsageContract = Store['aiUsage'];

/** Usage is not configuration: writes never call `changed()`. */
export class AiUsageRepo implements AiUsageContract {
  constructor(private readonly ctx: StoreContext) {}

  /** One transaction for the batch: all of it counts or none. */
  async record(rows: AiUsageDelta[]): Promise<void> {
    const merged = merge(rows);
    if (merged.length === 0) return;
    await this.ctx.write(async (db) => {
      for (let start = 0; start < merged.length; start += CHUNK) {
        await db
          .insertInto('ai_usage_daily')
          .values(merged.slice(start, start + CHUNK))
          .onConflict((oc) => oc.columns([...BUCKET]).doUpdateSet(ADD_COUNTERS))
          .execute();
      }
    });
  }

  /**
   * Sums over [from, to] in scope, one row per combination of the `group_by` dimensions (in that
   * order, which is also the sort order); without dimensions, one row of totals.
   */
  async query(scope: TeamScope, q: AiUsageQuery): Promise<AiUsageRow[]> {
    if (!DAY.test(q.from)) throw invalid('/from', 'from must be YYYY-MM-DD');
    if (!DAY.test(q.to)) throw invalid('/to', 'to must be YYYY-MM-DD');
    q.group_by.forEach((d, i) => {
      if (!(d in DIMENSION)) throw invalid(`/group_by/${i}`, `unknown dimension '${String(d)}'`);
    });
    const groups = [...new Set(q.group_by.map((d) => DIMENSION[d]))];
    const filters: Expression<SqlBool>[] = [
      inScope(scope),
      sql<SqlBool>`day >= ${q.from}`,
      sql<SqlBool>`day <= ${q.to}`,
    ];
    if (q.team_id !== undefined) filters.push(eq('team_id', q.team_id));
    if (q.app_id !== undefined) filters.push(eq('app_id', q.app_id));
    if (q.provider_id !== undefined) filters.push(eq('provider_id', q.provider_id));
    if (q.model !== undefined) filters.push(eq('model', q.model));

    return this.ctx.read(async (db) => {
      let query = db
        .selectFrom('ai_usage_daily')
        .select([
          ...groups.map((c) => sql.ref(c).as(c)),
          ...COLUMNS.map((c) => sql<number | string>`coalesce(sum(${sql.ref(c)}), 0)`.as(c)),
        ])
        .where((eb) => eb.and(filters));
      if (groups.length > 0) query = query.groupBy(groups.map((c) => sql.ref(c)));
      for (const c of groups) query = query.orderBy(sql.ref(c));
      const rows = (await query.execute()) as Record<string, unknown>[];
      return rows.map((r) => toUsageRow(r, groups));
    });
  }
}

function toUsageRow(r: Record<string, unknown>, groups: BucketColumn[]): AiUsageRow {
  const out: Record<string, unknown> = {};
  for (const c of groups) {
    const value = r[c] as string;
    out[c] = OPTIONAL.has(c) && value === '' ? null : value;
  }
  for (const c of COUNTS) out[c] = Number(r[c]);
  for (const [usd, column] of MONEY) out[usd] = Number(r[column]) / 1e6;
  return out as unknown as AiUsageRow & AiUsageCounters;
}
