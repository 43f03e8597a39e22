import { Type, type Static } from '@sinclair/typebox';
import { Nullable, ResourceId, PageOf, routeSchema } from '../common/schema.js';
import { TimeParam } from '../common/time.js';

const tags = ['calls'];
const Id = Type.String({ minLength: 1, maxLength: 64 });

export const CallListQuery = Type.Object(
  {
    from: Type.Optional(TimeParam('Calls that arrived at or after this time.')),
    to: Type.Optional(TimeParam('Calls that arrived before this time.')),
    team_id: Type.Optional(ResourceId),
    service_id: Type.Optional(ResourceId),
    route_id: Type.Optional(ResourceId),
    app_id: Type.Optional(ResourceId),
    key_id: Type.Optional(ResourceId),
    status_class: Type.Optional(
      Type.String({ pattern: '^[1-5](?:xx)?(?:,[1-5](?:xx)?)*$', maxLength: 32, description: 'Comma-separated status classes: `4xx,5xx` (or `4,5`).' }),
    ),
    status: Type.Optional(Type.String({ pattern: '^[1-5]\\d\\d(?:,[1-5]\\d\\d)*$', maxLength: 64, description: 'Comma-separated statuses, e.g. `429,503`.' })),
    error_code: Type.Optional(Type.String({ pattern: '^GANTRY_ERR_[A-Z0-9_]+$', maxLength: 64, description: 'A GANTRY_ERR_... code.' })),
    provider_id: Type.Optional(ResourceId),
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'The model that served the call, `<kind>/<model>`.' })),
    method: Type.Optional(Type.String({ pattern: '^[A-Z]{1,16}$', description: 'HTTP method, upper case.' })),
    request_id: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'The X-Request-Id of the call.' })),
    path: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 512,
        description: 'Starting with `/`: a path prefix (case-sensitive). Otherwise text anywhere in the path, case-insensitive: every stored segment in the window is read, so narrow the time range or add a filter.',
      }),
    ),
    limit: Type.Optional(Type.String({ pattern: '^(?:[1-9][0-9]?|[1-4][0-9]{2}|500)$', description: 'Page size, 1 to 500 (default 100).' })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: "A previous page's next_cursor." })),
  },
  { additionalProperties: false },
);
export type CallListQuery = Static<typeof CallListQuery>;

export const CallIdParams = Type.Object({ id: Type.String({ pattern: '^call_[0-9a-z]{26}$', description: 'A call id.' }) }, { additionalProperties: false });
export type CallIdParams = Static<typeof CallIdParams>;

const Ms = Type.Number({ description: 'Milliseconds.' });

export const CallAiView = Type.Object({
  endpoint: Nullable(Type.String()),
  provider_id: Nullable(Type.String()),
  provider_kind: Nullable(Type.String()),
  model_requested: Type.String(),
  model_served: Nullable(Type.String()),
  prompt_tokens: Type.Integer(),
  completion_tokens: Type.Integer(),
  cached_tokens: Type.Integer(),
  cache_write_tokens: Type.Integer(),
  reasoning_tokens: Type.Integer(),
  tokens_estimated: Type.Boolean({ description: 'Gantry estimated the tokens (the provider reported none).' }),
  cost_usd: Type.Number(),
  streamed: Type.Boolean(),
  ttft_ms: Nullable(Ms),
  fallback_path: Type.Array(
    Type.Object({ provider: Type.String(), model: Type.String(), status: Nullable(Type.Integer()), outcome: Nullable(Type.String()) }),
    { description: 'Every provider attempt, in order.' },
  ),
});

export const CallView = Type.Object({
  id: Type.String({ description: 'call_..., sorts by time.' }),
  request_id: Type.String(),
  time: Type.String({ description: 'Arrival, RFC 3339.' }),
  node: Type.String(),
  trace_id: Nullable(Type.String({ description: 'W3C trace id sent upstream (or received).' })),
  team_id: Nullable(Id),
  service_id: Nullable(Id),
  route_id: Nullable(Id),
  app_id: Nullable(Id),
  key_id: Nullable(Id),
  client_ip: Type.String(),
  method: Type.String(),
  host: Type.String(),
  path: Type.String(),
  query: Type.String({ description: 'Redacted.' }),
  status: Type.Integer(),
  error_code: Nullable(Type.String()),
  bytes_in: Type.Integer(),
  bytes_out: Type.Integer(),
  latency_total_ms: Ms,
  latency_upstream_ms: Nullable(Ms),
  latency_gateway_ms: Ms,
  upstream_target: Nullable(Type.String()),
  upstream_status: Nullable(Type.Integer()),
  retries: Type.Integer(),
  cache_status: Nullable(Type.String({ description: 'HIT, MISS, STALE, REVALIDATED, BYPASS; null without a cache policy.' })),
  rate_limit: Nullable(Type.String({ description: 'allowed, limited, failed_open, failed_closed; null without a rate-limit policy.' })),
  ai: Nullable(CallAiView),
});
export type CallView = Static<typeof CallView>;

export const CallBodiesView = Type.Object({
  request_body: Nullable(Type.String()),
  response_body: Nullable(Type.String()),
  request_headers: Nullable(Type.Record(Type.String(), Type.String())),
  response_headers: Nullable(Type.Record(Type.String(), Type.String())),
  truncated: Type.Boolean({ description: 'A body was longer than the route’s max_body_bytes and was cut.' }),
});

export const CallDetailView = Type.Object({
  ...CallView.properties,
  bodies: Nullable(CallBodiesView),
});
export type CallDetailView = Static<typeof CallDetailView>;

export const listCalls = routeSchema({
  tags,
  summary: 'Search call logs',
  description:
    'Newest first. Every filter is optional and they combine with AND; team tokens see their team’s calls only ' +
    '(calls are owned by the team of the route called). Follow `next_cursor` for older calls.',
  querystring: CallListQuery,
  response: { 200: PageOf(CallView) },
});

export const getCall = routeSchema({
  tags,
  summary: 'One call, with its captured bodies',
  description: 'Bodies and headers are present when the route’s `call-log` policy captured them, already redacted.',
  params: CallIdParams,
  response: { 200: CallDetailView },
});
