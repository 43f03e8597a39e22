import { Migrator, sql, type Kysely } from 'kysely';
import { GantryError } from '../core/errors.js';
import type { StoreRoot } from './context.js';
import { toGantryError } from './errors.js';
import { migrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';

/** Key of the PostgreSQL advisory lock that serializes migrators on several nodes ('gant', 1). */
const LOCK_KEYS = [0x67616e74, 1] as const;

async function migrateWith(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: migrationProvider,
    migrationTableName: 'gantry_migrations',
    migrationLockTableName: 'gantry_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    const reason = error instanceof Error ? error.message : String(error);
    throw new GantryError(
      'GANTRY_ERR_INTERNAL',
      `Database migration ${failed ? `'${failed}' ` : ''}failed: ${reason}`,
      { cause: error },
    );
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * Brings the schema to the latest version. On PostgreSQL a session advisory lock, held on one
 * connection around the whole run (including the creation of the migration tables), makes nodes
 * that start together take turns: the first applies, the others find nothing left to do.
 * On SQLite each migration runs in a BEGIN IMMEDIATE transaction, which serializes processes.
 */
export async function runMigrations(root: StoreRoot): Promise<{ applied: string[] }> {
  try {
    const applied =
      root.dialect === 'postgres'
        ? await root.db.connection().execute(async (conn) => {
            const [a, b] = LOCK_KEYS;
            await sql`select pg_advisory_lock(${sql.lit(a)}, ${sql.lit(b)})`.execute(conn);
            try {
              return await migrateWith(conn);
            } finally {
              await sql`select pg_advisory_unlock(${sql.lit(a)}, ${sql.lit(b)})`.execute(conn);
            }
          })
        : await migrateWith(root.db);
    if (applied.length > 0) root.logger?.info({ applied }, 'store migrations applied');
    return { applied };
  } catch (err) {
    throw toGantryError(err, 'migration');
  }
}
