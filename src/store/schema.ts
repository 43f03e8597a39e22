/**
 * The database as Kysely sees it. Portable column types only, so one migration set serves SQLite and
 * PostgreSQL: ids and timestamps (ISO 8601) are text, JSON is text, booleans are integer 0/1.
 */
import type { ColumnType } from 'kysely';

/** 0 or 1. */
export type BoolInt = number;
/** A JSON document stored as text. */
export type JsonText = string;

interface Meta {
  id: string;
  created_at: string;
  updated_at: string;
}

export interface TeamsTable extends Meta {
  name: string;
  description: string;
}

export interface UpstreamsTable extends Meta {
  team_id: string;
  name: string;
  description: string;
  algorithm: string;
  targets: JsonText;
  health_checks: JsonText;
}

export interface ServicesTable extends Meta {
  team_id: string;
  name: string;
  description: string;
  kind: string;
  upstream_id: string | null;
  path: string;
  preserve_host: BoolInt;
  timeouts: JsonText;
  retries: number;
  enabled: BoolInt;
  ai: JsonText;
}

export interface RoutesTable extends Meta {
  team_id: string;
  service_id: string;
  name: string;
  description: string;
  methods: JsonText;
  hosts: JsonText;
  paths: JsonText;
  strip_prefix: BoolInt;
  rewrite_path: string | null;
  enabled: BoolInt;
}

export interface AppsTable extends Meta {
  team_id: string;
  name: string;
  description: string;
  ai_limits: JsonText;
}

export interface ApiKeysTable extends Meta {
  team_id: string;
  app_id: string;
  name: string;
  hint: string;
  key_hash: string;
  enabled: BoolInt;
  expires_at: string | null;
}

export interface PoliciesTable extends Meta {
  team_id: string | null;
  name: string;
  type: string;
  scope: string;
  target_id: string | null;
  config: JsonText;
  enabled: BoolInt;
  priority: number | null;
}

export interface AdminTokensTable extends Meta {
  name: string;
  role: string;
  team_id: string | null;
  hint: string;
  token_hash: string;
  expires_at: string | null;
}

export interface AiProvidersTable extends Meta {
  team_id: string | null;
  name: string;
  kind: string;
  description: string;
  base_url: string | null;
  settings: JsonText;
  enabled: BoolInt;
}

export interface AiProviderKeysTable extends Meta {
  provider_id: string;
  team_id: string | null;
  name: string;
  hint: string;
  sealed_secret: string;
  priority: number;
  enabled: BoolInt;
  status: string;
  status_reason: string | null;
  status_changed_at: string | null;
}

export interface AiAliasesTable extends Meta {
  team_id: string | null;
  name: string;
  description: string;
  strategy: string;
  /** [{ provider_id, model, weight }] */
  targets: JsonText;
}

export interface AiModelOverridesTable extends Meta {
  data: JsonText;
}

/** A bigint column: PostgreSQL returns bigint (and its sums) as a string. */
export type BigIntColumn = ColumnType<number | string, number, number>;

/** One bucket per (day, team, app, key, service, provider, model); '' stands for "no app/key/service". */
export interface AiUsageDailyTable {
  day: string;
  team_id: string;
  app_id: string;
  key_id: string;
  service_id: string;
  provider_id: string;
  model: string;
  requests: BigIntColumn;
  errors: BigIntColumn;
  prompt_tokens: BigIntColumn;
  completion_tokens: BigIntColumn;
  cached_read_tokens: BigIntColumn;
  cache_write_tokens: BigIntColumn;
  reasoning_tokens: BigIntColumn;
  estimated_requests: BigIntColumn;
  cost_micro_usd: BigIntColumn;
  saved_micro_usd: BigIntColumn;
}

/** One row (id 1). PostgreSQL returns bigint as a string, hence the read type. */
export interface ConfigStateTable {
  id: number;
  version: ColumnType<number | string, number, number>;
}

export interface Database {
  teams: TeamsTable;
  upstreams: UpstreamsTable;
  services: ServicesTable;
  routes: RoutesTable;
  apps: AppsTable;
  api_keys: ApiKeysTable;
  policies: PoliciesTable;
  admin_tokens: AdminTokensTable;
  ai_providers: AiProvidersTable;
  ai_provider_keys: AiProviderKeysTable;
  ai_aliases: AiAliasesTable;
  ai_model_overrides: AiModelOverridesTable;
  ai_usage_daily: AiUsageDailyTable;
  config_state: ConfigStateTable;
}

/** Tables of named, team-owned configuration, paged by id. */
export type ResourceTable = Exclude<keyof Database, 'config_state' | 'ai_model_overrides' | 'ai_usage_daily'>;
