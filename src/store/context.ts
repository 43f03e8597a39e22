/**
 * Transactions and error boundaries shared by every repository.
 *
 * - A write outside a transaction opens its own; inside one it runs in a savepoint, so a failed
 *   write (say a name conflict the caller catches) leaves the transaction usable on both drivers
 *   (PostgreSQL would otherwise abort the whole transaction).
 * - The config version is bumped once, as the last statement of the outermost transaction, when a
 *   write marked configuration as changed. The row lock it takes is held only until the commit, and
 *   versions follow commit order.
 * - The open transaction is also tracked in AsyncLocalStorage: a call on the root store made from
 *   inside `transaction(fn)` joins the transaction instead of waiting for a connection the
 *   transaction holds (a deadlock on SQLite's single connection, and on PostgreSQL row locks).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { sql, type Kysely, type Transaction } from 'kysely';
import { GantryError } from '../core/errors.js';
import { mapWriteError, toGantryError, type WriteErrors } from './errors.js';
import type { Database } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

export interface StoreLogger {
  info(o: object, msg?: string): void;
  warn(o: object, msg?: string): void;
}

/** PostgreSQL NOTIFY channel carrying the new config version (as text) after each change. */
export const CONFIG_CHANNEL = 'gantry_config';

/** One open transaction and what happened in it. */
export class TxState {
  dirty = false;
  done = false;
  #savepoints = 0;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(readonly trx: Transaction<Database>) {}

  nextSavepoint(): string {
    this.#savepoints += 1;
    return `gantry_sp_${this.#savepoints}`;
  }

  /** Savepoints nest by position, so writes in one transaction run one at a time. */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(fn, fn);
    this.#tail = run.catch(() => undefined);
    return run;
  }
}

export class StoreRoot {
  readonly als = new AsyncLocalStorage<TxState>();
  /**
   * Transactions inside `als.run`. An AsyncLocalStorage stays enabled after its first run, and while
   * one is enabled Node runs async hooks for every promise and socket in the process — the data
   * plane's hot path included. So the storage is disabled whenever no transaction is open (run()
   * enables it again).
   */
  openTransactions = 0;
  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: DialectName,
    readonly logger?: StoreLogger,
  ) {}
}

export type WriteFn<T> = (db: Kysely<Database>, changed: () => void) => Promise<T>;

export class StoreContext {
  constructor(
    readonly root: StoreRoot,
    private readonly bound?: TxState,
  ) {}

  /** The open transaction this context runs in, if any. */
  current(): TxState | undefined {
    if (this.bound) {
      if (this.bound.done) {
        throw new GantryError(
          'GANTRY_ERR_INTERNAL',
          'A store bound to a transaction was used after the transaction ended; use the root store',
        );
      }
      return this.bound;
    }
    const active = this.root.als.getStore();
    return active && !active.done ? active : undefined;
  }

  async read<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    const db = this.current()?.trx ?? this.root.db;
    try {
      return await fn(db);
    } catch (err) {
      throw toGantryError(err, 'a read');
    }
  }

  /** One atomic write. Call `changed()` when it changed configuration (bumps the version at commit). */
  async write<T>(fn: WriteFn<T>, errors?: WriteErrors): Promise<T> {
    const tx = this.current();
    if (!tx) return this.transaction((state) => guarded(state, fn, errors));
    return tx.serial(async () => {
      const savepoint = tx.nextSavepoint();
      await exec(tx, `savepoint ${savepoint}`);
      try {
        const result = await guarded(tx, fn, errors);
        await exec(tx, `release savepoint ${savepoint}`);
        return result;
      } catch (err) {
        // If even this fails the connection is gone and the outer transaction fails on its own.
        await exec(tx, `rollback to savepoint ${savepoint}`)
          .then(() => exec(tx, `release savepoint ${savepoint}`))
          .catch(() => undefined);
        throw err;
      }
    });
  }

  /**
   * A new outermost transaction. Errors thrown by fn pass through unchanged; errors of the database
   * itself (begin, commit, the version bump) become GantryErrors.
   */
  async transaction<T>(fn: (state: TxState) => Promise<T>, opts: { readOnly?: boolean } = {}): Promise<T> {
    const { db, dialect, als } = this.root;
    let builder = db.transaction();
    if (opts.readOnly) {
      builder = builder.setAccessMode('read only');
      if (dialect === 'postgres') builder = builder.setIsolationLevel('repeatable read');
    }
    let state: TxState | undefined;
    let fnError: { error: unknown } | undefined;
    try {
      return await builder.execute(async (trx) => {
        const tx = new TxState(trx);
        state = tx;
        try {
          const root = this.root;
          root.openTransactions++;
          let result: T;
          try {
            result = await als.run(tx, () => fn(tx));
          } finally {
            if (--root.openTransactions === 0) als.disable();
          }
          if (tx.dirty) await bumpConfigVersion(trx, dialect);
          return result;
        } catch (error) {
          fnError = { error };
          throw error;
        }
      });
    } catch (err) {
      if (fnError && fnError.error === err) throw err;
      throw toGantryError(err, 'a transaction');
    } finally {
      if (state) state.done = true;
    }
  }
}

async function guarded<T>(tx: TxState, fn: WriteFn<T>, errors: WriteErrors | undefined): Promise<T> {
  try {
    return await fn(tx.trx, () => {
      tx.dirty = true;
    });
  } catch (err) {
    throw mapWriteError(err, errors);
  }
}

async function exec(tx: TxState, statement: string): Promise<void> {
  await sql.raw(statement).execute(tx.trx);
}

export async function readConfigVersion(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('config_state').select('version').where('id', '=', 1).executeTakeFirst();
  if (!row) throw new GantryError('GANTRY_ERR_INTERNAL', 'The config_state row is missing; run `gantry migrate`');
  return Number(row.version);
}

async function bumpConfigVersion(db: Kysely<Database>, dialect: DialectName): Promise<number> {
  try {
    const row = await db
      .updateTable('config_state')
      .set({ version: sql<number>`version + 1` })
      .where('id', '=', 1)
      .returning('version')
      .executeTakeFirst();
    if (!row) throw new GantryError('GANTRY_ERR_INTERNAL', 'The config_state row is missing; run `gantry migrate`');
    const version = Number(row.version);
    if (dialect === 'postgres') await sql`select pg_notify(${CONFIG_CHANNEL}, ${String(version)})`.execute(db);
    return version;
  } catch (err) {
    throw toGantryError(err, 'the config version bump');
  }
}
