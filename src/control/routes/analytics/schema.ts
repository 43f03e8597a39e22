import { Type, type Static, type TProperties } from '@sinclair/typebox';
import { ROLLUP_DIMENSIONS, ROLLUP_METRICS } from '../../../analytics/metrics.js';
import { Nullable, ResourceId, routeSchema } from '../common/schema.js';
import { TimeParam } from '../common/time.js';

const tags = ['analytics'];

const list = (names: readonly string[], what: string, maxLength = 512) =>
  Type.String({
    pattern: `^(?:${names.join('|')})(?:,(?:${names.join('|')}))*$`,
    maxLength,
    description: `Comma-separated ${what} among ${names.join(', ')}.`,
  });

const Dimension = Type.Union(ROLLUP_DIMENSIONS.map((d) => Type.Literal(d)));
const Metric = Type.Union(ROLLUP_METRICS.map((m) => Type.Literal(m)));

/** Filters every analytics question takes: one value each; `none` matches calls without it. */
const FilterProperties = {
  team_id: Type.Optional(ResourceId),
  service_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'A service id, or `none`.' })),
  route_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'A route id, or `none` (calls that matched no route).' })),
  app_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'An app id, or `none` (anonymous calls).' })),
  status_class: Type.Optional(
    Type.String({ pattern: '^[1-5](?:xx)?(?:,[1-5](?:xx)?)*$', maxLength: 32, description: 'Comma-separated status classes: `4xx,5xx` (or `4,5`).' }),
  ),
  error_code: Type.Optional(Type.String({ pattern: '^(?:GANTRY_ERR_[A-Z0-9_]+|none)$', maxLength: 64, description: 'A GANTRY_ERR_... code, or `none`.' })),
  provider_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'An AI provider id, or `none`.' })),
  model: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'The model served, `<kind>/<model>`, or `none`.' })),
} satisfies TProperties;

const range = {
  from: Type.Optional(TimeParam('Start of the range (inclusive); default: 24 hours before `to`.')),
  to: Type.Optional(TimeParam('End of the range (exclusive); default: now.')),
};

export const SeriesQuery = Type.Object(
  {
    ...range,
    resolution: Type.Optional(Type.Union([Type.Literal('minute'), Type.Literal('hour'), Type.Literal('day')], { default: 'minute' })),
    metrics: Type.Optional(list(ROLLUP_METRICS, 'metrics', 1024)),
    group_by: Type.Optional(list(ROLLUP_DIMENSIONS, 'dimensions', 128)),
    ...FilterProperties,
  },
  { additionalProperties: false },
);
export type SeriesQuery = Static<typeof SeriesQuery>;

export const TopQuery = Type.Object(
  {
    ...range,
    dimension: Dimension,
    metric: Type.Optional(Metric),
    limit: Type.Optional(Type.String({ pattern: '^(?:[1-9]|[1-9][0-9]|100)$', description: '1 to 100 (default 10).' })),
    ...FilterProperties,
  },
  { additionalProperties: false },
);
export type TopQuery = Static<typeof TopQuery>;

export const PercentilesQuery = Type.Object(
  {
    ...range,
    by: Type.Optional(Dimension),
    quantiles: Type.Optional(
      Type.String({ pattern: '^(?:0?\\.\\d+|1(?:\\.0+)?)(?:,(?:0?\\.\\d+|1(?:\\.0+)?))*$', maxLength: 128, description: 'Comma-separated quantiles in (0, 1]; default 0.5,0.95,0.99.' }),
    ),
    ...FilterProperties,
  },
  { additionalProperties: false },
);
export type PercentilesQuery = Static<typeof PercentilesQuery>;

const Key = Nullable(Type.Union([Type.String(), Type.Integer()], { description: 'The dimension’s value; null: calls without it.' }));
const Values = Type.Record(Type.String(), Nullable(Type.Number()), { description: 'Metric name → value (null: undefined, e.g. a ratio of nothing).' });
const Time = Type.String({ description: 'RFC 3339.' });

export const SeriesView = Type.Object({
  resolution: Type.String(),
  from: Time,
  to: Time,
  metrics: Type.Array(Type.String()),
  points: Type.Array(
    Type.Object({
      time: Type.String({ description: 'Bucket start, RFC 3339.' }),
      group: Type.Optional(Type.Record(Type.String(), Key)),
      values: Values,
    }),
  ),
});
export type SeriesView = Static<typeof SeriesView>;

export const TopView = Type.Object({
  from: Time,
  to: Time,
  dimension: Type.String(),
  metric: Type.String(),
  data: Type.Array(Type.Object({ key: Key, value: Nullable(Type.Number()), requests: Type.Integer() })),
});
export type TopView = Static<typeof TopView>;

export const PercentilesView = Type.Object({
  from: Time,
  to: Time,
  by: Nullable(Type.String()),
  data: Type.Array(
    Type.Object({
      key: Type.Optional(Key),
      requests: Type.Integer(),
      latency_ms: Type.Record(Type.String(), Nullable(Type.Number()), { description: 'Quantile (`p50`, `p95`, `p99.9`) → latency in ms.' }),
    }),
  ),
});
export type PercentilesView = Static<typeof PercentilesView>;

const scoped = 'Served from rollups kept as calls are written (never by scanning call records); team tokens see their team only.';

export const getSeries = routeSchema({
  tags,
  summary: 'Time series of call metrics',
  description: `Metrics per minute, hour or day bucket over [from, to), optionally per group. Buckets without calls are left out. ${scoped}`,
  querystring: SeriesQuery,
  response: { 200: SeriesView },
});

export const getTop = routeSchema({
  tags,
  summary: 'Top services, apps, models, errors...',
  description: `The values of \`dimension\` with the highest \`metric\` (default requests) over [from, to). ${scoped}`,
  querystring: TopQuery,
  response: { 200: TopView },
});

export const getPercentiles = routeSchema({
  tags,
  summary: 'Latency percentiles',
  description: `Latency quantiles over [from, to), overall or per value of \`by\`, from summed latency histograms (log-scale buckets, two per doubling: an estimate is within a factor of √2 of the true value, usually much closer). ${scoped}`,
  querystring: PercentilesQuery,
  response: { 200: PercentilesView },
});
