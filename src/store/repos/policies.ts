import type { Kysely, Selectable } from 'kysely';
import { newId } from '../../core/ids.js';
import type { Policy, PolicyCreate, PolicyScope, PolicyUpdate } from '../../core/model.js';
import type { StoreContext } from '../context.js';
import { badReference } from '../errors.js';
import type { Database, PoliciesTable } from '../schema.js';
import type { CrudRepo, Page, PolicyListQuery, TeamScope } from '../types.js';
import { eq, fromBool, inScope, invalid, listFilters, listPage, nowIso, parseJson, toBool } from './common.js';
import { requireInTeam } from './refs.js';

export type PolicyCreateInput = PolicyCreate & { team_id: string | null; name: string };

export function toPolicy(row: Selectable<PoliciesTable>): Policy {
  return {
    id: row.id,
    team_id: row.team_id,
    name: row.name,
    type: row.type,
    scope: row.scope as PolicyScope,
    target_id: row.target_id,
    config: parseJson<Record<string, unknown>>(row.config),
    enabled: toBool(row.enabled),
    priority: row.priority,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

function conflict(scope: string, name: string): () => string {
  return () =>
    scope === 'global'
      ? `a global policy named '${name}' already exists`
      : `a policy named '${name}' already exists on this ${scope}`;
}

/**
 * Global policies (team_id null) are visible only to the `'all'` scope: a team scope filters on
 * team_id, which a global policy does not have. Names are unique per scope target.
 */
export class PolicyRepo implements CrudRepo<Policy, PolicyCreateInput, PolicyUpdate, PolicyListQuery> {
  constructor(private readonly ctx: StoreContext) {}

  async list(scope: TeamScope, query?: PolicyListQuery): Promise<Page<Policy>> {
    const filters = listFilters(scope, query);
    if (query?.scope !== undefined) filters.push(eq('scope', query.scope));
    if (query?.target_id !== undefined) filters.push(eq('target_id', query.target_id));
    if (query?.type !== undefined) filters.push(eq('type', query.type));
    return this.ctx.read((db) => listPage(db, 'policies', filters, query?.limit, toPolicy));
  }

  get(scope: TeamScope, id: string): Promise<Policy | undefined> {
    return this.ctx.read((db) => findPolicy(db, scope, id));
  }

  /**
   * The team's oldest policy with this name. Names are unique per target, so a team can hold several
   * policies of one name on different services or routes; filter `list` by scope and target_id to
   * tell them apart.
   */
  getByName(scope: TeamScope, teamId: string, name: string): Promise<Policy | undefined> {
    return this.ctx.read(async (db) => {
      const row = await db
        .selectFrom('policies')
        .selectAll()
        .where('team_id', '=', teamId)
        .where('name', '=', name)
        .where(inScope(scope))
        .orderBy('id')
        .executeTakeFirst();
      return row && toPolicy(row);
    });
  }

  create(input: PolicyCreateInput): Promise<Policy> {
    const target = input.target_id ?? null;
    return this.ctx.write(
      async (db, changed) => {
        if (input.scope === 'global') {
          if (input.team_id !== null) throw invalid('/team_id', 'a global policy belongs to no team; team_id must be null');
          if (target !== null) throw invalid('/target_id', 'a global policy has no target_id');
        } else {
          if (input.team_id === null) throw invalid('/team_id', `a ${input.scope} policy belongs to its ${input.scope}'s team`);
          if (target === null) throw invalid('/target_id', `a ${input.scope} policy needs the id of its ${input.scope}`);
          // Shared lock (PostgreSQL): a concurrent delete of the target waits for this insert to commit.
          const table = input.scope === 'service' ? 'services' : 'routes';
          await requireInTeam(db, table, target, input.team_id, '/target_id', this.ctx.root.dialect === 'postgres');
        }
        const now = nowIso();
        const row = {
          id: newId('policy'),
          team_id: input.team_id,
          name: input.name,
          type: input.type,
          scope: input.scope,
          target_id: target,
          config: JSON.stringify(input.config ?? {}),
          enabled: fromBool(input.enabled ?? true),
          priority: input.priority ?? null,
          created_at: now,
          updated_at: now,
        };
        await db.insertInto('policies').values(row).execute();
        changed();
        return toPolicy(row);
      },
      {
        conflict: conflict(input.scope, input.name),
        reference: () => badReference('/team_id', `team '${input.team_id ?? ''}' does not exist`),
      },
    );
  }

  update(scope: TeamScope, id: string, patch: PolicyUpdate): Promise<Policy | undefined> {
    let policyScope = 'global';
    return this.ctx.write(
      async (db, changed) => {
        const current = await findPolicy(db, scope, id);
        if (!current) return undefined;
        policyScope = current.scope;
        const row = await db
          .updateTable('policies')
          .set({
            ...(patch.name !== undefined && { name: patch.name }),
            ...(patch.config !== undefined && { config: JSON.stringify(patch.config) }),
            ...(patch.enabled !== undefined && { enabled: fromBool(patch.enabled) }),
            ...(patch.priority !== undefined && { priority: patch.priority }),
            updated_at: nowIso(),
          })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirstOrThrow();
        changed();
        return toPolicy(row);
      },
      { conflict: () => conflict(policyScope, patch.name ?? '')() },
    );
  }

  delete(scope: TeamScope, id: string): Promise<boolean> {
    return this.ctx.write(async (db, changed) => {
      const result = await db.deleteFrom('policies').where('id', '=', id).where(inScope(scope)).executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) return false;
      changed();
      return true;
    });
  }
}

async function findPolicy(db: Kysely<Database>, scope: TeamScope, id: string): Promise<Policy | undefined> {
  const row = await db.selectFrom('policies').selectAll().where('id', '=', id).where(inScope(scope)).executeTakeFirst();
  return row && toPolicy(row);
}
