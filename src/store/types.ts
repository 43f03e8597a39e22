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

  /** Monotonic; bumped by every configuration change. */
  getConfigVersion(): Promise<number>;
  /** The whole configuration at one version, read in one transaction (consistent). */
  loadConfig(): Promise<ConfigData>;
}
