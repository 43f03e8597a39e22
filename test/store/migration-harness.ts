/**
 * Migration tests on both dialects: a store on a fresh SQLite file and, when
 * GANTRY_TEST_POSTGRES_URL is set, on a temporary PostgreSQL database, each with a raw Kysely
 * connection of its own for running one migration's up() and down() directly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { afterAll, test } from 'vitest';
import { createStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { createTempDatabase, postgresTestUrl } from '../helpers/postgres.js';

export type MigrationCheck = (store: Store, db: Kysely<unknown>, dialect: 'sqlite' | 'postgres') => Promise<void>;

/** Declares a `SQLite` and a `PostgreSQL` test (skipped without a PostgreSQL URL) that run `check`. */
export function testOnBothDialects(check: MigrationCheck): void {
  const root = mkdtempSync(join(tmpdir(), 'gantry-migration-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test('SQLite', async () => {
    const file = join(root, 'gantry.db');
    const store = await createStore({ url: file });
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new BetterSqlite3(file) }) });
    try {
      await check(store, db, 'sqlite');
    } finally {
      await db.destroy();
      await store.close();
    }
  });

  const pgUrl = postgresTestUrl();
  test.skipIf(pgUrl === undefined)('PostgreSQL', async () => {
    const temp = await createTempDatabase(pgUrl!);
    const store = await createStore({ url: temp.url });
    const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: temp.url, max: 1 }) }) });
    try {
      await check(store, db, 'postgres');
    } finally {
      await db.destroy();
      await store.close();
      await temp.drop();
    }
  });
}
