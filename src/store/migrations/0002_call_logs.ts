/**
 * Call logs (issue 5): raw records, captured bodies, and rollups kept as records are written.
 *
 * - `call_logs`: one row per call, AI fields as flat nullable columns so they can be filtered.
 *   Ids sort by time (48-bit ms first, see repos/call-ids.ts), so every index is (dimension, id):
 *   a time range is an id range, and "newest first, page after this id" walks one index in order.
 *   Indexes on mostly-null columns (app, error code, provider, model) are partial, so plain REST
 *   traffic does not pay for them; so is the status-class index, which leaves out 2xx.
 *   Request ids and paths are indexed behind a 10-second time bucket, so that their inserts stay
 *   local (see below). Ids and paths compare byte-wise (PostgreSQL: COLLATE "C"), so a path prefix
 *   is a range whatever the server's locale.
 * - `call_rollup_keys`: the dictionary of rollup dimension combinations (team, service, route, app,
 *   status class, error code, provider, model); rollup rows carry its integer id, which keeps them
 *   narrow and their upserts cheap. Rows are never deleted, so ids are stable.
 * - `call_rollups_{minute,hour,day}`: one row per bucket x key. Primary key (bucket, key_id) serves
 *   "everything in this range"; (key_id, bucket) serves "this app / route / model in this range".
 * - `call_totals_{minute,hour,day}`: the same counters keyed by (bucket, team, service, status class)
 *   only: a few rows per bucket, for the dashboards' unfiltered and per-service questions.
 *
 * Histograms are the 45 log-scale buckets of analytics/histogram.ts, as columns h0..h44.
 * On SQLite rollup tables are WITHOUT ROWID (the primary key is the table).
 */
import { PostgresAdapter, sql, type Kysely, type Migration, type SqlBool } from 'kysely';

const HIST = Array.from({ length: 45 }, (_, i) => `h${i}`);
const COUNTERS = [
  'requests',
  'bytes_in',
  'bytes_out',
  'latency_sum_us',
  'upstream_latency_sum_us',
  'upstream_requests',
  'gateway_latency_sum_us',
  'retries',
  'cache_hits',
  'cache_misses',
  'rate_limited',
  'ai_requests',
  'prompt_tokens',
  'completion_tokens',
  'cached_tokens',
  'reasoning_tokens',
  'cost_micro_usd',
  'ttft_sum_us',
  'ttft_requests',
];
const RESOLUTIONS = ['minute', 'hour', 'day'];
/** Bucket of the request-id and path indexes; repos/call-logs.ts must use the same expression. */
const SEARCH_BUCKET_MS = 10_000;

export function isPostgres(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** `call_logs` and its indexes as this migration made them (0006's down() makes it again from here). */
export async function createCallLogsTable(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;
  // Byte-wise comparison for columns searched by prefix or range.
  const bytewise = isPostgres(db) ? sql`collate "C"` : sql``;
  await s
    .createTable('call_logs')
    .addColumn('id', 'text', (c) => c.primaryKey().modifyFront(bytewise))
    .addColumn('time', 'bigint', (c) => c.notNull())
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('node', 'text', (c) => c.notNull())
    .addColumn('team_id', 'text')
    .addColumn('service_id', 'text')
    .addColumn('route_id', 'text')
    .addColumn('app_id', 'text')
    .addColumn('key_id', 'text')
    .addColumn('client_ip', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull().modifyFront(bytewise))
    .addColumn('query', 'text', (c) => c.notNull())
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('status_class', 'integer', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .addColumn('bytes_in', 'bigint', (c) => c.notNull())
    .addColumn('bytes_out', 'bigint', (c) => c.notNull())
    .addColumn('latency_total_ms', 'double precision', (c) => c.notNull())
    .addColumn('latency_upstream_ms', 'double precision')
    .addColumn('latency_gateway_ms', 'double precision', (c) => c.notNull())
    .addColumn('upstream_target', 'text')
    .addColumn('upstream_status', 'integer')
    .addColumn('retries', 'integer', (c) => c.notNull())
    .addColumn('cache_status', 'text')
    .addColumn('rate_limit', 'text')
    .addColumn('ai_endpoint', 'text')
    .addColumn('ai_provider_id', 'text')
    .addColumn('ai_provider_kind', 'text')
    .addColumn('ai_model_requested', 'text')
    .addColumn('ai_model_served', 'text')
    .addColumn('ai_prompt_tokens', 'integer')
    .addColumn('ai_completion_tokens', 'integer')
    .addColumn('ai_cached_tokens', 'integer')
    .addColumn('ai_cache_write_tokens', 'integer')
    .addColumn('ai_reasoning_tokens', 'integer')
    .addColumn('ai_tokens_estimated', 'integer')
    .addColumn('ai_cost_micro_usd', 'bigint')
    .addColumn('ai_streamed', 'integer')
    .addColumn('ai_ttft_ms', 'double precision')
    .addColumn('ai_fallback_path', 'text')
    .addColumn('has_bodies', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  const index = (name: string, columns: string[], where?: string) => {
    let b = s.createIndex(name).on('call_logs').columns(columns);
    if (where) b = b.where(sql.raw<SqlBool>(where));
    return b.execute();
  };
  await index('call_logs_team_idx', ['team_id', 'id']);
  await index('call_logs_service_idx', ['service_id', 'id']);
  await index('call_logs_route_idx', ['route_id', 'id']);
  // Request ids (random UUIDs) and paths come in no useful order: indexed plainly, each insert would
  // land on a random page of an index far larger than the cache. Keyed by 10-second bucket first,
  // inserts stay within the current bucket's few pages; lookups seek bucket by bucket (repos/call-logs.ts).
  await s.createIndex('call_logs_request_idx').on('call_logs').expression(sql`(time / ${sql.lit(SEARCH_BUCKET_MS)}), request_id`).execute();
  await s.createIndex('call_logs_path_idx').on('call_logs').expression(sql`(time / ${sql.lit(SEARCH_BUCKET_MS)}), path`).execute();
  // Successes are most calls and are found through the other indexes; the rest are what people look for.
  await index('call_logs_status_idx', ['status_class', 'id'], 'status_class <> 2');
  await index('call_logs_app_idx', ['app_id', 'id'], 'app_id is not null');
  await index('call_logs_error_idx', ['error_code', 'id'], 'error_code is not null');
  await index('call_logs_provider_idx', ['ai_provider_id', 'id'], 'ai_provider_id is not null');
  await index('call_logs_model_idx', ['ai_model_served', 'id'], 'ai_model_served is not null');
}

async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;
  const pg = isPostgres(db);
  const bytewise = pg ? sql`collate "C"` : sql``;
  // SQLite rollup tables are their primary key's b-tree (no separate rowid tree to update per upsert).
  const withoutRowid = pg ? sql`` : sql`without rowid`;

  await createCallLogsTable(db);
  await s
    .createTable('call_bodies')
    .addColumn('id', 'text', (c) => c.primaryKey().modifyFront(bytewise))
    .addColumn('request_body', 'text')
    .addColumn('response_body', 'text')
    .addColumn('request_headers', 'text')
    .addColumn('response_headers', 'text')
    .addColumn('truncated', 'integer', (c) => c.notNull())
    .execute();

  // '' stands for "none" in key columns: they are part of a unique key, where NULLs never match.
  const keyId = pg ? sql`bigint generated by default as identity primary key` : sql`integer primary key`;
  await s
    .createTable('call_rollup_keys')
    .addColumn('id', sql`${keyId}`)
    .addColumn('team_id', 'text', (c) => c.notNull())
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('route_id', 'text', (c) => c.notNull())
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('status_class', 'integer', (c) => c.notNull())
    .addColumn('error_code', 'text', (c) => c.notNull())
    .addColumn('provider_id', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addUniqueConstraint('call_rollup_keys_uq', [
      'team_id',
      'service_id',
      'route_id',
      'app_id',
      'status_class',
      'error_code',
      'provider_id',
      'model',
    ])
    .execute();
  for (const column of ['service_id', 'route_id', 'app_id', 'model']) {
    await s.createIndex(`call_rollup_keys_${column}_idx`).on('call_rollup_keys').column(column).execute();
  }

  for (const resolution of RESOLUTIONS) {
    const full = `call_rollups_${resolution}`;
    let t = s.createTable(full).addColumn('bucket', 'bigint', (c) => c.notNull()).addColumn('key_id', 'bigint', (c) => c.notNull());
    for (const c of [...COUNTERS, ...HIST]) t = t.addColumn(c, 'bigint', (col) => col.notNull().defaultTo(0));
    await t.addPrimaryKeyConstraint(`${full}_pk`, ['bucket', 'key_id']).modifyEnd(withoutRowid).execute();
    await s.createIndex(`${full}_key_idx`).on(full).columns(['key_id', 'bucket']).execute();

    const totals = `call_totals_${resolution}`;
    let n = s
      .createTable(totals)
      .addColumn('bucket', 'bigint', (c) => c.notNull())
      .addColumn('team_id', 'text', (c) => c.notNull())
      .addColumn('service_id', 'text', (c) => c.notNull())
      .addColumn('status_class', 'integer', (c) => c.notNull());
    for (const c of [...COUNTERS, ...HIST]) n = n.addColumn(c, 'bigint', (col) => col.notNull().defaultTo(0));
    await n
      .addPrimaryKeyConstraint(`${totals}_pk`, ['bucket', 'team_id', 'service_id', 'status_class'])
      .modifyEnd(withoutRowid)
      .execute();
    await s.createIndex(`${totals}_team_idx`).on(totals).columns(['team_id', 'bucket']).execute();
  }
}

async function down(db: Kysely<unknown>): Promise<void> {
  for (const resolution of RESOLUTIONS) {
    await db.schema.dropTable(`call_totals_${resolution}`).execute();
    await db.schema.dropTable(`call_rollups_${resolution}`).execute();
  }
  for (const table of ['call_rollup_keys', 'call_bodies', 'call_logs']) await db.schema.dropTable(table).execute();
}

export const callLogs: Migration = { up, down };
