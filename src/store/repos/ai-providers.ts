import type { Expression, Kysely, Selectable, SqlBool } from 'kysely';
import type { AiProvider, AiProviderCreate, AiProviderUpdate, ProviderSettings } from '../../core/ai-model.js';
import { newId } from '../../core/ids.js';
import type { StoreContext } from '../context.js';
import { badReference, inUse } from '../errors.js';
import type { AiProvidersTable, Database } from '../schema.js';
import type { ListQuery, Page, SharedCrudRepo, TeamScope } from '../types.js';
import { aliasesUsing } from './ai-aliases.js';
import { eq, fromBool, inReadScope, inScope, listFilters, listPage, nameList, nowIso, parseJson, toBool } from './common.js';
import { requireTeam } from './refs.js';

export type AiProviderCreateInput = Omit<AiProviderCreate, 'team_id'> & { team_id: string | null };

export function toAiProvider(row: Selectable<AiProvidersTable>): AiProvider {
  return {
    id: row.id,
    team_id: row.team_id,
    name: row.name,
    kind: row.kind as AiProvider['kind'],
    description: row.description,
    base_url: row.base_url,
    settings: parseJson<ProviderSettings>(row.settings),
    enabled: toBool(row.enabled),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

const conflict = (name: string, teamId: string | null) => () =>
  teamId === null
    ? `an organisation-wide AI provider named '${name}' already exists`
    : `an AI provider named '${name}' already exists in this team`;

/**
 * Organisation-wide providers (team_id null) are read by every scope, since every team may use
 * them, and changed only with the `'all'` scope: reads filter with `inReadScope`, writes with
 * `inScope`. A team scope creating an organisation-wide provider is not refused here; the admin
 * API decides who may.
 */
export class AiProviderRepo implements SharedCrudRepo<AiProvider, AiProviderCreateInput, AiProviderUpdate> {
  constructor(private readonly ctx: StoreContext) {}

  list(scope: TeamScope, query?: ListQuery): Promise<Page<AiProvider>> {
    const filters = listFilters(scope, query, 'team_id', inReadScope(scope));
    return this.ctx.read((db) => listPage(db, 'ai_providers', filters, query?.limit, toAiProvider));
  }

  get(scope: TeamScope, id: string): Promise<AiProvider | undefined> {
    return this.ctx.read((db) => findAiProvider(db, inReadScope(scope), id));
  }

  getByName(scope: TeamScope, teamId: string | null, name: string): Promise<AiProvider | undefined> {
    return this.ctx.read(async (db) => {
      const row = await db
        .selectFrom('ai_providers')
        .selectAll()
        .where(eq('team_id', teamId))
        .where('name', '=', name)
        .where(inReadScope(scope))
        .executeTakeFirst();
      return row && toAiProvider(row);
    });
  }

  create(input: AiProviderCreateInput): Promise<AiProvider> {
    return this.ctx.write(
      async (db, changed) => {
        if (input.team_id !== null) await requireTeam(db, input.team_id);
        const now = nowIso();
        const row = {
          id: newId('aiProvider'),
          team_id: input.team_id,
          name: input.name,
          kind: input.kind,
          description: input.description ?? '',
          base_url: input.base_url ?? null,
          settings: JSON.stringify(input.settings ?? {}),
          enabled: fromBool(input.enabled ?? true),
          created_at: now,
          updated_at: now,
        };
        await db.insertInto('ai_providers').values(row).execute();
        changed();
        return toAiProvider(row);
      },
      {
        conflict: conflict(input.name, input.team_id),
        reference: () => badReference('/team_id', `team '${input.team_id ?? ''}' does not exist`),
      },
    );
  }

  update(scope: TeamScope, id: string, patch: AiProviderUpdate): Promise<AiProvider | undefined> {
    let teamId: string | null = null;
    return this.ctx.write(
      async (db, changed) => {
        const current = await findAiProvider(db, inScope(scope), id);
        if (!current) return undefined;
        teamId = current.team_id;
        const row = await db
          .updateTable('ai_providers')
          .set({
            ...(patch.name !== undefined && { name: patch.name }),
            ...(patch.description !== undefined && { description: patch.description }),
            ...(patch.base_url !== undefined && { base_url: patch.base_url }),
            ...(patch.settings !== undefined && { settings: JSON.stringify(patch.settings) }),
            ...(patch.enabled !== undefined && { enabled: fromBool(patch.enabled) }),
            updated_at: nowIso(),
          })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirstOrThrow();
        changed();
        return toAiProvider(row);
      },
      { conflict: () => conflict(patch.name ?? '', teamId)() },
    );
  }

  /** Deletes the provider's keys with it (foreign key cascade); GANTRY_ERR_IN_USE while an alias targets it. */
  delete(scope: TeamScope, id: string): Promise<boolean> {
    return this.ctx.write(async (db, changed) => {
      // Locked so that an alias being pointed at it concurrently waits and then finds it gone.
      const provider = await findAiProvider(db, inScope(scope), id, this.ctx.root.dialect === 'postgres');
      if (!provider) return false;
      const aliases = await aliasesUsing(db, provider);
      if (aliases.total > 0) {
        throw inUse(
          `AI provider '${provider.name}' is a target of alias${aliases.total === 1 ? '' : 'es'} ` +
            `${nameList(aliases.names, aliases.total)}; change their targets or delete them first`,
        );
      }
      await db.deleteFrom('ai_providers').where('id', '=', id).execute();
      changed();
      return true;
    });
  }
}

export async function findAiProvider(
  db: Kysely<Database>,
  visible: Expression<SqlBool>,
  id: string,
  forUpdate = false,
): Promise<AiProvider | undefined> {
  const row = await db
    .selectFrom('ai_providers')
    .selectAll()
    .where('id', '=', id)
    .where(visible)
    .$if(forUpdate, (q) => q.forUpdate())
    .executeTakeFirst();
  return row && toAiProvider(row);
}
