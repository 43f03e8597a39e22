/**
 * What rollups hold and what can be asked of them. A rollup row is one bucket (minute, hour or day)
 * of one combination of dimensions, with additive counters and a latency histogram; every metric
 * is computed from sums of those, so any range and grouping can be answered without raw records.
 */
import { HIST_BUCKETS, histQuantile } from './histogram.js';

/** Dimensions of a rollup key. `status_class` is 1..5 (the status / 100). */
export const ROLLUP_DIMENSIONS = ['team', 'service', 'route', 'app', 'status_class', 'error_code', 'provider', 'model'] as const;
export type RollupDimension = (typeof ROLLUP_DIMENSIONS)[number];

/**
 * Dimensions also kept in the narrow "totals" rollups (few rows per bucket): questions that only
 * filter and group by these read those tables instead of the full ones.
 */
export const TOTALS_DIMENSIONS: ReadonlySet<RollupDimension> = new Set(['team', 'service', 'status_class']);

/** Additive counters of a rollup row, in column order. Latencies are integer microseconds, money micro-dollars. */
export const ROLLUP_COUNTERS = [
  'requests',
  'bytes_in',
  'bytes_out',
  'latency_sum_us',
  'upstream_latency_sum_us',
  'upstream_requests',
  'gateway_latency_sum_us',
  'retries',
  'cache_hits',
  'cache_misses',
  'rate_limited',
  'ai_requests',
  'prompt_tokens',
  'completion_tokens',
  'cached_tokens',
  'reasoning_tokens',
  'cost_micro_usd',
  'ttft_sum_us',
  'ttft_requests',
] as const;
export type RollupCounter = (typeof ROLLUP_COUNTERS)[number];

/** Request counts per status class, computed from the key's status_class when a metric needs them. */
export const CLASS_SUMS = ['requests_1xx', 'requests_2xx', 'requests_3xx', 'requests_4xx', 'requests_5xx'] as const;
export type ClassSum = (typeof CLASS_SUMS)[number];

export type SumName = RollupCounter | ClassSum;

/** Summed counters of a set of rollup rows, and their summed histogram when asked for. */
export type RollupSums = Record<SumName, number> & { hist: number[] | null };

interface MetricDef {
  sums: readonly SumName[];
  hist?: boolean;
  value(s: RollupSums): number | null;
}

const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);
const sum = (name: SumName): MetricDef => ({ sums: [name], value: (s) => s[name] });
const quantile = (q: number): MetricDef => ({ sums: [], hist: true, value: (s) => (s.hist ? histQuantile(s.hist, q) : null) });

export const METRICS = {
  requests: sum('requests'),
  requests_1xx: sum('requests_1xx'),
  requests_2xx: sum('requests_2xx'),
  requests_3xx: sum('requests_3xx'),
  requests_4xx: sum('requests_4xx'),
  requests_5xx: sum('requests_5xx'),
  /** 4xx and 5xx. */
  errors: { sums: ['requests_4xx', 'requests_5xx'], value: (s) => s.requests_4xx + s.requests_5xx },
  error_rate: {
    sums: ['requests', 'requests_4xx', 'requests_5xx'],
    value: (s) => ratio(s.requests_4xx + s.requests_5xx, s.requests),
  },
  server_error_rate: { sums: ['requests', 'requests_5xx'], value: (s) => ratio(s.requests_5xx, s.requests) },
  bytes_in: sum('bytes_in'),
  bytes_out: sum('bytes_out'),
  latency_avg_ms: { sums: ['requests', 'latency_sum_us'], value: (s) => ratio(s.latency_sum_us / 1000, s.requests) },
  latency_p50_ms: quantile(0.5),
  latency_p90_ms: quantile(0.9),
  latency_p95_ms: quantile(0.95),
  latency_p99_ms: quantile(0.99),
  upstream_latency_avg_ms: {
    sums: ['upstream_requests', 'upstream_latency_sum_us'],
    value: (s) => ratio(s.upstream_latency_sum_us / 1000, s.upstream_requests),
  },
  gateway_latency_avg_ms: {
    sums: ['requests', 'gateway_latency_sum_us'],
    value: (s) => ratio(s.gateway_latency_sum_us / 1000, s.requests),
  },
  retries: sum('retries'),
  rate_limited: sum('rate_limited'),
  cache_hits: sum('cache_hits'),
  cache_misses: sum('cache_misses'),
  cache_hit_ratio: { sums: ['cache_hits', 'cache_misses'], value: (s) => ratio(s.cache_hits, s.cache_hits + s.cache_misses) },
  ai_requests: sum('ai_requests'),
  prompt_tokens: sum('prompt_tokens'),
  completion_tokens: sum('completion_tokens'),
  total_tokens: { sums: ['prompt_tokens', 'completion_tokens'], value: (s) => s.prompt_tokens + s.completion_tokens },
  cached_tokens: sum('cached_tokens'),
  reasoning_tokens: sum('reasoning_tokens'),
  cost_usd: { sums: ['cost_micro_usd'], value: (s) => s.cost_micro_usd / 1e6 },
  ttft_avg_ms: { sums: ['ttft_requests', 'ttft_sum_us'], value: (s) => ratio(s.ttft_sum_us / 1000, s.ttft_requests) },
} satisfies Record<string, MetricDef>;

export type RollupMetric = keyof typeof METRICS;
export const ROLLUP_METRICS = Object.keys(METRICS) as RollupMetric[];

export function isRollupMetric(name: string): name is RollupMetric {
  return Object.prototype.hasOwnProperty.call(METRICS, name);
}

/** Sums to read for these metrics, and whether the histogram is needed. */
export function sumsFor(metrics: readonly RollupMetric[]): { sums: SumName[]; hist: boolean } {
  const sums = new Set<SumName>();
  let hist = false;
  for (const m of metrics) {
    const def: MetricDef = METRICS[m];
    for (const s of def.sums) sums.add(s);
    if (def.hist) hist = true;
  }
  return { sums: [...sums], hist };
}

export function metricValue(metric: RollupMetric, sums: RollupSums): number | null {
  const def: MetricDef = METRICS[metric];
  return def.value(sums);
}

/** Zeroed sums, to add rows into. */
export function emptySums(hist: boolean): RollupSums {
  const s = { hist: hist ? new Array<number>(HIST_BUCKETS).fill(0) : null } as RollupSums;
  for (const c of ROLLUP_COUNTERS) s[c] = 0;
  for (const c of CLASS_SUMS) s[c] = 0;
  return s;
}
