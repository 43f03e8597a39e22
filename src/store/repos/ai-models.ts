import type { Selectable } from 'kysely';
import type { AiModelOverrideRecord } from '../../core/ai-model.js';
import type { StoreContext } from '../context.js';
import type { AiModelOverridesTable } from '../schema.js';
import type { Store } from '../types.js';
import { nowIso, parseJson } from './common.js';

export function toAiModelOverride(row: Selectable<AiModelOverridesTable>): AiModelOverrideRecord {
  return {
    id: row.id,
    data: parseJson<Record<string, unknown>>(row.data),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

type AiModelsContract = Store['aiModels'];

/** Catalog overrides are organisation-wide and few: no scope, no paging. */
export class AiModelRepo implements AiModelsContract {
  constructor(private readonly ctx: StoreContext) {}

  list(): Promise<AiModelOverrideRecord[]> {
    return this.ctx.read(async (db) => {
      const rows = await db.selectFrom('ai_model_overrides').selectAll().orderBy('id').execute();
      return rows.map(toAiModelOverride);
    });
  }

  get(id: string): Promise<AiModelOverrideRecord | undefined> {
    return this.ctx.read(async (db) => {
      const row = await db.selectFrom('ai_model_overrides').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toAiModelOverride(row);
    });
  }

  /** Replaces the whole `data` of an existing override (keeping its created_at). */
  put(id: string, data: Record<string, unknown>): Promise<AiModelOverrideRecord> {
    return this.ctx.write(async (db, changed) => {
      const now = nowIso();
      const row = await db
        .insertInto('ai_model_overrides')
        .values({ id, data: JSON.stringify(data), created_at: now, updated_at: now })
        .onConflict((oc) =>
          oc.column('id').doUpdateSet((eb) => ({ data: eb.ref('excluded.data'), updated_at: eb.ref('excluded.updated_at') })),
        )
        .returningAll()
        .executeTakeFirstOrThrow();
      changed();
      return toAiModelOverride(row);
    });
  }

  delete(id: string): Promise<boolean> {
    return this.ctx.write(async (db, changed) => {
      const result = await db.deleteFrom('ai_model_overrides').where('id', '=', id).executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) return false;
      changed();
      return true;
    });
  }
}
