import type { Kysely, Selectable } from 'kysely';
import { newId } from '../../core/ids.js';
import type { Team, TeamCreate, TeamUpdate } from '../../core/model.js';
import type { StoreContext } from '../context.js';
import { inUse } from '../errors.js';
import type { Database, ResourceTable, TeamsTable } from '../schema.js';
import type { CrudRepo, ListQuery, Page, TeamScope } from '../types.js';
import { eq, inScope, listFilters, listPage, nowIso, referencing } from './common.js';

export function toTeam(row: Selectable<TeamsTable>): Team {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

const conflict = (name: string) => () => `a team named '${name}' already exists`;

/** What a team can own, in the order a person would delete it. */
const OWNED: { table: ResourceTable; one: string; many: string }[] = [
  { table: 'routes', one: 'route', many: 'routes' },
  { table: 'services', one: 'service', many: 'services' },
  { table: 'upstreams', one: 'upstream', many: 'upstreams' },
  { table: 'api_keys', one: 'API key', many: 'API keys' },
  { table: 'apps', one: 'app', many: 'apps' },
  { table: 'policies', one: 'policy', many: 'policies' },
  { table: 'ai_aliases', one: 'AI alias', many: 'AI aliases' },
  // Their keys go with them.
  { table: 'ai_providers', one: 'AI provider', many: 'AI providers' },
  { table: 'admin_tokens', one: 'admin token', many: 'admin tokens' },
];

/** Teams are the scope themselves: a team scope sees the teams it lists. Names are unique overall. */
export class TeamRepo implements CrudRepo<Team, TeamCreate, TeamUpdate> {
  constructor(private readonly ctx: StoreContext) {}

  list(scope: TeamScope, query?: ListQuery): Promise<Page<Team>> {
    return this.ctx.read((db) => listPage(db, 'teams', listFilters(scope, query, 'id'), query?.limit, toTeam));
  }

  get(scope: TeamScope, id: string): Promise<Team | undefined> {
    return this.ctx.read((db) => findTeam(db, scope, id));
  }

  /** `teamId` is not used: team names are unique across the organisation. */
  getByName(scope: TeamScope, _teamId: string, name: string): Promise<Team | undefined> {
    return this.ctx.read(async (db) => {
      const row = await db
        .selectFrom('teams')
        .selectAll()
        .where('name', '=', name)
        .where(inScope(scope, 'id'))
        .executeTakeFirst();
      return row && toTeam(row);
    });
  }

  create(input: TeamCreate): Promise<Team> {
    return this.ctx.write(
      async (db, changed) => {
        const now = nowIso();
        const row = { id: newId('team'), name: input.name, description: input.description ?? '', created_at: now, updated_at: now };
        await db.insertInto('teams').values(row).execute();
        changed();
        return toTeam(row);
      },
      { conflict: conflict(input.name) },
    );
  }

  update(scope: TeamScope, id: string, patch: TeamUpdate): Promise<Team | undefined> {
    return this.ctx.write(
      async (db, changed) => {
        const row = await db
          .updateTable('teams')
          .set({
            ...(patch.name !== undefined && { name: patch.name }),
            ...(patch.description !== undefined && { description: patch.description }),
            updated_at: nowIso(),
          })
          .where('id', '=', id)
          .where(inScope(scope, 'id'))
          .returningAll()
          .executeTakeFirst();
        if (!row) return undefined;
        changed();
        return toTeam(row);
      },
      { conflict: conflict(patch.name ?? '') },
    );
  }

  /** Throws GANTRY_ERR_IN_USE while the team owns anything: deleting a team never deletes its config. */
  delete(scope: TeamScope, id: string): Promise<boolean> {
    return this.ctx.write(
      async (db, changed) => {
        const team = await findTeam(db, scope, id);
        if (!team) return false;
        const owned: string[] = [];
        for (const { table, one, many } of OWNED) {
          const { total } = await referencing(db, table, eq('team_id', id));
          if (total > 0) owned.push(`${total} ${total === 1 ? one : many}`);
        }
        if (owned.length > 0) {
          throw inUse(`team '${team.name}' still owns ${owned.join(', ')}; delete them first`);
        }
        await db.deleteFrom('teams').where('id', '=', id).execute();
        changed();
        return true;
      },
      { reference: () => inUse('the team is still referenced by a resource created meanwhile; try again') },
    );
  }
}

async function findTeam(db: Kysely<Database>, scope: TeamScope, id: string): Promise<Team | undefined> {
  const row = await db.selectFrom('teams').selectAll().where('id', '=', id).where(inScope(scope, 'id')).executeTakeFirst();
  return row && toTeam(row);
}
