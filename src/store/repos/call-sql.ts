/**
 * Hand-built statements for the call-log write path. Building a 100-row INSERT through Kysely's
 * query builder costs more than running it, so the write path generates the SQL text once per
 * (table, column list, row count, dialect), caches it, and runs it with plain parameter arrays.
 */
import { CompiledQuery, type Kysely } from 'kysely';
import type { DialectName } from '../context.js';
import type { Database } from '../schema.js';

/** Rows per statement: amortizes SQLite's per-statement prepare; far below both drivers' parameter limits. */
export const ROWS_PER_STATEMENT = 100;

const cache = new Map<string, string>();

/** `($1, $2), ($3, $4)` or `(?, ?), (?, ?)`. */
function valuesList(dialect: DialectName, rows: number, columns: number): string {
  const out: string[] = [];
  let n = 0;
  for (let r = 0; r < rows; r++) {
    const row: string[] = [];
    for (let c = 0; c < columns; c++) row.push(dialect === 'postgres' ? `$${++n}` : '?');
    out.push(`(${row.join(', ')})`);
  }
  return out.join(', ');
}

/**
 * `insert into <table> (<columns>) values <rows> <tail>` for `rows` rows, cached. `tail` is an ON
 * CONFLICT / RETURNING clause with no parameters.
 */
export function insertSql(dialect: DialectName, table: string, columns: readonly string[], rows: number, tail: string): string {
  const key = `${dialect}\0${table}\0${columns.join()}\0${rows}\0${tail}`;
  let text = cache.get(key);
  if (text === undefined) {
    text = `insert into ${table} (${columns.join(', ')}) values ${valuesList(dialect, rows, columns.length)} ${tail}`;
    cache.set(key, text);
  }
  return text;
}

export async function run<R = unknown>(db: Kysely<Database>, text: string, params: unknown[]): Promise<R[]> {
  const result = await db.executeQuery<R>(CompiledQuery.raw(text, params));
  return result.rows as R[];
}

/** `?` or `$n` placeholders for a list, numbered from `start` (1-based, PostgreSQL). */
export function placeholders(dialect: DialectName, count: number, start = 1): string {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(dialect === 'postgres' ? `$${start + i}` : '?');
  return out.join(', ');
}
