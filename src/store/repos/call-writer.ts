/**
 * How call-log writes reach the database. The write logic is a *plan*: a generator that yields bulk
 * inserts and receives the rows they return (RETURNING). Two drivers run the same plan:
 *
 * - Kysely (PostgreSQL, SQLite in memory, and SQLite inside an open Store transaction): multi-row
 *   INSERTs of ROWS_PER_STATEMENT rows through the store's connection.
 * - A dedicated SQLite connection to the same file, with prepared statements cached: Kysely prepares
 *   every statement it runs, which costs more than the insert itself at thousands of rows per
 *   second. The whole plan runs synchronously between BEGIN IMMEDIATE and COMMIT, so the lock is
 *   never held across an await (the store's own connection, on the same event loop, can never find
 *   it taken). This connection never waits for the lock (busy_timeout 0): when the store's connection
 *   holds it (a transaction open across awaits), the batch goes through Kysely instead, which waits
 *   its turn properly.
 */
import BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, sql, type Kysely } from 'kysely';
import type { DialectName, StoreRoot } from '../context.js';
import { SqliteCheckpointer, WRITER_AUTOCHECKPOINT_PAGES } from '../sqlite-checkpointer.js';
import type { Database } from '../schema.js';
import { ROWS_PER_STATEMENT, insertSql, run } from './call-sql.js';

export type Row = Record<string, unknown>;

/**
 * `insert into table (columns) values <rows> <conflict>`, and what the plan needs to know back:
 * - `none`;
 * - `inserted`: the positions in `rows` of the rows actually inserted (the others hit `conflict`,
 *   a DO NOTHING); rows are told apart by their first column;
 * - `rows`: what `returning` returns for each row.
 */
export interface BulkInsert {
  table: string;
  columns: readonly string[];
  /** Number of rows. */
  count: number;
  /** Writes row `i`'s values into `out` (length = columns), so drivers can reuse one buffer. */
  fill(i: number, out: unknown[]): void;
  conflict: string;
  result: 'none' | 'inserted' | 'rows';
  /** Columns returned with result `rows`. */
  returning?: readonly string[];
}

/** Any other statement; its text and parameters may differ by dialect. */
export interface Statement {
  kind: 'statement';
  build(dialect: DialectName): { text: string; params: unknown[] };
  /** `changes`: rows the statement changed; `rows`: what it returns. */
  result: 'changes' | 'rows';
}

export type WriteOp = BulkInsert | Statement;

export interface InsertResult {
  inserted: number[];
  rows: Row[];
  /** Statement with result `changes`. */
  changes?: number;
}

const NOTHING: InsertResult = { inserted: [], rows: [] };

/** Yields inserts and statements, receives their results, returns T. */
export type WritePlan<T> = Generator<WriteOp, T, InsertResult>;

const isStatement = (op: WriteOp): op is Statement => 'kind' in op && op.kind === 'statement';

function tailOf(op: BulkInsert, kysely: boolean): string {
  if (op.result === 'rows') return `${op.conflict} returning ${op.returning!.join(', ')}`;
  // Through Kysely, inserted rows are told by RETURNING; the dedicated connection counts changes
  // instead (RETURNING doubles the cost of an insert on SQLite).
  if (op.result === 'inserted' && kysely) return `${op.conflict} returning ${op.columns[0]}`;
  return op.conflict;
}

export async function runPlanWithKysely<T>(db: Kysely<Database>, dialect: DialectName, plan: WritePlan<T>): Promise<T> {
  let step = plan.next(NOTHING);
  while (!step.done) {
    const op = step.value;
    if (isStatement(op)) {
      const { text, params } = op.build(dialect);
      const result = await db.executeQuery<Row>(CompiledQuery.raw(text, params));
      step = plan.next({ inserted: [], rows: op.result === 'rows' ? (result.rows as Row[]) : [], changes: Number(result.numAffectedRows ?? 0n) });
      continue;
    }
    const tail = tailOf(op, true);
    const returned: Row[] = [];
    const width = op.columns.length;
    const row = new Array<unknown>(width);
    const firsts: unknown[] = [];
    for (let start = 0; start < op.count; start += ROWS_PER_STATEMENT) {
      const end = Math.min(op.count, start + ROWS_PER_STATEMENT);
      const params: unknown[] = [];
      for (let i = start; i < end; i++) {
        op.fill(i, row);
        for (let c = 0; c < width; c++) params.push(row[c]);
        firsts.push(row[0]);
      }
      const rows = await run<Row>(db, insertSql(dialect, op.table, op.columns, end - start, tail), params);
      if (op.result !== 'none') for (const r of rows) returned.push(r);
    }
    const inserted: number[] = [];
    if (op.result === 'inserted') {
      const key = op.columns[0]!;
      const made = new Set(returned.map((r) => String(r[key])));
      firsts.forEach((first, i) => made.has(String(first)) && inserted.push(i));
    }
    step = plan.next({ inserted, rows: op.result === 'rows' ? returned : [] });
  }
  return step.value;
}

/** Raised when the dedicated connection finds the write lock taken; the caller falls back to Kysely. */
export class WriterBusy extends Error {
  override name = 'WriterBusy';
}

const STATEMENT_CACHE_MAX = 64;

export class SqliteCallWriter {
  readonly #db: BetterSqlite3.Database;
  readonly #statements = new Map<string, BetterSqlite3.Statement>();
  readonly #checkpointer: SqliteCheckpointer;

  constructor(file: string) {
    this.#db = new BetterSqlite3(file);
    this.#db.pragma('busy_timeout = 0');
    this.#db.pragma('synchronous = NORMAL');
    // Enough for the rollup pages a batch touches. Segments are appended as new overflow pages, and
    // a larger cache made appending them slower: 64 MiB cost ~30% more per segment than 8 MiB.
    this.#db.pragma('cache_size = -8192');
    // Checkpoints (and their fsyncs) run in a thread of their own; see sqlite-checkpointer.ts.
    this.#db.pragma(`wal_autocheckpoint = ${WRITER_AUTOCHECKPOINT_PAGES}`);
    this.#checkpointer = new SqliteCheckpointer(file, () => {
      if (this.#db.open) this.#db.pragma('wal_autocheckpoint = 1000');
    });
  }

  #statement(op: BulkInsert): BetterSqlite3.Statement {
    return this.#prepared(insertSql('sqlite', op.table, op.columns, 1, tailOf(op, false)));
  }

  #prepared(text: string): BetterSqlite3.Statement {
    let stmt = this.#statements.get(text);
    if (stmt === undefined) {
      if (this.#statements.size >= STATEMENT_CACHE_MAX) this.#statements.clear();
      stmt = this.#db.prepare(text);
      this.#statements.set(text, stmt);
    }
    return stmt;
  }

  /** Runs the plan in one transaction, synchronously. Throws WriterBusy when the lock is taken. */
  run<T>(plan: WritePlan<T>): T {
    try {
      this.#db.exec('begin immediate');
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_BUSY') throw new WriterBusy('the write lock is taken', { cause: err });
      throw err;
    }
    try {
      let step = plan.next(NOTHING);
      while (!step.done) {
        const op = step.value;
        if (isStatement(op)) {
          const { text, params } = op.build('sqlite');
          const stmt = this.#prepared(text);
          if (op.result === 'rows') step = plan.next({ inserted: [], rows: stmt.all(params) as Row[] });
          else step = plan.next({ inserted: [], rows: [], changes: stmt.run(params).changes });
          continue;
        }
        const stmt = this.#statement(op);
        // One cached single-row statement per row: cheaper than binding a large multi-row one.
        const result: InsertResult = { inserted: [], rows: [] };
        const row = new Array<unknown>(op.columns.length);
        for (let i = 0; i < op.count; i++) {
          op.fill(i, row);
          if (op.result === 'rows') {
            const r = stmt.get(row) as Row | undefined;
            if (r !== undefined) result.rows.push(r);
          } else if (stmt.run(row).changes > 0 && op.result === 'inserted') {
            result.inserted.push(i);
          }
        }
        step = plan.next(result);
      }
      this.#db.exec('commit');
      return step.value;
    } catch (err) {
      if (this.#db.inTransaction) this.#db.exec('rollback');
      throw err;
    }
  }

  async close(): Promise<void> {
    this.#statements.clear();
    await this.#checkpointer.close();
    this.#db.close();
  }
}

/** One dedicated writer per SQLite file store; null for PostgreSQL and in-memory databases. */
const writers = new WeakMap<StoreRoot, Promise<SqliteCallWriter | null>>();

export function callWriter(root: StoreRoot): Promise<SqliteCallWriter | null> {
  let writer = writers.get(root);
  if (writer === undefined) {
    writer = openWriter(root).catch((err: unknown) => {
      root.logger?.warn({ err }, 'call logs: no dedicated SQLite writer, writing through the store connection');
      return null;
    });
    writers.set(root, writer);
  }
  return writer;
}

async function openWriter(root: StoreRoot): Promise<SqliteCallWriter | null> {
  if (root.dialect !== 'sqlite') return null;
  const result = await sql<{ file: string }>`select file from pragma_database_list where name = 'main'`.execute(root.db);
  const file = result.rows[0]?.file;
  if (!file) return null; // in memory: another connection would see another database
  return new SqliteCallWriter(file);
}

/** Closes the dedicated writer, if one was opened (Store.close). */
export async function closeCallWriter(root: StoreRoot): Promise<void> {
  const writer = writers.get(root);
  if (writer === undefined) return;
  writers.delete(root);
  await (await writer)?.close();
}
