/**
 * The initial schema, the same for SQLite and PostgreSQL (portable types only; see ../schema.ts).
 * Foreign keys back up the reference checks the repositories make, so a race between two writers
 * cannot leave a dangling reference. Policies point at a service or a route by `target_id`, and
 * AI aliases at providers inside their `targets` JSON, which no foreign key can express; the
 * repositories keep those consistent.
 *
 * NULL never equals NULL in a unique index, so uniqueness that must also hold for "no team" or "no
 * target" compares on coalesce(column, '') (ids are never empty).
 */
import { sql, type Kysely, type Migration } from 'kysely';

async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;

  await s
    .createTable('teams')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('teams_name_uq', ['name'])
    .execute();

  await s
    .createTable('upstreams')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('algorithm', 'text', (c) => c.notNull())
    .addColumn('targets', 'text', (c) => c.notNull())
    .addColumn('health_checks', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('upstreams_team_name_uq', ['team_id', 'name'])
    .execute();

  await s
    .createTable('services')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('http'))
    // Null for `ai` services, which call AI providers instead.
    .addColumn('upstream_id', 'text', (c) => c.references('upstreams.id'))
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('preserve_host', 'integer', (c) => c.notNull())
    .addColumn('timeouts', 'text', (c) => c.notNull())
    .addColumn('retries', 'integer', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('ai', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('services_team_name_uq', ['team_id', 'name'])
    .execute();
  await s.createIndex('services_upstream_idx').on('services').column('upstream_id').execute();

  // Route names are unique per team, not per service: simpler to address in the admin API and in
  // config files, and a route's service can then change without a rename.
  await s
    .createTable('routes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id'))
    .addColumn('service_id', 'text', (c) => c.notNull().references('services.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('methods', 'text', (c) => c.notNull())
    .addColumn('hosts', 'text', (c) => c.notNull())
    .addColumn('paths', 'text', (c) => c.notNull())
    .addColumn('strip_prefix', 'integer', (c) => c.notNull())
    .addColumn('rewrite_path', 'text')
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('routes_team_name_uq', ['team_id', 'name'])
    .execute();
  await s.createIndex('routes_service_idx').on('routes').column('service_id').execute();

  await s
    .createTable('apps')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('ai_limits', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('apps_team_name_uq', ['team_id', 'name'])
    .execute();

  await s
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id'))
    .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('hint', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('api_keys_hash_uq', ['key_hash'])
    .execute();
  await s.createIndex('api_keys_app_idx').on('api_keys').column('app_id').execute();
  await s.createIndex('api_keys_team_idx').on('api_keys').columns(['team_id', 'id']).execute();

  await s
    .createTable('policies')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('team_id', 'text', (c) => c.references('teams.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text')
    .addColumn('config', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('priority', 'integer')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  // Global policies (no target) compare on ''.
  await s
    .createIndex('policies_scope_target_name_uq')
    .on('policies')
    .unique()
    .expression(sql`scope, coalesce(target_id, ''), name`)
    .execute();
  await s.createIndex('policies_team_idx').on('policies').columns(['team_id', 'id']).execute();
  await s.createIndex('policies_target_idx').on('policies').column('target_id').execute();

  await s
    .createTable('admin_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('team_id', 'text', (c) => c.references('teams.id'))
    .addColumn('hint', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('admin_tokens_hash_uq', ['token_hash'])
    .execute();
  await s.createIndex('admin_tokens_team_idx').on('admin_tokens').column('team_id').execute();

  await createAiTables(db);

  await s
    .createTable('config_state')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .execute();
  await sql`insert into config_state (id, version) values (1, 0)`.execute(db);
}

/** AI providers and their keys, aliases, catalog overrides, and the daily usage rollup. */
async function createAiTables(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;

  // team_id null: organisation-wide, usable by every team.
  await s
    .createTable('ai_providers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('team_id', 'text', (c) => c.references('teams.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('base_url', 'text')
    .addColumn('settings', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await s
    .createIndex('ai_providers_team_name_uq')
    .on('ai_providers')
    .unique()
    .expression(sql`coalesce(team_id, ''), name`)
    .execute();
  await s.createIndex('ai_providers_team_idx').on('ai_providers').columns(['team_id', 'id']).execute();

  await s
    .createTable('ai_provider_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('provider_id', 'text', (c) => c.notNull().references('ai_providers.id').onDelete('cascade'))
    .addColumn('team_id', 'text', (c) => c.references('teams.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('hint', 'text', (c) => c.notNull())
    .addColumn('sealed_secret', 'text', (c) => c.notNull())
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
    .addColumn('status_reason', 'text')
    .addColumn('status_changed_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await s.createIndex('ai_provider_keys_provider_idx').on('ai_provider_keys').column('provider_id').execute();
  await s.createIndex('ai_provider_keys_team_idx').on('ai_provider_keys').columns(['team_id', 'id']).execute();

  await s
    .createTable('ai_aliases')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('team_id', 'text', (c) => c.references('teams.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('strategy', 'text', (c) => c.notNull())
    .addColumn('targets', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await s
    .createIndex('ai_aliases_team_name_uq')
    .on('ai_aliases')
    .unique()
    .expression(sql`coalesce(team_id, ''), name`)
    .execute();
  await s.createIndex('ai_aliases_team_idx').on('ai_aliases').columns(['team_id', 'id']).execute();

  await s
    .createTable('ai_model_overrides')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  // Usage is history, not configuration: no foreign keys, so it outlives the apps, keys and services
  // it names. Optional dimensions store '' for "none" (a primary key column cannot be NULL).
  // Money is integer micro-dollars, exact under addition.
  let usage = s
    .createTable('ai_usage_daily')
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('team_id', 'text', (c) => c.notNull())
    .addColumn('app_id', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('key_id', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('service_id', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('provider_id', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull());
  for (const counter of USAGE_COUNTERS) {
    usage = usage.addColumn(counter, 'bigint', (c) => c.notNull().defaultTo(0));
  }
  await usage
    .addPrimaryKeyConstraint('ai_usage_daily_pk', [
      'day',
      'team_id',
      'app_id',
      'key_id',
      'service_id',
      'provider_id',
      'model',
    ])
    .execute();
  await s.createIndex('ai_usage_daily_team_day_idx').on('ai_usage_daily').columns(['team_id', 'day']).execute();
  await s.createIndex('ai_usage_daily_app_day_idx').on('ai_usage_daily').columns(['app_id', 'day']).execute();
}

/** Counter columns of ai_usage_daily, as written by this migration (the repository has its own list). */
const USAGE_COUNTERS = [
  'requests',
  'errors',
  'prompt_tokens',
  'completion_tokens',
  'cached_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'estimated_requests',
  'cost_micro_usd',
  'saved_micro_usd',
] as const;

async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'ai_usage_daily',
    'ai_model_overrides',
    'ai_aliases',
    'ai_provider_keys',
    'ai_providers',
    'config_state',
    'admin_tokens',
    'policies',
    'api_keys',
    'apps',
    'routes',
    'services',
    'upstreams',
    'teams',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}

export const initial: Migration = { up, down };
