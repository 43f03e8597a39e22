import type { AiUsageCounters, AiUsageDimension, AiUsageRow } from '../../../store/types.js';
import type { UsageCounters, UsageReport, UsageRow } from './schema.js';

const FIELD: Record<AiUsageDimension, keyof AiUsageRow> = {
  day: 'day',
  team: 'team_id',
  app: 'app_id',
  key: 'key_id',
  service: 'service_id',
  provider: 'provider_id',
  model: 'model',
};

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

/** Costs are kept exactly as micro-dollars; sums of floats must not show 0.30000000000000004. */
function usd(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

function counters(source: AiUsageCounters): UsageCounters {
  const out = {} as UsageCounters;
  for (const field of COUNTS) out[field] = source[field];
  out.cost_usd = usd(source.cost_usd);
  out.saved_usd = usd(source.saved_usd);
  return out;
}

function totalOf(rows: readonly AiUsageRow[]): UsageCounters {
  const sum: AiUsageCounters = {
    requests: 0,
    errors: 0,
    prompt_tokens: 0,
    completion_tokens: 0,
    cached_read_tokens: 0,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    estimated_requests: 0,
    cost_usd: 0,
    saved_usd: 0,
  };
  for (const row of rows) {
    for (const field of COUNTS) sum[field] += row[field];
    sum.cost_usd += row.cost_usd;
    sum.saved_usd += row.saved_usd;
  }
  return counters(sum);
}

export function presentUsage(rows: readonly AiUsageRow[], groupBy: readonly AiUsageDimension[]): UsageReport {
  const data = rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (const dimension of groupBy) out[FIELD[dimension]] = row[FIELD[dimension]] ?? null;
    return { ...out, ...counters(row) } as UsageRow;
  });
  return { data, totals: totalOf(rows) };
}
