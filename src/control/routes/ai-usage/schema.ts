import { Type, type Static } from '@sinclair/typebox';
import { Nullable, ResourceId, routeSchema } from '../common/schema.js';

const tags = ['ai-usage'];

export const DIMENSIONS = ['day', 'team', 'app', 'key', 'service', 'provider', 'model'] as const;
const DIMENSION = `(?:${DIMENSIONS.join('|')})`;
const day = (description: string) => Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description });
const Day = day('YYYY-MM-DD (UTC)');

export const UsageQuery = Type.Object(
  {
    from: Type.Optional(day('First day, YYYY-MM-DD (UTC); default: 29 days before `to`.')),
    to: Type.Optional(day('Last day, inclusive, YYYY-MM-DD (UTC); default: today. At most 400 days from `from` to `to`.')),
    group_by: Type.Optional(
      Type.String({
        pattern: `^${DIMENSION}(?:,${DIMENSION})*$`,
        maxLength: 128,
        description: `Comma-separated dimensions among ${DIMENSIONS.join(', ')}; default: day.`,
      }),
    ),
    team_id: Type.Optional(ResourceId),
    app_id: Type.Optional(ResourceId),
    provider_id: Type.Optional(ResourceId),
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'The model served, `<kind>/<model>`.' })),
  },
  { additionalProperties: false },
);
export type UsageQuery = Static<typeof UsageQuery>;

const Count = Type.Integer({ minimum: 0 });
const Usd = Type.Number({ description: 'USD.' });

export const UsageCounters = Type.Object({
  requests: Count,
  errors: Count,
  prompt_tokens: Count,
  completion_tokens: Count,
  cached_read_tokens: Count,
  cache_write_tokens: Count,
  reasoning_tokens: Count,
  estimated_requests: Type.Integer({ minimum: 0, description: 'Requests whose tokens Gantry estimated (the provider reported none).' }),
  cost_usd: Usd,
  saved_usd: Type.Number({ description: 'USD that cache hits saved.' }),
});
export type UsageCounters = Static<typeof UsageCounters>;

/** A row carries the dimensions it was grouped by, then the sums. */
export const UsageRow = Type.Object({
  day: Type.Optional(Day),
  team_id: Type.Optional(ResourceId),
  app_id: Type.Optional(Nullable(ResourceId)),
  key_id: Type.Optional(Nullable(ResourceId)),
  service_id: Type.Optional(Nullable(ResourceId)),
  provider_id: Type.Optional(ResourceId),
  model: Type.Optional(Type.String()),
  ...UsageCounters.properties,
});
export type UsageRow = Static<typeof UsageRow>;

export const UsageReport = Type.Object({
  data: Type.Array(UsageRow),
  totals: UsageCounters,
});
export type UsageReport = Static<typeof UsageReport>;

export const getUsage = routeSchema({
  tags,
  summary: 'AI usage and cost',
  description:
    'Daily rollups summed over [from, to] and grouped by `group_by`; team tokens see their team only. ' +
    'Costs are USD at the catalog prices in force when each call was made.',
  querystring: UsageQuery,
  response: { 200: UsageReport },
});
