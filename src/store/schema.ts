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
  upstream_id: string;
  path: string;
  preserve_host: BoolInt;
  timeouts: JsonText;
  retries: number;
  enabled: BoolInt;
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
  config_state: ConfigStateTable;
}

/** Tables of team-owned configuration, paged by id. */
export type ResourceTable = Exclude<keyof Database, 'config_state'>;
