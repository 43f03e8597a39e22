import type { RollupMetric } from '../../../analytics/metrics.js';
import type { RollupPercentilesRow, RollupSeries, RollupTopRow } from '../../../store/types.js';
import type { PercentilesView, SeriesView, TopView } from './schema.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/** Money is summed in micro-dollars; floats must not show 0.30000000000000004. */
function tidy(value: number | null | undefined): number | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  return Number.isInteger(value) ? value : Math.round(value * 1e6) / 1e6;
}

export function presentSeries(series: RollupSeries, metrics: readonly RollupMetric[]): SeriesView {
  return {
    resolution: series.resolution,
    from: iso(series.from),
    to: iso(series.to),
    metrics: [...metrics],
    points: series.points.map((p) => {
      const values: Record<string, number | null> = {};
      for (const m of metrics) values[m] = tidy(p.values[m]);
      return p.group === undefined ? { time: iso(p.time), values } : { time: iso(p.time), group: p.group, values };
    }),
  };
}

export function presentTop(range: { from: number; to: number }, dimension: string, metric: string, rows: readonly RollupTopRow[]): TopView {
  return {
    from: iso(range.from),
    to: iso(range.to),
    dimension,
    metric,
    data: rows.map((r) => ({ key: r.key, value: tidy(r.value), requests: r.requests })),
  };
}

export function presentPercentiles(range: { from: number; to: number }, by: string | null, rows: readonly RollupPercentilesRow[]): PercentilesView {
  return {
    from: iso(range.from),
    to: iso(range.to),
    by,
    data: rows.map((r) => {
      const latency: Record<string, number | null> = {};
      for (const [k, v] of Object.entries(r.latency_ms)) latency[k] = tidy(v);
      return r.key === undefined ? { requests: r.requests, latency_ms: latency } : { key: r.key, requests: r.requests, latency_ms: latency };
    }),
  };
}
