import { sql, type Kysely } from 'kysely';
import { describe, expect } from 'vitest';
import { callSearchBuckets1s } from '../../src/store/migrations/0005_call_search_buckets_1s.js';
import type { Store } from '../../src/store/types.js';
import { callRecord, MIN, T0 } from './conformance/call-fixtures.js';
import { testOnBothDialects } from './migration-harness.js';

// Records 7.3 s apart: 1-second and 10-second buckets split them differently.
const seed = () =>
  Array.from({ length: 200 }, (_, i) =>
    callRecord({ time: T0 + i * 7300, request_id: `req-bucket-${i}`, path: `/v1/orders/${i % 7}/lines` }),
  );

const searches = async (store: Store) => ({
  oldest: await store.callLogs.query('all', { request_id: 'req-bucket-0' }),
  newest: await store.callLogs.query('all', { request_id: 'req-bucket-199' }),
  ranged: await store.callLogs.query('all', { request_id: 'req-bucket-50', from: T0 + 5 * MIN, to: T0 + 10 * MIN }),
  prefix: await store.callLogs.query('all', { path: '/v1/orders/3' }, { limit: 10 }),
  prefixPage2: await store.callLogs.query('all', { path: '/v1/orders/3' }, { limit: 10 }).then((p) =>
    store.callLogs.query('all', { path: '/v1/orders/3' }, { limit: 10, cursor: p.next_cursor }),
  ),
});

/** Index definitions as the database reports them. */
type IndexDefs = (db: Kysely<unknown>) => Promise<string[]>;

const sqliteDefs: IndexDefs = async (db) =>
  (await sql<{ sql: string }>`select sql from sqlite_master where name in ('call_logs_request_idx', 'call_logs_path_idx') order by name`.execute(db)).rows.map((r) => r.sql);

const postgresDefs: IndexDefs = async (db) =>
  (await sql<{ indexdef: string }>`select indexdef from pg_indexes where indexname in ('call_logs_request_idx', 'call_logs_path_idx') order by indexname`.execute(db)).rows.map((r) => r.indexdef);

/** On a populated database: back to the 10-second indexes and forward again; searches answer the same throughout. */
async function rebuiltOnPopulatedDatabase(store: Store, db: Kysely<unknown>, defs: IndexDefs): Promise<void> {
  await store.migrate();
  await store.callLogs.insertBatch(seed());
  const found = await searches(store);
  expect(found.oldest.items.map((r) => r.request_id)).toEqual(['req-bucket-0']);
  expect(found.newest.items.map((r) => r.request_id)).toEqual(['req-bucket-199']);
  expect(found.ranged.items.map((r) => r.request_id)).toEqual(['req-bucket-50']);
  expect(found.prefix.items).toHaveLength(10);
  expect(found.prefix.items.every((r) => r.path === '/v1/orders/3/lines')).toBe(true);
  expect(found.prefixPage2.items[0]!.time).toBeLessThan(found.prefix.items[9]!.time);

  const latest = await defs(db);
  expect(latest).toHaveLength(2);
  for (const def of latest) expect(def).toMatch(/time"?\s*\/\s*1000\b/);

  await callSearchBuckets1s.down!(db);
  for (const def of await defs(db)) expect(def).toMatch(/time"?\s*\/\s*10000\b/);
  expect(await searches(store)).toEqual(found);

  await callSearchBuckets1s.up(db);
  expect(await defs(db)).toEqual(latest);
  expect(await searches(store)).toEqual(found);
}

describe('migration 0005: request-id and path indexes by 1-second bucket', () => {
  testOnBothDialects(async (store, db, dialect) => {
    await rebuiltOnPopulatedDatabase(store, db, dialect === 'sqlite' ? sqliteDefs : postgresDefs);
    if (dialect !== 'sqlite') return;
    // The search uses the rebuilt index (the expression must match the index's exactly).
    const plan = await sql<{ detail: string }>`explain query plan select id from call_logs where (time / 1000) in (1, 2) and request_id = 'x'`.execute(db);
    expect(plan.rows.map((r) => r.detail).join('\n')).toContain('call_logs_request_idx');
  });
});
