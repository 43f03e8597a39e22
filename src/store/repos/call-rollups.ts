/**
 * Analytics from rollups: time series, top-N and latency quantiles, never scanning raw records.
 *
 * Which tables answer: the narrowest that keeps every dimension a question filters or groups by.
 * Team alone (or nothing): `call_team_totals_*`, one row per bucket and team. Team, service and
 * status class: `call_totals_*`, a few rows per bucket. Otherwise the full `call_rollups_*` tables
 * joined to their key dictionary. Series read the table
 * of their resolution; top-N and quantiles cut their range into days, hours and minutes
 * (analytics/ranges.ts) and add the pieces up.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import { HIST_BUCKETS, histQuantile } from '../../analytics/histogram.js';
import {
  CLASS_SUMS,
  ROLLUP_DIMENSIONS,
  TOTALS_DIMENSIONS,
  emptySums,
  isRollupMetric,
  metricValue,
  sumsFor,
  type RollupDimension,
  type RollupMetric,
  type RollupSums,
  type SumName,
} from '../../analytics/metrics.js';
import { RESOLUTIONS, RESOLUTION_MS, alignRange, splitRange, type Resolution } from '../../analytics/ranges.js';
import type { StoreContext } from '../context.js';
import type {
  RollupFilters,
  RollupGroup,
  RollupPercentilesQuery,
  RollupPercentilesRow,
  RollupSeries,
  RollupSeriesPoint,
  RollupSeriesQuery,
  RollupTopQuery,
  RollupTopRow,
  Store,
  TeamScope,
} from '../types.js';
import { HIST_COLUMNS } from './call-rollup-write.js';
import { inScope, invalid } from './common.js';

const DIMENSION_COLUMN: Record<RollupDimension, string> = {
  team: 'team_id',
  service: 'service_id',
  route: 'route_id',
  app: 'app_id',
  status_class: 'status_class',
  error_code: 'error_code',
  provider: 'provider_id',
  model: 'model',
};

const FILTER_DIMENSION: Record<keyof RollupFilters, RollupDimension> = {
  team_id: 'team',
  service_id: 'service',
  route_id: 'route',
  app_id: 'app',
  status_class: 'status_class',
  error_code: 'error_code',
  provider_id: 'provider',
  model: 'model',
};

/** Longest series answered in one call, in buckets. */
const MAX_SERIES_BUCKETS = 10_000;
const MAX_TOP = 100;
/** Buckets deleted per transaction by retention. */
const DELETE_BUCKETS = 60;

interface Plan {
  /** `teams`: per bucket and team, request counts per status class as columns. */
  kind: 'teams' | 'totals' | 'full';
  /** Where a dimension's column is read: the row itself or the joined key. */
  column(dim: RollupDimension): RawBuilder<unknown>;
  from(resolution: Resolution): RawBuilder<unknown>;
}

/** The narrowest tables that keep every dimension asked about. */
function planFor(dims: Iterable<RollupDimension>): Plan {
  const used = [...dims];
  const kind = used.every((d) => d === 'team') ? 'teams' : used.every((d) => TOTALS_DIMENSIONS.has(d)) ? 'totals' : 'full';
  return {
    kind,
    column: (dim) => sql.ref(`${kind === 'full' ? 'k' : 'r'}.${DIMENSION_COLUMN[dim]}`),
    from: (resolution) =>
      kind === 'full'
        ? sql`${sql.table(`call_rollups_${resolution}`)} as r join call_rollup_keys as k on k.id = r.key_id`
        : sql`${sql.table(`call_${kind === 'teams' ? 'team_totals' : 'totals'}_${resolution}`)} as r`,
  };
}

function usedDimensions(filters: RollupFilters | undefined, extra: readonly RollupDimension[]): Set<RollupDimension> {
  const dims = new Set<RollupDimension>(extra);
  for (const [name, value] of Object.entries(filters ?? {})) {
    if (value === undefined) continue;
    const dim = FILTER_DIMENSION[name as keyof RollupFilters];
    if (dim === undefined) throw invalid(`/filters/${name}`, `unknown filter '${name}'`);
    dims.add(dim);
  }
  return dims;
}

function conditions(scope: TeamScope, plan: Plan, filters: RollupFilters | undefined): Expression<SqlBool>[] {
  const teamColumn = plan.kind === 'full' ? 'k.team_id' : 'r.team_id';
  const where: Expression<SqlBool>[] = [inScope(scope, teamColumn)];
  for (const [name, value] of Object.entries(filters ?? {})) {
    if (value === undefined) continue;
    const dim = FILTER_DIMENSION[name as keyof RollupFilters];
    const column = plan.column(dim);
    if (dim === 'status_class') {
      const classes = (Array.isArray(value) ? value : [value]) as unknown[];
      if (classes.length === 0 || !classes.every((c) => Number.isInteger(c) && (c as number) >= 1 && (c as number) <= 5)) {
        throw invalid('/filters/status_class', 'status_class must be 1 to 5 (1xx to 5xx)');
      }
      where.push(sql<SqlBool>`${column} in (${sql.join(classes)})`);
    } else {
      if (value !== null && typeof value !== 'string') throw invalid(`/filters/${name}`, `${name} must be a string or null`);
      where.push(sql<SqlBool>`${column} = ${value ?? ''}`);
    }
  }
  return where;
}

function sumSelect(plan: Plan, sums: readonly SumName[], hist: boolean): RawBuilder<unknown>[] {
  const out: RawBuilder<unknown>[] = [];
  for (const s of sums) {
    const cls = (CLASS_SUMS as readonly string[]).indexOf(s);
    if (cls >= 0 && plan.kind !== 'teams') {
      out.push(sql`coalesce(sum(case when ${plan.column('status_class')} = ${sql.lit(cls + 1)} then r.requests else 0 end), 0) as ${sql.ref(s)}`);
    } else {
      out.push(sql`coalesce(sum(${sql.ref(`r.${s}`)}), 0) as ${sql.ref(s)}`);
    }
  }
  if (hist) for (const h of HIST_COLUMNS) out.push(sql`coalesce(sum(${sql.ref(`r.${h}`)}), 0) as ${sql.ref(h)}`);
  return out;
}

function addRow(into: RollupSums, row: Record<string, unknown>, sums: readonly SumName[], hist: boolean): void {
  for (const s of sums) into[s] += Number(row[s]);
  if (hist && into.hist) for (let i = 0; i < HIST_BUCKETS; i++) into.hist[i] += Number(row[`h${i}`]);
}

function groupValue(dim: RollupDimension, raw: unknown): string | number | null {
  if (dim === 'status_class') return Number(raw);
  return raw === '' || raw === null || raw === undefined ? null : String(raw);
}

function checkRange(from: number, to: number): void {
  if (!Number.isFinite(from)) throw invalid('/from', 'from must be epoch milliseconds');
  if (!Number.isFinite(to)) throw invalid('/to', 'to must be epoch milliseconds');
  if (from > to) throw invalid('/to', 'to must not be before from');
}

function checkDimension(dim: unknown, path: string): asserts dim is RollupDimension {
  if (typeof dim !== 'string' || !(ROLLUP_DIMENSIONS as readonly string[]).includes(dim)) {
    throw invalid(path, `unknown dimension '${String(dim)}'; one of ${ROLLUP_DIMENSIONS.join(', ')}`);
  }
}

function checkMetric(metric: unknown, path: string): asserts metric is RollupMetric {
  if (typeof metric !== 'string' || !isRollupMetric(metric)) throw invalid(path, `unknown metric '${String(metric)}'`);
}

interface Grouped {
  group: Array<string | number | null>;
  time: number | null;
  sums: RollupSums;
}

type CallRollupsContract = Store['callRollups'];

export class CallRollupRepo implements CallRollupsContract {
  constructor(private readonly ctx: StoreContext) {}

  /**
   * Sums per group (and per bucket when `byTime`) over pieces of a range, added up in memory.
   * The key of the returned map is the group (and time) as JSON.
   */
  private async sums(
    scope: TeamScope,
    pieces: Array<{ resolution: Resolution; from: number; to: number }>,
    groupBy: readonly RollupDimension[],
    byTime: boolean,
    filters: RollupFilters | undefined,
    sums: readonly SumName[],
    hist: boolean,
  ): Promise<Map<string, Grouped>> {
    const plan = planFor(usedDimensions(filters, groupBy));
    const base = conditions(scope, plan, filters);
    const groupColumns = groupBy.map((d) => plan.column(d));
    const select = [
      ...(byTime ? [sql`r.bucket as bucket`] : []),
      ...groupBy.map((d, i) => sql`${plan.column(d)} as ${sql.ref(`g${i}`)}`),
      ...sumSelect(plan, sums, hist),
    ];
    const groupList = [...(byTime ? [sql`r.bucket`] : []), ...groupColumns];
    const out = new Map<string, Grouped>();
    await this.ctx.read(async (db) => {
      for (const piece of pieces) {
        const where = [...base, sql<SqlBool>`r.bucket >= ${piece.from}`, sql<SqlBool>`r.bucket < ${piece.to}`];
        const grouping = groupList.length > 0 ? sql` group by ${sql.join(groupList)}` : sql``;
        const ordering = byTime ? sql` order by r.bucket` : sql``;
        const result = await sql<Record<string, unknown>>`select ${sql.join(select)} from ${plan.from(piece.resolution)} where ${sql.join(where, sql` and `)}${grouping}${ordering}`.execute(db);
        for (const row of result.rows) {
          const group = groupBy.map((d, i) => groupValue(d, row[`g${i}`]));
          const time = byTime ? Number(row.bucket) : null;
          const key = JSON.stringify([time, group]);
          let entry = out.get(key);
          if (entry === undefined) {
            entry = { group, time, sums: emptySums(hist) };
            out.set(key, entry);
          }
          addRow(entry.sums, row, sums, hist);
        }
      }
    });
    return out;
  }

  async series(scope: TeamScope, q: RollupSeriesQuery): Promise<RollupSeries> {
    checkRange(q.from, q.to);
    if (!(RESOLUTIONS as readonly string[]).includes(q.resolution)) throw invalid('/resolution', 'resolution must be minute, hour or day');
    if (!Array.isArray(q.metrics) || q.metrics.length === 0) throw invalid('/metrics', 'at least one metric is required');
    q.metrics.forEach((m, i) => checkMetric(m, `/metrics/${i}`));
    const groupBy = [...new Set(q.group_by ?? [])];
    groupBy.forEach((d, i) => checkDimension(d, `/group_by/${i}`));
    const { from, to } = alignRange(q.from, q.to, q.resolution);
    if ((to - from) / RESOLUTION_MS[q.resolution] > MAX_SERIES_BUCKETS) {
      throw invalid('/to', `at most ${MAX_SERIES_BUCKETS} buckets per series; use a coarser resolution`);
    }
    const need = sumsFor(q.metrics);
    const sums = [...new Set<SumName>(['requests', ...need.sums])];
    const grouped = await this.sums(scope, [{ resolution: q.resolution, from, to }], groupBy, true, q.filters, sums, need.hist);
    const points: RollupSeriesPoint[] = [];
    for (const g of grouped.values()) {
      const values: RollupSeriesPoint['values'] = {};
      for (const m of q.metrics) values[m] = metricValue(m, g.sums);
      const point: RollupSeriesPoint = { time: g.time!, values };
      if (groupBy.length > 0) point.group = groupOf(groupBy, g.group);
      points.push(point);
    }
    points.sort((a, b) => a.time - b.time || compareGroups(groupBy, a.group, b.group));
    return { resolution: q.resolution, from, to, points };
  }

  async top(scope: TeamScope, q: RollupTopQuery): Promise<RollupTopRow[]> {
    checkRange(q.from, q.to);
    checkDimension(q.dimension, '/dimension');
    checkMetric(q.metric, '/metric');
    const limit = q.limit ?? 10;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_TOP) throw invalid('/limit', `limit must be an integer from 1 to ${MAX_TOP}`);
    const need = sumsFor([q.metric]);
    const sums = [...new Set<SumName>(['requests', ...need.sums])];
    const grouped = await this.sums(scope, splitRange(q.from, q.to), [q.dimension], false, q.filters, sums, need.hist);
    const rows: RollupTopRow[] = [...grouped.values()].map((g) => ({
      key: g.group[0] ?? null,
      value: metricValue(q.metric, g.sums),
      requests: g.sums.requests,
    }));
    // Highest first; groups without a value (a ratio over nothing) last; ties by key for a stable order.
    rows.sort((a, b) => (b.value ?? -Infinity) - (a.value ?? -Infinity) || compareValues(a.key, b.key));
    return rows.slice(0, limit);
  }

  async percentiles(scope: TeamScope, q: RollupPercentilesQuery): Promise<RollupPercentilesRow[]> {
    checkRange(q.from, q.to);
    if (q.by !== undefined) checkDimension(q.by, '/by');
    const quantiles = q.quantiles ?? [0.5, 0.95, 0.99];
    if (quantiles.length === 0 || !quantiles.every((x) => typeof x === 'number' && x > 0 && x <= 1)) {
      throw invalid('/quantiles', 'quantiles must be numbers in (0, 1]');
    }
    const groupBy = q.by === undefined ? [] : [q.by];
    const grouped = await this.sums(scope, splitRange(q.from, q.to), groupBy, false, q.filters, ['requests'], true);
    const rows: RollupPercentilesRow[] = [];
    for (const g of grouped.values()) {
      if (g.sums.requests === 0 && groupBy.length > 0) continue;
      const latency: Record<string, number | null> = {};
      for (const x of quantiles) latency[quantileLabel(x)] = histQuantile(g.sums.hist!, x);
      const row: RollupPercentilesRow = { requests: g.sums.requests, latency_ms: latency };
      if (q.by !== undefined) row.key = g.group[0] ?? null;
      rows.push(row);
    }
    if (rows.length === 0 && groupBy.length === 0) {
      rows.push({ requests: 0, latency_ms: Object.fromEntries(quantiles.map((x) => [quantileLabel(x), null])) });
    }
    rows.sort((a, b) => b.requests - a.requests || compareValues(a.key, b.key));
    return rows;
  }

  /** Deletes by whole buckets, oldest first, a few dozen buckets per transaction. */
  async deleteBefore(resolution: Resolution, cutoffMs: number): Promise<number> {
    if (!(RESOLUTIONS as readonly string[]).includes(resolution)) throw invalid('/resolution', 'resolution must be minute, hour or day');
    if (!Number.isFinite(cutoffMs)) throw invalid('/cutoff', 'cutoff must be epoch milliseconds');
    let total = 0;
    const step = RESOLUTION_MS[resolution] * DELETE_BUCKETS;
    for (const table of [`call_rollups_${resolution}`, `call_totals_${resolution}`, `call_team_totals_${resolution}`]) {
      // From the oldest bucket on, a slice at a time; gaps in the data are skipped, not walked.
      for (;;) {
        const oldest = await this.ctx.read(async (db) => {
          const r = await sql<{ oldest: unknown }>`select min(bucket) as oldest from ${sql.table(table)}`.execute(db);
          return r.rows[0]?.oldest;
        });
        if (oldest === null || oldest === undefined || Number(oldest) >= cutoffMs) break;
        const end = Math.min(Number(oldest) + step, cutoffMs);
        total += await this.ctx.write(async (db) => {
          const r = await sql`delete from ${sql.table(table)} where bucket < ${end}`.execute(db);
          return Number(r.numAffectedRows ?? 0);
        });
        await yieldToLoop();
      }
    }
    return total;
  }
}

function groupOf(dims: readonly RollupDimension[], values: Array<string | number | null>): RollupGroup {
  const group: RollupGroup = {};
  dims.forEach((d, i) => (group[d] = values[i] ?? null));
  return group;
}

/** null first, numbers by value, strings by code unit: the same order on every machine. */
function compareValues(x: string | number | null | undefined, y: string | number | null | undefined): number {
  if (x === y) return 0;
  if (x === null || x === undefined) return -1;
  if (y === null || y === undefined) return 1;
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  return String(x) < String(y) ? -1 : 1;
}

function compareGroups(dims: readonly RollupDimension[], a: RollupGroup | undefined, b: RollupGroup | undefined): number {
  for (const d of dims) {
    const c = compareValues(a?.[d], b?.[d]);
    if (c !== 0) return c;
  }
  return 0;
}

/** 0.5 → `p50`, 0.999 → `p99.9`. */
export function quantileLabel(q: number): string {
  return `p${Number((q * 100).toFixed(4))}`;
}
