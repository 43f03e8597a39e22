import { Migrator, sql, type Kysely } from 'kysely';
import { describe, expect } from 'vitest';
import { callSearchBuckets1s } from '../../src/store/migrations/0005_call_search_buckets_1s.js';
import type { CallRecord } from '../../src/core/call-record.js';
import { migrationProvider } from '../../src/store/migrations/index.js';
import { LOG_COLUMNS, fillLogRow } from '../../src/store/repos/call-log-rows.js';
import { callRecord, MIN, T0 } from './conformance/call-fixtures.js';
import { testOnBothDialects } from './migration-harness.js';

// Records 7.3 s apart: 1-second and 10-second buckets split them differently.
const seed = () =>
  Array.from({ length: 200 }, (_, i) =>
    callRecord({ time: T0 + i * 7300, request_id: `req-bucket-${i}`, path: `/v1/orders/${i % 7}/lines` }),
  );

/** Rows straight into call_logs, as stores at 0005 wrote them (0006 moves them into segments). */
async function insertRows(db: Kysely<unknown>, records: CallRecord[]): Promise<void> {
  const row = new Array<unknown>(LOG_COLUMNS.length);
  for (const r of records) {
    fillLogRow(row, r, false);
    await db
      .insertInto('call_logs' as never)
      .values(Object.fromEntries(LOG_COLUMNS.map((c, i) => [c, row[i]])) as never)
      .execute();
  }
}

const column = <T>(rows: Array<Record<string, unknown>>, name: string) => rows.map((r) => r[name] as T);

/** The searches the indexes serve, through the bucketed expression the store used at 0005. */
const searches = async (db: Kysely<unknown>) => ({
  oldest: column(await run(db, sql`select request_id from call_logs where (time / 1000) in (${sql.join(buckets(T0, T0 + 10_000))}) and request_id = 'req-bucket-0'`), 'request_id'),
  newest: column(await run(db, sql`select request_id from call_logs where request_id = 'req-bucket-199'`), 'request_id'),
  ranged: column(await run(db, sql`select request_id from call_logs where request_id = 'req-bucket-50' and time >= ${T0 + 5 * MIN} and time < ${T0 + 10 * MIN}`), 'request_id'),
  prefix: column(await run(db, sql`select id from call_logs where path >= '/v1/orders/3' and path < '/v1/orders/4' order by id desc limit 10`), 'id'),
});

const buckets = (from: number, to: number) => Array.from({ length: Math.ceil((to - from) / 1000) }, (_, i) => Math.floor(from / 1000) + i);

async function run(db: Kysely<unknown>, query: ReturnType<typeof sql>): Promise<Array<Record<string, unknown>>> {
  return (await query.execute(db)).rows as Array<Record<string, unknown>>;
}

/** Index definitions as the database reports them. */
type IndexDefs = (db: Kysely<unknown>) => Promise<string[]>;

const sqliteDefs: IndexDefs = async (db) =>
  (await sql<{ sql: string }>`select sql from sqlite_master where name in ('call_logs_request_idx', 'call_logs_path_idx') order by name`.execute(db)).rows.map((r) => r.sql);

const postgresDefs: IndexDefs = async (db) =>
  (await sql<{ indexdef: string }>`select indexdef from pg_indexes where indexname in ('call_logs_request_idx', 'call_logs_path_idx') order by indexname`.execute(db)).rows.map((r) => r.indexdef);

/** On a populated database at 0005: back to the 10-second indexes and forward again; searches answer the same throughout. */
async function rebuiltOnPopulatedDatabase(db: Kysely<unknown>, defs: IndexDefs): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider, migrationTableName: 'gantry_migrations', migrationLockTableName: 'gantry_migrations_lock' });
  expect((await migrator.migrateTo('0005_call_search_buckets_1s')).error).toBeUndefined();
  await insertRows(db, seed());
  const found = await searches(db);
  expect(found.oldest).toEqual(['req-bucket-0']);
  expect(found.newest).toEqual(['req-bucket-199']);
  expect(found.ranged).toEqual(['req-bucket-50']);
  expect(found.prefix).toHaveLength(10);

  const latest = await defs(db);
  expect(latest).toHaveLength(2);
  for (const def of latest) expect(def).toMatch(/time"?\s*\/\s*1000\b/);

  await callSearchBuckets1s.down!(db);
  for (const def of await defs(db)) expect(def).toMatch(/time"?\s*\/\s*10000\b/);
  expect(await searches(db)).toEqual(found);

  await callSearchBuckets1s.up(db);
  expect(await defs(db)).toEqual(latest);
  expect(await searches(db)).toEqual(found);
}

describe('migration 0005: request-id and path indexes by 1-second bucket', () => {
  testOnBothDialects(async (_store, db, dialect) => {
    await rebuiltOnPopulatedDatabase(db, dialect === 'sqlite' ? sqliteDefs : postgresDefs);
    if (dialect !== 'sqlite') return;
    // The search uses the rebuilt index (the expression must match the index's exactly).
    const plan = await sql<{ detail: string }>`explain query plan select id from call_logs where (time / 1000) in (1, 2) and request_id = 'x'`.execute(db);
    expect(plan.rows.map((r) => r.detail).join('\n')).toContain('call_logs_request_idx');
  });
});
