import { sql, type Kysely, type Selectable, type SqlBool } from 'kysely';
import type { AiProviderKeyRecord, AiProviderKeyUpdate, ProviderKeyStatus } from '../../core/ai-model.js';
import type { StoreContext } from '../context.js';
import { badReference } from '../errors.js';
import type { AiProviderKeysTable, Database } from '../schema.js';
import type { AiProviderKeyCreateInput, ListQuery, Page, Store, TeamScope } from '../types.js';
import { eq, fromBool, inScope, listFilters, listPage, nowIso, toBool } from './common.js';

export function toAiProviderKey(row: Selectable<AiProviderKeysTable>): AiProviderKeyRecord {
  return {
    id: row.id,
    provider_id: row.provider_id,
    team_id: row.team_id,
    name: row.name,
    hint: row.hint,
    sealed_secret: row.sealed_secret,
    priority: row.priority,
    enabled: toBool(row.enabled),
    status: row.status as ProviderKeyStatus,
    status_reason: row.status_reason,
    status_changed_at: row.status_changed_at,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

type AiProviderKeysContract = Store['aiProviderKeys'];

const providerGone = () => badReference('/provider_id', 'the AI provider does not exist (deleted meanwhile?)');

/**
 * Keys carry secrets, so unlike their providers they are never shared: a key has its provider's
 * team_id, and the keys of organisation-wide providers (team_id null) are visible only to `'all'`.
 */
export class AiProviderKeyRepo implements AiProviderKeysContract {
  constructor(private readonly ctx: StoreContext) {}

  async list(scope: TeamScope, query?: ListQuery & { provider_id?: string }): Promise<Page<AiProviderKeyRecord>> {
    const filters = listFilters(scope, query);
    if (query?.provider_id !== undefined) filters.push(eq('provider_id', query.provider_id));
    return this.ctx.read((db) => listPage(db, 'ai_provider_keys', filters, query?.limit, toAiProviderKey));
  }

  get(scope: TeamScope, id: string): Promise<AiProviderKeyRecord | undefined> {
    return this.ctx.read((db) => findKey(db, scope, id));
  }

  /** `input.team_id` must be the provider's team_id (null for an organisation-wide provider). */
  create(input: AiProviderKeyCreateInput): Promise<AiProviderKeyRecord> {
    return this.ctx.write(
      async (db, changed) => {
        const provider = await db
          .selectFrom('ai_providers')
          .select(['id', 'team_id'])
          .where('id', '=', input.provider_id)
          .executeTakeFirst();
        if (!provider) throw badReference('/provider_id', `no AI provider with id '${input.provider_id}'`);
        if (provider.team_id !== input.team_id) {
          throw badReference('/team_id', "a provider key belongs to its provider's team; team_id must be the provider's");
        }
        const now = nowIso();
        const row = {
          id: input.id,
          provider_id: input.provider_id,
          team_id: input.team_id,
          name: input.name,
          hint: input.hint,
          sealed_secret: input.sealed_secret,
          priority: input.priority,
          enabled: fromBool(input.enabled),
          status: 'active',
          status_reason: null,
          status_changed_at: null,
          created_at: now,
          updated_at: now,
        };
        await db.insertInto('ai_provider_keys').values(row).execute();
        changed();
        return toAiProviderKey(row);
      },
      { conflict: () => `an AI provider key with id '${input.id}' already exists`, reference: providerGone },
    );
  }

  /** `enabled: true` also clears the status (back to `active`): re-enabling is how a person says the key is fixed. */
  update(scope: TeamScope, id: string, patch: AiProviderKeyUpdate): Promise<AiProviderKeyRecord | undefined> {
    return this.ctx.write(async (db, changed) => {
      const current = await findKey(db, scope, id);
      if (!current) return undefined;
      const now = nowIso();
      const reset = patch.enabled === true && (current.status !== 'active' || current.status_reason !== null);
      const row = await db
        .updateTable('ai_provider_keys')
        .set({
          ...(patch.name !== undefined && { name: patch.name }),
          ...(patch.priority !== undefined && { priority: patch.priority }),
          ...(patch.enabled !== undefined && { enabled: fromBool(patch.enabled) }),
          ...(reset && { status: 'active', status_reason: null, status_changed_at: now }),
          updated_at: now,
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      changed();
      return toAiProviderKey(row);
    });
  }

  /**
   * Unscoped: the data plane reports what a provider answered. Setting the status the key already
   * has (the same reason too) changes nothing and does not bump the version, so many nodes seeing
   * the same 401 cause one reload, not one each. A deleted key is ignored.
   */
  setStatus(id: string, status: ProviderKeyStatus, reason: string | null): Promise<void> {
    return this.ctx.write(async (db, changed) => {
      const result = await db
        .updateTable('ai_provider_keys')
        .set({ status, status_reason: reason, status_changed_at: nowIso() })
        .where('id', '=', id)
        .where(sql<SqlBool>`(status <> ${status} or coalesce(status_reason, '') <> ${reason ?? ''})`)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) > 0) changed();
    });
  }

  delete(scope: TeamScope, id: string): Promise<boolean> {
    return this.ctx.write(async (db, changed) => {
      const result = await db.deleteFrom('ai_provider_keys').where('id', '=', id).where(inScope(scope)).executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) return false;
      changed();
      return true;
    });
  }
}

async function findKey(db: Kysely<Database>, scope: TeamScope, id: string): Promise<AiProviderKeyRecord | undefined> {
  const row = await db
    .selectFrom('ai_provider_keys')
    .selectAll()
    .where('id', '=', id)
    .where(inScope(scope))
    .executeTakeFirst();
  return row && toAiProviderKey(row);
}
