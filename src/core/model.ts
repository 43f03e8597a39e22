/**
 * Gantry's configuration resources. The TypeBox schemas here validate admin API input and the
 * declarative config file; the record types are what the store returns and what the data plane
 * compiles. Every resource but global policies belongs to a team (tenant).
 *
 * Conventions: snake_case fields on the wire and in the database; timestamps are ISO 8601 strings;
 * `id`, `created_at`, `updated_at` are set by the store.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { AiLimits } from './ai-limits.js';
import type { AiAlias, AiModelOverrideRecord, AiProvider, AiProviderKeyRecord } from './ai-model.js';

export const Name = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
  description: 'Letters, digits, dot, dash and underscore; starts with a letter or digit. Unique per team and kind.',
});
const Description = Type.String({ maxLength: 1000 });
const Id = Type.String({ minLength: 1, maxLength: 64 });
const Timestamp = Type.String({ format: 'date-time' });
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

const Meta = {
  id: Id,
  created_at: Timestamp,
  updated_at: Timestamp,
};

// ---------------------------------------------------------------- teams
export const TeamCreate = Type.Object(
  { name: Name, description: Type.Optional(Description) },
  { additionalProperties: false },
);
export const TeamUpdate = Type.Partial(TeamCreate, { additionalProperties: false });
export const Team = Type.Object({ ...Meta, name: Name, description: Type.String() });
export type TeamCreate = Static<typeof TeamCreate>;
export type TeamUpdate = Static<typeof TeamUpdate>;
export type Team = Static<typeof Team>;

// ---------------------------------------------------------------- upstreams
export const Target = Type.Object(
  {
    url: Type.String({
      minLength: 8,
      maxLength: 2048,
      pattern: '^https?://[^/?#\\s]+/?$',
      description: 'Origin of the target: http(s)://host:port, no path.',
    }),
    weight: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, default: 1, description: '0 drains the target.' })),
  },
  { additionalProperties: false },
);
export type Target = Static<typeof Target>;

export const ActiveHealthCheck = Type.Object(
  {
    enabled: Type.Boolean({ default: false }),
    path: Type.Optional(Type.String({ pattern: '^/', maxLength: 1024, default: '/' })),
    interval_ms: Type.Optional(Type.Integer({ minimum: 100, maximum: 3_600_000, default: 5000 })),
    timeout_ms: Type.Optional(Type.Integer({ minimum: 10, maximum: 60_000, default: 1000 })),
    healthy_threshold: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 2 })),
    unhealthy_threshold: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 2 })),
    expected_statuses: Type.Optional(
      Type.Array(Type.Integer({ minimum: 100, maximum: 599 }), { minItems: 1, maxItems: 50 }),
    ),
  },
  { additionalProperties: false },
);
export const PassiveHealthCheck = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    max_failures: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 3 })),
    cooldown_ms: Type.Optional(Type.Integer({ minimum: 100, maximum: 3_600_000, default: 10_000 })),
    /** Upstream statuses that count as failures besides connection errors and timeouts. */
    failure_statuses: Type.Optional(Type.Array(Type.Integer({ minimum: 500, maximum: 599 }), { maxItems: 100 })),
  },
  { additionalProperties: false },
);
export const HealthChecks = Type.Object(
  { active: Type.Optional(ActiveHealthCheck), passive: Type.Optional(PassiveHealthCheck) },
  { additionalProperties: false },
);
export type ActiveHealthCheck = Static<typeof ActiveHealthCheck>;
export type PassiveHealthCheck = Static<typeof PassiveHealthCheck>;
export type HealthChecks = Static<typeof HealthChecks>;

export const BalancingAlgorithm = Type.Union([Type.Literal('round-robin'), Type.Literal('least-connections')]);
export type BalancingAlgorithm = Static<typeof BalancingAlgorithm>;

export const UpstreamCreate = Type.Object(
  {
    name: Name,
    team_id: Type.Optional(Id),
    description: Type.Optional(Description),
    algorithm: Type.Optional(BalancingAlgorithm),
    targets: Type.Array(Target, { minItems: 1, maxItems: 256 }),
    health_checks: Type.Optional(HealthChecks),
  },
  { additionalProperties: false },
);
export const UpstreamUpdate = Type.Partial(Type.Omit(UpstreamCreate, ['team_id']), { additionalProperties: false });
export const Upstream = Type.Object({
  ...Meta,
  team_id: Id,
  name: Name,
  description: Type.String(),
  algorithm: BalancingAlgorithm,
  targets: Type.Array(Type.Object({ url: Type.String(), weight: Type.Integer() })),
  health_checks: HealthChecks,
});
export type UpstreamCreate = Static<typeof UpstreamCreate>;
export type UpstreamUpdate = Static<typeof UpstreamUpdate>;
export type Upstream = Static<typeof Upstream>;

// ---------------------------------------------------------------- services
export const Timeouts = Type.Object(
  {
    connect_ms: Type.Optional(Type.Integer({ minimum: 1, maximum: 600_000, default: 5000 })),
    header_ms: Type.Optional(Type.Integer({ minimum: 1, maximum: 3_600_000, default: 60_000 })),
    total_ms: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400_000, default: 300_000 })),
  },
  { additionalProperties: false },
);
export type Timeouts = Static<typeof Timeouts>;

export const ServiceKind = Type.Union([Type.Literal('http'), Type.Literal('ai')], {
  description: '`http` proxies to an upstream; `ai` serves the OpenAI- and Anthropic-compatible AI endpoints.',
});
export type ServiceKind = Static<typeof ServiceKind>;

/** Options of an `ai` service. */
export const AiServiceSettings = Type.Object(
  {
    /** Models and aliases this service offers (ids like `openai/gpt-4o`, alias names); empty: all the team may use. */
    models: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 1000 })),
    /** max_tokens sent to providers that require one (Anthropic, Bedrock) when the client gives none. */
    default_max_tokens: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    /** Attempts per target for retryable failures (429, 5xx, timeouts) before the next target. */
    retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
  },
  { additionalProperties: false },
);
export type AiServiceSettings = Static<typeof AiServiceSettings>;

export const ServiceCreate = Type.Object(
  {
    name: Name,
    team_id: Type.Optional(Id),
    description: Type.Optional(Description),
    kind: Type.Optional(ServiceKind),
    /** Required for `http` services; absent for `ai` services. */
    upstream_id: Type.Optional(Nullable(Id)),
    /** Prepended to the path sent upstream, e.g. `/v1`. */
    path: Type.Optional(Type.String({ maxLength: 1024, pattern: '^(/[^?#\\s]*)?$' })),
    /** Send the client's Host header upstream instead of the target's. */
    preserve_host: Type.Optional(Type.Boolean()),
    timeouts: Type.Optional(Timeouts),
    /** Extra attempts on another target, only where safe (connect failures; idempotent requests). */
    retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
    enabled: Type.Optional(Type.Boolean()),
    ai: Type.Optional(AiServiceSettings),
  },
  { additionalProperties: false },
);
export const ServiceUpdate = Type.Partial(Type.Omit(ServiceCreate, ['team_id', 'kind']), { additionalProperties: false });
export const Service = Type.Object({
  ...Meta,
  team_id: Id,
  name: Name,
  description: Type.String(),
  kind: ServiceKind,
  /** Null for `ai` services. */
  upstream_id: Nullable(Id),
  path: Type.String(),
  preserve_host: Type.Boolean(),
  timeouts: Type.Object({ connect_ms: Type.Integer(), header_ms: Type.Integer(), total_ms: Type.Integer() }),
  retries: Type.Integer(),
  enabled: Type.Boolean(),
  ai: AiServiceSettings,
});
export type ServiceCreate = Static<typeof ServiceCreate>;
export type ServiceUpdate = Static<typeof ServiceUpdate>;
export type Service = Static<typeof Service>;

export const SERVICE_DEFAULTS = {
  kind: 'http',
  ai: {},
  path: '',
  preserve_host: false,
  timeouts: { connect_ms: 5000, header_ms: 60_000, total_ms: 300_000 },
  retries: 2,
  enabled: true,
} as const;

// ---------------------------------------------------------------- routes
export const HttpMethod = Type.Union(
  ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].map((m) => Type.Literal(m)),
);
export const RouteCreate = Type.Object(
  {
    name: Name,
    service_id: Id,
    description: Type.Optional(Description),
    /** Empty or absent: every method. */
    methods: Type.Optional(Type.Array(HttpMethod, { maxItems: 7, uniqueItems: true })),
    /** Exact host names or `*.example.com`; empty: any host. */
    hosts: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 253, pattern: '^(\\*\\.)?[A-Za-z0-9.-]+(:[0-9]+)?$' }), {
        maxItems: 64,
      }),
    ),
    /**
     * `/users/:id` (params), `/static/*` (wildcard: also matches `/static`), or an exact path.
     * A route matches when any of its paths does.
     */
    paths: Type.Array(Type.String({ minLength: 1, maxLength: 1024, pattern: '^/[^?#\\s]*$' }), {
      minItems: 1,
      maxItems: 64,
    }),
    /** Remove the literal prefix before the first param or wildcard from the path sent upstream. */
    strip_prefix: Type.Optional(Type.Boolean()),
    /** Path template sent upstream instead, with `:param` and `*` substituted, e.g. `/v2/users/:id`. */
    rewrite_path: Type.Optional(Nullable(Type.String({ maxLength: 1024, pattern: '^/' }))),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export const RouteUpdate = Type.Partial(Type.Omit(RouteCreate, ['service_id']), { additionalProperties: false });
export const Route = Type.Object({
  ...Meta,
  team_id: Id,
  service_id: Id,
  name: Name,
  description: Type.String(),
  methods: Type.Array(Type.String()),
  hosts: Type.Array(Type.String()),
  paths: Type.Array(Type.String()),
  strip_prefix: Type.Boolean(),
  rewrite_path: Nullable(Type.String()),
  enabled: Type.Boolean(),
});
export type RouteCreate = Static<typeof RouteCreate>;
export type RouteUpdate = Static<typeof RouteUpdate>;
export type Route = Static<typeof Route>;

// ---------------------------------------------------------------- apps and keys
export const AppCreate = Type.Object(
  {
    name: Name,
    team_id: Type.Optional(Id),
    description: Type.Optional(Description),
    /** Limits on the app's AI usage; absent fields are unlimited. */
    ai_limits: Type.Optional(AiLimits),
  },
  { additionalProperties: false },
);
export const AppUpdate = Type.Partial(Type.Omit(AppCreate, ['team_id']), { additionalProperties: false });
export const App = Type.Object({ ...Meta, team_id: Id, name: Name, description: Type.String(), ai_limits: AiLimits });
export type AppCreate = Static<typeof AppCreate>;
export type AppUpdate = Static<typeof AppUpdate>;
export type App = Static<typeof App>;

export const ApiKeyCreate = Type.Object(
  {
    name: Type.Optional(Name),
    expires_at: Type.Optional(Nullable(Timestamp)),
  },
  { additionalProperties: false },
);
export const ApiKeyUpdate = Type.Object(
  { name: Type.Optional(Name), enabled: Type.Optional(Type.Boolean()), expires_at: Type.Optional(Nullable(Timestamp)) },
  { additionalProperties: false },
);
/** What is stored; `key_hash` never leaves the server through the admin API. */
export interface ApiKeyRecord {
  id: string;
  team_id: string;
  app_id: string;
  name: string;
  /** First characters of the key, to tell keys apart (`gk_AbCdEf`). */
  hint: string;
  key_hash: string;
  enabled: boolean;
  expires_at: string | null;
  created_at: string;
  updated_at: string;
}
export type ApiKeyCreate = Static<typeof ApiKeyCreate>;
export type ApiKeyUpdate = Static<typeof ApiKeyUpdate>;

// ---------------------------------------------------------------- policies
export const PolicyScope = Type.Union([Type.Literal('global'), Type.Literal('service'), Type.Literal('route')]);
export type PolicyScope = Static<typeof PolicyScope>;

export const PolicyCreate = Type.Object(
  {
    /** Defaults to the type. Unique per scope target. */
    name: Type.Optional(Name),
    type: Type.String({ minLength: 1, maxLength: 64 }),
    scope: PolicyScope,
    /** Service id for `service`, route id for `route`, absent for `global`. */
    target_id: Type.Optional(Nullable(Id)),
    config: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    enabled: Type.Optional(Type.Boolean()),
    /** Order among policies of the same phase; lower runs first. Defaults to the type's priority. */
    priority: Type.Optional(Nullable(Type.Integer({ minimum: -10_000, maximum: 10_000 }))),
  },
  { additionalProperties: false },
);
export const PolicyUpdate = Type.Partial(Type.Pick(PolicyCreate, ['name', 'config', 'enabled', 'priority']), {
  additionalProperties: false,
});
export const Policy = Type.Object({
  ...Meta,
  /** Null for global policies (organisation-wide). */
  team_id: Nullable(Id),
  name: Name,
  type: Type.String(),
  scope: PolicyScope,
  target_id: Nullable(Id),
  config: Type.Record(Type.String(), Type.Unknown()),
  enabled: Type.Boolean(),
  priority: Nullable(Type.Integer()),
});
export type PolicyCreate = Static<typeof PolicyCreate>;
export type PolicyUpdate = Static<typeof PolicyUpdate>;
export type Policy = Static<typeof Policy>;

// ---------------------------------------------------------------- admin identities
export const AdminRole = Type.Union([
  Type.Literal('org_admin'),
  Type.Literal('team_admin'),
  Type.Literal('team_viewer'),
]);
export type AdminRole = Static<typeof AdminRole>;
export const AdminTokenCreate = Type.Object(
  {
    name: Name,
    role: AdminRole,
    /** Required for team roles, absent for org_admin. */
    team_id: Type.Optional(Nullable(Id)),
    expires_at: Type.Optional(Nullable(Timestamp)),
  },
  { additionalProperties: false },
);
export type AdminTokenCreate = Static<typeof AdminTokenCreate>;
export interface AdminTokenRecord {
  id: string;
  name: string;
  role: AdminRole;
  team_id: string | null;
  hint: string;
  token_hash: string;
  expires_at: string | null;
  created_at: string;
  updated_at: string;
}

// ---------------------------------------------------------------- the whole configuration
/** Everything the data plane compiles into a snapshot. Keys carry hashes only. */
export interface ConfigData {
  version: number;
  teams: Team[];
  upstreams: Upstream[];
  services: Service[];
  routes: Route[];
  apps: App[];
  apiKeys: ApiKeyRecord[];
  policies: Policy[];
  aiProviders: AiProvider[];
  /** Keys with their sealed secrets; the data plane opens them with the node's secret key. */
  aiProviderKeys: AiProviderKeyRecord[];
  aiAliases: AiAlias[];
  aiModelOverrides: AiModelOverrideRecord[];
}
