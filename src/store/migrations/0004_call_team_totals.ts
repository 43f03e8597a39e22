/**
 * `call_team_totals_{minute,hour,day}`: the rollup counters and latency histogram per bucket and
 * team only, with the request count of each status class as columns (requests_1xx..requests_5xx).
 *
 * The dashboards' first questions — a day of minutes for one team or for all, with latency
 * percentiles — read every (team, service, status class) row of `call_totals_*` in the range and
 * sum 45 histogram columns over them: at tens of millions of calls, 60-odd rows a minute, ~90 000
 * rows for a day, hundreds of milliseconds. Here a minute has one row per team.
 *
 * Existing totals are copied in, so the table answers for data written before it existed.
 */
import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';

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
const CLASSES = [1, 2, 3, 4, 5];
const RESOLUTIONS = ['minute', 'hour', 'day'];

async function up(db: Kysely<unknown>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const values = [...COUNTERS, ...HIST];
  for (const resolution of RESOLUTIONS) {
    const table = `call_team_totals_${resolution}`;
    let t = db.schema
      .createTable(table)
      .addColumn('bucket', 'bigint', (c) => c.notNull())
      .addColumn('team_id', 'text', (c) => c.notNull());
    for (const c of [...values, ...CLASSES.map((k) => `requests_${k}xx`)]) t = t.addColumn(c, 'bigint', (col) => col.notNull().defaultTo(0));
    await t
      .addPrimaryKeyConstraint(`${table}_pk`, ['bucket', 'team_id'])
      .modifyEnd(pg ? sql`` : sql`without rowid`)
      .execute();
    await db.schema.createIndex(`${table}_team_idx`).on(table).columns(['team_id', 'bucket']).execute();

    const columns = ['bucket', 'team_id', ...values, ...CLASSES.map((k) => `requests_${k}xx`)];
    const sums = [
      ...values.map((c) => `sum(${c})`),
      ...CLASSES.map((k) => `sum(case when status_class = ${k} then requests else 0 end)`),
    ];
    await sql
      .raw(`insert into ${table} (${columns.join(', ')}) select bucket, team_id, ${sums.join(', ')} from call_totals_${resolution} group by bucket, team_id`)
      .execute(db);
  }
}

async function down(db: Kysely<unknown>): Promise<void> {
  for (const resolution of RESOLUTIONS) await db.schema.dropTable(`call_team_totals_${resolution}`).execute();
}

export const callTeamTotals: Migration = { up, down };
