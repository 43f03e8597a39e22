import type { TObject } from '@sinclair/typebox';

/**
 * Copies exactly the fields a view schema declares. Presenters are built on this so that a field the
 * store adds later (a hash, an internal flag) stays inside the server until a view declares it.
 */
export function pickDeclared<T>(view: TObject, record: object): T {
  const source = record as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(view.properties)) {
    if (source[key] !== undefined) out[key] = source[key];
  }
  return out as T;
}

export interface PageBody<T> {
  data: T[];
  next_cursor: string | null;
}

export function presentPage<R, T>(page: { items: R[]; next_cursor: string | null }, present: (record: R) => T): PageBody<T> {
  return { data: page.items.map(present), next_cursor: page.next_cursor };
}
