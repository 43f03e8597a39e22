/**
 * The store: one interface, two backends (SQLite embedded, PostgreSQL for clusters), one conformance
 * suite (test/store/conformance.ts) run against both.
 *
 * Scoping: every read and write of a team-owned resource takes a TeamScope. `'all'` is the
 * organisation view (org admins, the data plane, the CLI); a list of team ids limits what is seen and
 * touched. A resource outside the scope behaves exactly as if it did not exist (undefined / false),
 * so a team can never learn another team's ids.
 *
 * Every mutation of configuration bumps the config version in the same transaction, so data-plane
 * nodes polling `getConfigVersion()` see every change.
 */
import type { EncodedBatch } from './repos/call-segments.js';
import type {
  AdminTokenCreate,
  AdminTokenRecord,
  ApiKeyRecord,
  ApiKeyUpdate,
  App,
  AppCreate,
  AppUpdate,
  ConfigData,
  Policy,
  PolicyCreate,
  PolicyUpdate,
  Route,
  RouteCreate,
  RouteUpdate,
  Service,
  ServiceCreate,
  ServiceUpdate,
  Team,
  TeamCreate,
  TeamUpdate,
  Upstream,
  UpstreamCreate,
  UpstreamUpdate,
} from '../core/model.js';
import type {
  AiAlias,
  AiAliasUpdate,
  AiModelOverrideRecord,
  AiProvider,
  AiProviderCreate,
  AiProviderKeyRecord,
  AiProviderKeyUpdate,
  AiProviderUpdate,
  ProviderKeyStatus,
} from '../core/ai-model.js';
import type { CallBodies, CallRecord } from '../core/call-record.js';
import type { RollupDimension, RollupMetric } from '../analytics/metrics.js';
import type { Resolution } from '../analytics/ranges.js';

export type TeamScope = 'all' | readonly string[];

export interface ListQuery {
  /** 1..500, default 100. */
  limit?: number;
  /** Opaque cursor from a previous page's `next_cursor`. */
  cursor?: string;
  /** Only this team's resources (intersected with the scope). */
  team_id?: string;
  /** Case-insensitive substring of the name. */
  name?: string;
}

export interface Page<T> {
  items: T[];
  /** Null on the last page. */
  next_cursor: string | null;
}

/**
 * Create inputs as the store receives them: validated, defaults not yet applied (the store applies
 * them), and team_id resolved by the caller (required here).
 */
export type WithTeam<T> = Omit<T, 'team_id'> & { team_id: string };

export interface CrudRepo<TRecord, TCreate, TUpdate, TList extends ListQuery = ListQuery> {
  list(scope: TeamScope, query?: TList): Promise<Page<TRecord>>;
  get(scope: TeamScope, id: string): Promise<TRecord | undefined>;
  /** By name, unique per team (or per scope target for policies). */
  getByName(scope: TeamScope, teamId: string, name: string): Promise<TRecord | undefined>;
  create(input: TCreate): Promise<TRecord>;
  /** Undefined when the id is not visible in the scope. */
  update(scope: TeamScope, id: string, patch: TUpdate): Promise<TRecord | undefined>;
  /** False when the id is not visible in the scope. Throws GANTRY_ERR_IN_USE when still referenced. */
  delete(scope: TeamScope, id: string): Promise<boolean>;
}

/**
 * A CrudRepo whose rows may be organisation-wide (team_id null). `getByName` matches the team
 * exactly: a team id finds that team's row, null the organisation-wide one.
 */
export interface SharedCrudRepo<TRecord, TCreate, TUpdate> extends CrudRepo<TRecord, TCreate, TUpdate> {
  getByName(scope: TeamScope, teamId: string | null, name: string): Promise<TRecord | undefined>;
}

export interface RouteListQuery extends ListQuery {
  service_id?: string;
}
export interface PolicyListQuery extends ListQuery {
  scope?: 'global' | 'service' | 'route';
  target_id?: string;
  type?: string;
}
export interface ApiKeyListQuery extends ListQuery {
  app_id?: string;
}

export interface ApiKeyCreateInput {
  team_id: string;
  app_id: string;
  name: string;
  hint: string;
  key_hash: string;
  expires_at: string | null;
  enabled?: boolean;
}

export interface AdminTokenCreateInput extends Omit<AdminTokenCreate, 'team_id' | 'expires_at'> {
  team_id: string | null;
  hint: string;
  token_hash: string;
  expires_at: string | null;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';

  /** Creates tables or brings them to the latest version. Idempotent; safe with several nodes at once. */
  migrate(): Promise<{ applied: string[] }>;
  close(): Promise<void>;

  /**
   * Runs fn in one transaction with a store bound to it; everything fn does commits or rolls back
   * together (config version bumped once at most). Nested calls join the outer transaction.
   */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;

  teams: CrudRepo<Team, TeamCreate, TeamUpdate>;
  upstreams: CrudRepo<Upstream, WithTeam<UpstreamCreate>, UpstreamUpdate>;
  /** create/update throw GANTRY_ERR_VALIDATION when upstream_id is not an upstream of the same team. */
  services: CrudRepo<Service, WithTeam<ServiceCreate>, ServiceUpdate>;
  /** create takes the team from the service; throws GANTRY_ERR_VALIDATION when the service is not visible. */
  routes: CrudRepo<Route, RouteCreate & { team_id: string }, RouteUpdate, RouteListQuery>;
  apps: CrudRepo<App, WithTeam<AppCreate>, AppUpdate>;
  /** Policies of scope `global` have team_id null and are visible only to the `'all'` scope. */
  policies: CrudRepo<Policy, PolicyCreate & { team_id: string | null; name: string }, PolicyUpdate, PolicyListQuery>;

  apiKeys: {
    list(scope: TeamScope, query?: ApiKeyListQuery): Promise<Page<ApiKeyRecord>>;
    get(scope: TeamScope, id: string): Promise<ApiKeyRecord | undefined>;
    create(input: ApiKeyCreateInput): Promise<ApiKeyRecord>;
    update(scope: TeamScope, id: string, patch: ApiKeyUpdate): Promise<ApiKeyRecord | undefined>;
    delete(scope: TeamScope, id: string): Promise<boolean>;
  };

  /** Admin tokens are not configuration: changing them does not bump the config version. */
  adminTokens: {
    list(scope: TeamScope): Promise<AdminTokenRecord[]>;
    get(scope: TeamScope, id: string): Promise<AdminTokenRecord | undefined>;
    findByHash(tokenHash: string): Promise<AdminTokenRecord | undefined>;
    create(input: AdminTokenCreateInput): Promise<AdminTokenRecord>;
    delete(scope: TeamScope, id: string): Promise<boolean>;
    count(): Promise<number>;
  };

  /**
   * AI providers. `team_id` null = organisation-wide: visible to every scope for reading (teams may use
   * them), changeable only with the `'all'` scope. Deleting a provider deletes its keys; a provider
   * still named by an alias → GANTRY_ERR_IN_USE.
   */
  aiProviders: SharedCrudRepo<AiProvider, Omit<AiProviderCreate, 'team_id'> & { team_id: string | null }, AiProviderUpdate>;

  /** Provider keys; changing them bumps the config version (the data plane uses them). */
  aiProviderKeys: {
    list(scope: TeamScope, query?: ListQuery & { provider_id?: string }): Promise<Page<AiProviderKeyRecord>>;
    get(scope: TeamScope, id: string): Promise<AiProviderKeyRecord | undefined>;
    /** `id` is chosen by the caller, because the sealed secret is bound to it (AAD). */
    create(input: AiProviderKeyCreateInput): Promise<AiProviderKeyRecord>;
    update(scope: TeamScope, id: string, patch: AiProviderKeyUpdate): Promise<AiProviderKeyRecord | undefined>;
    /** Set by the data plane (401 → auth_failed) and cleared by re-enabling; bumps the version. */
    setStatus(id: string, status: ProviderKeyStatus, reason: string | null): Promise<void>;
    delete(scope: TeamScope, id: string): Promise<boolean>;
  };

  /** Aliases (virtual models); same visibility rules as providers. Names unique per team (null team: org-wide). */
  aiAliases: SharedCrudRepo<AiAlias, AiAliasCreateInput, AiAliasUpdateInput>;

  /** Catalog overrides and additions (organisation-wide); changes bump the config version. */
  aiModels: {
    list(): Promise<AiModelOverrideRecord[]>;
    get(id: string): Promise<AiModelOverrideRecord | undefined>;
    /** Create or replace the override for `id` (`<provider kind>/<model>`). */
    put(id: string, data: Record<string, unknown>): Promise<AiModelOverrideRecord>;
    delete(id: string): Promise<boolean>;
  };

  /** Daily AI usage rollups, written in batches off the hot path. Not configuration: no version bump. */
  aiUsage: {
    /** Adds each row's counters to its (day, team, app, key, service, provider, model) bucket. */
    record(rows: AiUsageDelta[]): Promise<void>;
    /** Sums over [from, to] (days, inclusive), grouped by the given dimensions, in scope. */
    query(scope: TeamScope, q: AiUsageQuery): Promise<AiUsageRow[]>;
  };

  /**
   * Call logs (issue 5), written in batches by the telemetry pipeline. Not configuration: no version
   * bump. Records are team-scoped by `team_id` (the team owning the route called).
   */
  callLogs: {
    /**
     * One transaction: the records, their bodies and the rollups. Records whose id is already stored
     * are skipped (replays are harmless). Bad records → GANTRY_ERR_VALIDATION and nothing is written.
     */
    insertBatch(records: readonly CallRecord[], bodies?: readonly CallBodies[]): Promise<{ inserted: number }>;
    /** insertBatch of a batch already validated and encoded by `encodeBatch` (repos/call-segments.ts), e.g. on another thread. */
    insertEncoded(batch: EncodedBatch): Promise<{ inserted: number }>;
    /** Newest first, in scope, filtered; `next_cursor` continues after the page's last record. */
    query(scope: TeamScope, filters?: CallLogFilters, page?: CallLogPageQuery): Promise<Page<CallRecord>>;
    /** One record with its captured bodies; undefined when absent or out of scope. */
    get(scope: TeamScope, id: string): Promise<CallLogDetail | undefined>;
    /** Retention: deletes records older than `cutoffMs` in small transactions; returns how many. */
    deleteBefore(cutoffMs: number, opts?: CallLogDeleteOptions): Promise<number>;
  };

  /** Analytics served from the rollups `callLogs.insertBatch` keeps (never from raw records). */
  callRollups: {
    /** Metrics per bucket of `resolution` (and per group); buckets without calls are left out. */
    series(scope: TeamScope, q: RollupSeriesQuery): Promise<RollupSeries>;
    /** The `limit` values of `dimension` with the highest `metric` over [from, to). */
    top(scope: TeamScope, q: RollupTopQuery): Promise<RollupTopRow[]>;
    /** Latency quantiles over [from, to), overall or per value of `by`, from summed histograms. */
    percentiles(scope: TeamScope, q: RollupPercentilesQuery): Promise<RollupPercentilesRow[]>;
    /** Retention: deletes buckets of `resolution` starting before `cutoffMs`; returns rows deleted. */
    deleteBefore(resolution: Resolution, cutoffMs: number): Promise<number>;
  };

  /** Monotonic; bumped by every configuration change. */
  getConfigVersion(): Promise<number>;
  /** The whole configuration at one version, read in one transaction (consistent). */
  loadConfig(): Promise<ConfigData>;
}

export interface AiProviderKeyCreateInput {
  id: string;
  provider_id: string;
  team_id: string | null;
  name: string;
  hint: string;
  sealed_secret: string;
  priority: number;
  enabled: boolean;
}

export interface AiAliasCreateInput {
  name: string;
  team_id: string | null;
  description?: string;
  strategy?: 'fallback' | 'weighted';
  /** Provider ids resolved by the caller. */
  targets: Array<{ provider_id: string; model: string; weight?: number }>;
}
export type AiAliasUpdateInput = Partial<Omit<AiAliasCreateInput, 'team_id'>>;
/** For the CrudRepo contract: alias updates take resolved targets too. */
export type { AiAliasUpdate };

export type AiUsageDimension = 'day' | 'team' | 'app' | 'key' | 'service' | 'provider' | 'model';

export interface AiUsageCounters {
  requests: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
  cached_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  /** Requests whose tokens were estimated by Gantry (the provider reported none). */
  estimated_requests: number;
  /** USD, stored exactly as integer micro-dollars. */
  cost_usd: number;
  /** USD a cache hit saved (issue: AI caching). */
  saved_usd: number;
}

export interface AiUsageDelta extends AiUsageCounters {
  /** YYYY-MM-DD (UTC). */
  day: string;
  team_id: string;
  app_id: string | null;
  key_id: string | null;
  service_id: string | null;
  /** Provider id. */
  provider_id: string;
  /** The model served, `<kind>/<model>`. */
  model: string;
}

export interface AiUsageQuery {
  from: string;
  to: string;
  group_by: AiUsageDimension[];
  team_id?: string;
  app_id?: string;
  model?: string;
  provider_id?: string;
}

export interface AiUsageRow extends AiUsageCounters {
  day?: string;
  team_id?: string;
  app_id?: string | null;
  key_id?: string | null;
  service_id?: string | null;
  provider_id?: string;
  model?: string;
}

/** Filters of the call-log query; all optional, combined with AND. Times are epoch ms, [from, to). */
export interface CallLogFilters {
  from?: number;
  to?: number;
  team_id?: string;
  service_id?: string;
  route_id?: string;
  app_id?: string;
  key_id?: string;
  /** 1..5 for 1xx..5xx; several are OR-ed. */
  status_class?: number | number[];
  status?: number | number[];
  error_code?: string;
  provider_id?: string;
  /** The model that served the call (`<kind>/<model>`). */
  model?: string;
  method?: string;
  request_id?: string;
  /**
   * Starting with `/`: a path prefix (case-sensitive, served by an index at any table size).
   * Otherwise text anywhere in the path, case-insensitive (narrow the time range or other filters).
   */
  path?: string;
}

export interface CallLogPageQuery {
  /** 1..500, default 100. */
  limit?: number;
  cursor?: string | null;
}

export interface CallLogDetail extends CallRecord {
  bodies: CallBodies | null;
}

export interface CallLogDeleteOptions {
  /** Only this team's records. */
  team_id?: string;
  /** Every team's records but these (teams with a retention of their own). */
  except_team_ids?: readonly string[];
  /** Records per transaction, default 5000. */
  batch_size?: number;
}

/** Filters over rollup dimensions; null matches calls without that dimension (no app, no error...). */
export interface RollupFilters {
  team_id?: string;
  service_id?: string | null;
  route_id?: string | null;
  app_id?: string | null;
  status_class?: number | number[];
  error_code?: string | null;
  provider_id?: string | null;
  model?: string | null;
}

/** A group's dimension values: ids as strings, status_class as a number, null for "none". */
export type RollupGroup = Partial<Record<RollupDimension, string | number | null>>;

export interface RollupSeriesQuery {
  /** Epoch ms; widened to whole buckets of the resolution. */
  from: number;
  to: number;
  resolution: Resolution;
  metrics: RollupMetric[];
  filters?: RollupFilters;
  group_by?: RollupDimension[];
}

export interface RollupSeriesPoint {
  /** Bucket start, epoch ms. */
  time: number;
  /** Present when grouping. */
  group?: RollupGroup;
  values: Partial<Record<RollupMetric, number | null>>;
}

export interface RollupSeries {
  resolution: Resolution;
  /** The range actually covered (whole buckets). */
  from: number;
  to: number;
  /** In time order, then group order. */
  points: RollupSeriesPoint[];
}

export interface RollupTopQuery {
  /** Epoch ms; widened to whole minutes. */
  from: number;
  to: number;
  dimension: RollupDimension;
  metric: RollupMetric;
  /** 1..100, default 10. */
  limit?: number;
  filters?: RollupFilters;
}

export interface RollupTopRow {
  /** The dimension's value (null: calls without it). */
  key: string | number | null;
  value: number | null;
  requests: number;
}

export interface RollupPercentilesQuery {
  from: number;
  to: number;
  /** Omitted: one row over everything in scope. */
  by?: RollupDimension;
  /** Each in (0, 1]; default [0.5, 0.95, 0.99]. */
  quantiles?: number[];
  filters?: RollupFilters;
}

export interface RollupPercentilesRow {
  /** Absent without `by`. */
  key?: string | number | null;
  requests: number;
  /** Latency in ms per quantile, keyed `p50`, `p95`, `p99.9`... */
  latency_ms: Record<string, number | null>;
}
