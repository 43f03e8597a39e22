import type { FastifyInstance } from 'fastify';
import type { RollupDimension, RollupMetric } from '../../../analytics/metrics.js';
import type { Resolution } from '../../../analytics/ranges.js';
import type { RollupFilters } from '../../../store/types.js';
import { principal } from '../../auth.js';
import type { ControlContext } from '../../context.js';
import { timeRange } from '../common/time.js';
import { presentPercentiles, presentSeries, presentTop } from './present.js';
import * as schema from './schema.js';

const DAY_MS = 86_400_000;

/** Requests, errors by class, latency percentiles, bytes, tokens, cost and the cache hit ratio. */
export const DEFAULT_SERIES_METRICS: readonly RollupMetric[] = [
  'requests',
  'requests_2xx',
  'requests_3xx',
  'requests_4xx',
  'requests_5xx',
  'latency_p50_ms',
  'latency_p95_ms',
  'latency_p99_ms',
  'bytes_in',
  'bytes_out',
  'prompt_tokens',
  'completion_tokens',
  'cost_usd',
  'cache_hit_ratio',
];

type FilterQuery = Pick<schema.SeriesQuery, 'team_id' | 'service_id' | 'route_id' | 'app_id' | 'status_class' | 'error_code' | 'provider_id' | 'model'>;

/** `none` asks for calls without that dimension (no app, no error...). */
function orNone(value: string): string | null {
  return value === 'none' ? null : value;
}

export function rollupFilters(q: FilterQuery): RollupFilters {
  const f: RollupFilters = {};
  if (q.team_id !== undefined) f.team_id = q.team_id;
  for (const key of ['service_id', 'route_id', 'app_id', 'error_code', 'provider_id', 'model'] as const) {
    const value = q[key];
    if (value !== undefined) f[key] = orNone(value);
  }
  if (q.status_class !== undefined) f.status_class = q.status_class.split(',').map((c) => Number(c.replace(/xx$/, '')));
  return f;
}

const names = <T extends string>(list: string | undefined): T[] | undefined => (list === undefined ? undefined : ([...new Set(list.split(','))] as T[]));

export function analyticsRoutes(app: FastifyInstance, ctx: ControlContext): void {
  app.get<{ Querystring: schema.SeriesQuery }>('/analytics/series', { schema: schema.getSeries }, async (request) => {
    const q = request.query;
    const metrics = names<RollupMetric>(q.metrics) ?? [...DEFAULT_SERIES_METRICS];
    const groupBy = names<RollupDimension>(q.group_by);
    const series = await ctx.store.callRollups.series(principal(request).scope, {
      ...timeRange(q, DAY_MS),
      resolution: (q.resolution ?? 'minute') as Resolution,
      metrics,
      filters: rollupFilters(q),
      ...(groupBy === undefined ? {} : { group_by: groupBy }),
    });
    return presentSeries(series, metrics);
  });

  app.get<{ Querystring: schema.TopQuery }>('/analytics/top', { schema: schema.getTop }, async (request) => {
    const q = request.query;
    const range = timeRange(q, DAY_MS);
    const metric = q.metric ?? 'requests';
    const rows = await ctx.store.callRollups.top(principal(request).scope, {
      ...range,
      dimension: q.dimension,
      metric,
      limit: q.limit === undefined ? 10 : Number(q.limit),
      filters: rollupFilters(q),
    });
    return presentTop(range, q.dimension, metric, rows);
  });

  app.get<{ Querystring: schema.PercentilesQuery }>('/analytics/percentiles', { schema: schema.getPercentiles }, async (request) => {
    const q = request.query;
    const range = timeRange(q, DAY_MS);
    const rows = await ctx.store.callRollups.percentiles(principal(request).scope, {
      ...range,
      ...(q.by === undefined ? {} : { by: q.by }),
      ...(q.quantiles === undefined ? {} : { quantiles: [...new Set(q.quantiles.split(',').map(Number))] }),
      filters: rollupFilters(q),
    });
    return presentPercentiles(range, q.by ?? null, rows);
  });
}
