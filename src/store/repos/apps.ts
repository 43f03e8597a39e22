import type { Kysely, Selectable } from 'kysely';
import { newId } from '../../core/ids.js';
import type { AiLimits } from '../../core/ai-limits.js';
import type { App, AppCreate, AppUpdate } from '../../core/model.js';
import type { StoreContext } from '../context.js';
import { badReference, inUse } from '../errors.js';
import type { AppsTable, Database } from '../schema.js';
import type { CrudRepo, ListQuery, Page, TeamScope, WithTeam } from '../types.js';
import { inScope, listFilters, listPage, nowIso, parseJson, findByName } from './common.js';
import { requireTeam } from './refs.js';

export function toApp(row: Selectable<AppsTable>): App {
  return {
    id: row.id,
    team_id: row.team_id,
    name: row.name,
    description: row.description,
    ai_limits: parseJson<AiLimits>(row.ai_limits),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

const conflict = (name: string) => () => `an app named '${name}' already exists in this team`;

export class AppRepo implements CrudRepo<App, WithTeam<AppCreate>, AppUpdate> {
  constructor(private readonly ctx: StoreContext) {}

  list(scope: TeamScope, query?: ListQuery): Promise<Page<App>> {
    return this.ctx.read((db) => listPage(db, 'apps', listFilters(scope, query), query?.limit, toApp));
  }

  get(scope: TeamScope, id: string): Promise<App | undefined> {
    return this.ctx.read((db) => findApp(db, scope, id));
  }

  getByName(scope: TeamScope, teamId: string, name: string): Promise<App | undefined> {
    return this.ctx.read((db) => findByName(db, 'apps', scope, teamId, name, toApp));
  }

  create(input: WithTeam<AppCreate>): Promise<App> {
    return this.ctx.write(
      async (db, changed) => {
        await requireTeam(db, input.team_id);
        const now = nowIso();
        const row = {
          id: newId('app'),
          team_id: input.team_id,
          name: input.name,
          description: input.description ?? '',
          ai_limits: JSON.stringify(input.ai_limits ?? {}),
          created_at: now,
          updated_at: now,
        };
        await db.insertInto('apps').values(row).execute();
        changed();
        return toApp(row);
      },
      {
        conflict: conflict(input.name),
        reference: () => badReference('/team_id', `team '${input.team_id}' does not exist`),
      },
    );
  }

  update(scope: TeamScope, id: string, patch: AppUpdate): Promise<App | undefined> {
    return this.ctx.write(
      async (db, changed) => {
        const row = await db
          .updateTable('apps')
          .set({
            ...(patch.name !== undefined && { name: patch.name }),
            ...(patch.description !== undefined && { description: patch.description }),
            ...(patch.ai_limits !== undefined && { ai_limits: JSON.stringify(patch.ai_limits) }),
            updated_at: nowIso(),
          })
          .where('id', '=', id)
          .where(inScope(scope))
          .returningAll()
          .executeTakeFirst();
        if (!row) return undefined;
        changed();
        return toApp(row);
      },
      { conflict: conflict(patch.name ?? '') },
    );
  }

  /** Deletes the app's API keys with it. */
  delete(scope: TeamScope, id: string): Promise<boolean> {
    return this.ctx.write(
      async (db, changed) => {
        const app = await findApp(db, scope, id);
        if (!app) return false;
        await db.deleteFrom('api_keys').where('app_id', '=', id).execute();
        await db.deleteFrom('apps').where('id', '=', id).execute();
        changed();
        return true;
      },
      { reference: () => inUse('the app was just given a new API key; try again') },
    );
  }
}

async function findApp(db: Kysely<Database>, scope: TeamScope, id: string): Promise<App | undefined> {
  const row = await db.selectFrom('apps').selectAll().where('id', '=', id).where(inScope(scope)).executeTakeFirst();
  return row && toApp(row);
}
