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
