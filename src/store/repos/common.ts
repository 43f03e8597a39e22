/** Helpers every repository shares: scoping, paging, name search, JSON and boolean columns. */
import { sql, type Expression, type Kysely, type Selectable, type SqlBool } from 'kysely';
import { validationError } from '../../core/errors.js';
import type { ListQuery, Page, TeamScope } from '../types.js';
import type { Database, ResourceTable } from '../schema.js';

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 500;

export function nowIso(): string {
  return new Date().toISOString();
}

export function toBool(value: number): boolean {
  return value !== 0;
}

export function fromBool(value: boolean): number {
  return value ? 1 : 0;
}

export function parseJson<T>(text: string): T {
  return JSON.parse(text) as T;
}

/** The scope as a SQL condition on `column`: nothing outside the listed teams is ever read or written. */
export function inScope(scope: TeamScope, column = 'team_id'): Expression<SqlBool> {
  if (scope === 'all') return sql<SqlBool>`1 = 1`;
  if (scope.length === 0) return sql<SqlBool>`1 = 0`;
  return sql<SqlBool>`${sql.ref(column)} in (${sql.join(scope)})`;
}

/**
 * For rows that may be organisation-wide (team_id null: AI providers and aliases): every scope may
 * read those, besides its own teams' rows. Writes use `inScope`, which only `'all'` passes for them.
 */
export function inReadScope(scope: TeamScope, column = 'team_id'): Expression<SqlBool> {
  if (scope === 'all') return sql<SqlBool>`1 = 1`;
  if (scope.length === 0) return sql<SqlBool>`${sql.ref(column)} is null`;
  return sql<SqlBool>`(${sql.ref(column)} is null or ${sql.ref(column)} in (${sql.join(scope)}))`;
}

/** A validation error about one field (`path`, a JSON pointer into the input). */
export function invalid(path: string, message: string) {
  return validationError(message, [{ path, message }]);
}

export function eq(column: string, value: string | number | null): Expression<SqlBool> {
  return value === null ? sql<SqlBool>`${sql.ref(column)} is null` : sql<SqlBool>`${sql.ref(column)} = ${value}`;
}

/** Case-insensitive substring of the name, with LIKE wildcards in the input taken literally. */
export function nameContains(name: string): Expression<SqlBool> {
  return sql<SqlBool>`lower(name) like ${`%${likeLiteral(name.toLowerCase())}%`} escape '\\'`;
}

/** `text` for a LIKE pattern (escape character backslash): its wildcards match only themselves. */
export function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[a-z]+_[0-9a-z]+$/.test(id)) {
    throw validationError('The cursor is not valid', [{ path: '/cursor', message: 'not a cursor from a previous page' }]);
  }
  return id;
}

export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw validationError(`limit must be an integer from 1 to ${MAX_LIMIT}`, [
      { path: '/limit', message: `must be an integer from 1 to ${MAX_LIMIT}` },
    ]);
  }
  return limit;
}

/** Filters every list understands: scope (`visible`, by default `inScope`), team, name and cursor. */
export function listFilters(
  scope: TeamScope,
  query: ListQuery | undefined,
  teamColumn = 'team_id',
  visible: Expression<SqlBool> = inScope(scope, teamColumn),
): Expression<SqlBool>[] {
  const filters = [visible];
  if (query?.team_id !== undefined) filters.push(eq(teamColumn, query.team_id));
  if (query?.name !== undefined && query.name !== '') filters.push(nameContains(query.name));
  if (query?.cursor !== undefined) filters.push(sql<SqlBool>`id > ${decodeCursor(query.cursor)}`);
  return filters;
}

/** One page in id order (ids sort by creation time); one extra row tells whether another page follows. */
export async function listPage<T extends ResourceTable, R>(
  db: Kysely<Database>,
  table: T,
  filters: Expression<SqlBool>[],
  limitInput: number | undefined,
  toRecord: (row: Selectable<Database[T]>) => R,
): Promise<Page<R>> {
  const limit = pageLimit(limitInput);
  const rows = (await db
    .selectFrom(table as ResourceTable)
    .selectAll()
    .where((eb) => eb.and(filters))
    .orderBy('id')
    .limit(limit + 1)
    .execute()) as unknown as Selectable<Database[T]>[];
  const more = rows.length > limit;
  const pageRows = more ? rows.slice(0, limit) : rows;
  const last = pageRows[pageRows.length - 1] as { id: string } | undefined;
  return {
    items: pageRows.map(toRecord),
    next_cursor: more && last ? encodeCursor(last.id) : null,
  };
}

/** "'a', 'b' and 3 more" — enough to tell a person what to look at. */
/** The row of `table` named `name` in team `teamId`, when visible in `scope`. */
export async function findByName<T extends ResourceTable, R>(
  db: Kysely<Database>,
  table: T,
  scope: TeamScope,
  teamId: string,
  name: string,
  toRecord: (row: Selectable<Database[T]>) => R,
): Promise<R | undefined> {
  const row = (await db
    .selectFrom(table as ResourceTable)
    .selectAll()
    .where(eq('team_id', teamId))
    .where(eq('name', name))
    .where(inScope(scope))
    .executeTakeFirst()) as Selectable<Database[T]> | undefined;
  return row && toRecord(row);
}

export function nameList(names: string[], total: number): string {
  const shown = names.map((n) => `'${n}'`).join(', ');
  return total > names.length ? `${shown} and ${total - names.length} more` : shown;
}

/** Up to five names of rows matching the condition, and how many there are in all. */
export async function referencing(
  db: Kysely<Database>,
  table: ResourceTable,
  where: Expression<SqlBool>,
): Promise<{ names: string[]; total: number }> {
  const rows = await db
    .selectFrom(table)
    .select('name')
    .where(where)
    .orderBy('name')
    .limit(5)
    .execute();
  if (rows.length < 5) return { names: rows.map((r) => r.name), total: rows.length };
  const count = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as('n'))
    .where(where)
    .executeTakeFirstOrThrow();
  return { names: rows.map((r) => r.name), total: Number(count.n) };
}

/** Only the keys the caller set: `undefined` means "leave as is". */
export function definedKeys<T extends object>(patch: T): (keyof T)[] {
  return (Object.keys(patch) as (keyof T)[]).filter((k) => patch[k] !== undefined);
}
