/**
 * Opening the database named by a URL: PostgreSQL (`postgres://`, `postgresql://`) through a pg
 * pool, anything else as a SQLite file (`./data/gantry.db`, `sqlite:path.db`, `:memory:`).
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  PostgresDialect,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  type SqliteDialectConfig,
  type TransactionSettings,
} from 'kysely';
import pg from 'pg';
import { GantryError } from '../core/errors.js';
import type { DialectName, StoreLogger } from './context.js';
import type { Database } from './schema.js';

export type StoreLocation = { dialect: 'postgres'; url: string } | { dialect: 'sqlite'; path: string };

export function parseStoreUrl(url: string): StoreLocation {
  if (/^postgres(ql)?:\/\//i.test(url)) return { dialect: 'postgres', url };
  let path = url;
  if (/^sqlite:/i.test(path)) {
    path = path.slice('sqlite:'.length);
    // sqlite:///abs/path.db and sqlite://rel/path.db, as other tools write them.
    if (path.startsWith('//')) path = path.slice(2);
  }
  if (path === '' || /^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    throw new GantryError(
      'GANTRY_ERR_VALIDATION',
      `Unsupported database URL '${url}': use postgres://..., a SQLite file path, sqlite:path.db or :memory:`,
    );
  }
  return { dialect: 'sqlite', path };
}

/**
 * SQLite write transactions start with BEGIN IMMEDIATE: a deferred transaction that reads and then
 * writes can fail at once with SQLITE_BUSY when another process (the CLI next to a running server)
 * writes too, whereas IMMEDIATE waits for the lock (busy_timeout).
 */
class GantrySqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection, settings?: TransactionSettings): Promise<void> {
    const begin = settings?.accessMode === 'read only' ? 'begin' : 'begin immediate';
    await connection.executeQuery(CompiledQuery.raw(begin));
  }
}

/** SQLite runs DDL in transactions; saying so makes Kysely's migrator run each migration in one. */
class GantrySqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class GantrySqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new GantrySqliteDriver(this.#config);
  }
  override createAdapter(): DialectAdapter {
    return new GantrySqliteAdapter();
  }
}

function openSqlite(path: string): BetterSqlite3.Database {
  try {
    if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
    const db = new BetterSqlite3(path);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    return db;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new GantryError('GANTRY_ERR_INTERNAL', `Cannot open the SQLite database '${path}': ${reason}`, { cause: err });
  }
}

export function openDatabase(
  location: StoreLocation,
  logger?: StoreLogger,
): { db: Kysely<Database>; dialect: DialectName } {
  if (location.dialect === 'sqlite') {
    const database = openSqlite(location.path);
    return { db: new Kysely<Database>({ dialect: new GantrySqliteDialect({ database }) }), dialect: 'sqlite' };
  }
  // A bounded connect: while PostgreSQL is unreachable, store calls fail in 5 s instead of waiting on TCP.
  const pool = new pg.Pool({ connectionString: location.url, max: 10, connectionTimeoutMillis: 5000 });
  // Without a listener an idle client's error (server restart, network) would crash the process.
  pool.on('error', (err) => logger?.warn({ err }, 'an idle PostgreSQL connection failed'));
  // The pool listens only on idle clients: a checked-out client whose connection drops (mid-query or
  // between the statements of a transaction) emits 'error' with no listener, which would crash the
  // process. Its query fails on its own; the client is discarded when released.
  pool.on('connect', (client) => client.on('error', (err) => logger?.warn({ err }, 'a PostgreSQL connection failed')));
  return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), dialect: 'postgres' };
}
