import { sql, type Expression, type Kysely, type Selectable, type SqlBool } from 'kysely';
import type { AiAlias } from '../../core/ai-model.js';
import { validationError, type ErrorDetail } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { StoreContext } from '../context.js';
import { badReference } from '../errors.js';
import type { AiAliasesTable, Database } from '../schema.js';
import type { AiAliasCreateInput, AiAliasUpdateInput, ListQuery, Page, SharedCrudRepo, TeamScope } from '../types.js';
import { eq, inReadScope, inScope, likeLiteral, listFilters, listPage, nowIso, parseJson } from './common.js';
import { requireTeam } from './refs.js';

type StoredTarget = AiAlias['targets'][number];

export function toAiAlias(row: Selectable<AiAliasesTable>): AiAlias {
  return {
    id: row.id,
    team_id: row.team_id,
    name: row.name,
    description: row.description,
    strategy: row.strategy as AiAlias['strategy'],
    targets: parseJson<StoredTarget[]>(row.targets),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

function targetsJson(targets: AiAliasCreateInput['targets']): string {
  const stored: StoredTarget[] = targets.map((t) => ({ provider_id: t.provider_id, model: t.model, weight: t.weight ?? 1 }));
  return JSON.stringify(stored);
}

const conflict = (name: string, teamId: string | null) => () =>
  teamId === null
    ? `an organisation-wide AI alias named '${name}' already exists`
    : `an AI alias named '${name}' already exists in this team`;

/**
 * Every target's provider must be usable by the alias's team: one of the team's own providers or an
 * organisation-wide one (an organisation-wide alias may use only organisation-wide providers).
 * `forShare` (PostgreSQL) holds the providers until commit: no foreign key guards these references.
 */
async function checkTargets(
  db: Kysely<Database>,
  teamId: string | null,
  targets: AiAliasCreateInput['targets'],
  forShare: boolean,
): Promise<void> {
  const ids = [...new Set(targets.map((t) => t.provider_id))];
  const usable = teamId === null ? eq('team_id', null) : inReadScope([teamId]);
  const rows =
    ids.length === 0
      ? []
      : await db
          .selectFrom('ai_providers')
          .select('id')
          .where('id', 'in', ids)
          .where(usable)
          .$if(forShare, (q) => q.forShare())
          .execute();
  const found = new Set(rows.map((r) => r.id));
  const whose = teamId === null ? 'organisation-wide' : 'of this team or organisation-wide';
  const details: ErrorDetail[] = [];
  targets.forEach((t, i) => {
    if (!found.has(t.provider_id)) {
      details.push({ path: `/targets/${i}/provider`, message: `no AI provider with id '${t.provider_id}' ${whose}` });
    }
  });
  if (details.length > 0) {
    throw validationError(details.length === 1 ? details[0]!.message : 'some alias targets name no usable AI provider', details);
  }
}

/** Same visibility as providers: organisation-wide aliases are read by every scope, changed only with `'all'`. */
export class AiAliasRepo implements SharedCrudRepo<AiAlias, AiAliasCreateInput, AiAliasUpdateInput> {
  constructor(private readonly ctx: StoreContext) {}

  list(scope: TeamScope, query?: ListQuery): Promise<Page<AiAlias>> {
    const filters = listFilters(scope, query, 'team_id', inReadScope(scope));
    return this.ctx.read((db) => listPage(db, 'ai_aliases', filters, query?.limit, toAiAlias));
  }

  get(scope: TeamScope, id: string): Promise<AiAlias | undefined> {
    return this.ctx.read((db) => findAiAlias(db, inReadScope(scope), id));
  }

  getByName(scope: TeamScope, teamId: string | null, name: string): Promise<AiAlias | undefined> {
    return this.ctx.read(async (db) => {
      const row = await db
        .selectFrom('ai_aliases')
        .selectAll()
        .where(eq('team_id', teamId))
        .where('name', '=', name)
        .where(inReadScope(scope))
        .executeTakeFirst();
      return row && toAiAlias(row);
    });
  }

  create(input: AiAliasCreateInput): Promise<AiAlias> {
    return this.ctx.write(
      async (db, changed) => {
        if (input.team_id !== null) await requireTeam(db, input.team_id);
        await checkTargets(db, input.team_id, input.targets, this.ctx.root.dialect === 'postgres');
        const now = nowIso();
        const row = {
          id: newId('aiAlias'),
          team_id: input.team_id,
          name: input.name,
          description: input.description ?? '',
          strategy: input.strategy ?? 'fallback',
          targets: targetsJson(input.targets),
          created_at: now,
          updated_at: now,
        };
        await db.insertInto('ai_aliases').values(row).execute();
        changed();
        return toAiAlias(row);
      },
      {
        conflict: conflict(input.name, input.team_id),
        reference: () => badReference('/team_id', `team '${input.team_id ?? ''}' does not exist`),
      },
    );
  }

  update(scope: TeamScope, id: string, patch: AiAliasUpdateInput): Promise<AiAlias | undefined> {
    let teamId: string | null = null;
    return this.ctx.write(
      async (db, changed) => {
        const current = await findAiAlias(db, inScope(scope), id);
        if (!current) return undefined;
        teamId = current.team_id;
        if (patch.targets !== undefined) {
          await checkTargets(db, current.team_id, patch.targets, this.ctx.root.dialect === 'postgres');
        }
        const row = await db
          .updateTable('ai_aliases')
          .set({
            ...(patch.name !== undefined && { name: patch.name }),
            ...(patch.description !== undefined && { description: patch.description }),
            ...(patch.strategy !== undefined && { strategy: patch.strategy }),
            ...(patch.targets !== undefined && { targets: targetsJson(patch.targets) }),
            updated_at: nowIso(),
          })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirstOrThrow();
        changed();
        return toAiAlias(row);
      },
      { conflict: () => conflict(patch.name ?? '', teamId)() },
    );
  }

  delete(scope: TeamScope, id: string): Promise<boolean> {
    return this.ctx.write(async (db, changed) => {
      const result = await db.deleteFrom('ai_aliases').where('id', '=', id).where(inScope(scope)).executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) return false;
      changed();
      return true;
    });
  }
}

async function findAiAlias(db: Kysely<Database>, visible: Expression<SqlBool>, id: string): Promise<AiAlias | undefined> {
  const row = await db.selectFrom('ai_aliases').selectAll().where('id', '=', id).where(visible).executeTakeFirst();
  return row && toAiAlias(row);
}

/**
 * Up to five names of the aliases that target the provider, and how many there are. Only the
 * provider's own team, or every team for an organisation-wide provider, can have such aliases.
 */
export async function aliasesUsing(
  db: Kysely<Database>,
  provider: { id: string; team_id: string | null },
): Promise<{ names: string[]; total: number }> {
  // The stored JSON is written by targetsJson, so the key and value appear exactly like this.
  const needle = `%${likeLiteral(JSON.stringify({ provider_id: provider.id }).slice(1, -1))}%`;
  const rows = await db
    .selectFrom('ai_aliases')
    .select(['name', 'targets'])
    .where(sql<SqlBool>`targets like ${needle} escape '\\'`)
    .$if(provider.team_id !== null, (q) => q.where(eq('team_id', provider.team_id)))
    .orderBy('name')
    .execute();
  const names = rows
    .filter((r) => parseJson<StoredTarget[]>(r.targets).some((t) => t.provider_id === provider.id))
    .map((r) => r.name);
  return { names: names.slice(0, 5), total: names.length };
}
