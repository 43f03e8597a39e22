import type { Kysely, Selectable } from 'kysely';
import { newId } from '../../core/ids.js';
import type { Route, RouteCreate, RouteUpdate } from '../../core/model.js';
import type { StoreContext } from '../context.js';
import { badReference } from '../errors.js';
import type { Database, RoutesTable } from '../schema.js';
import type { CrudRepo, Page, RouteListQuery, TeamScope } from '../types.js';
import { eq, fromBool, inScope, listFilters, listPage, nowIso, parseJson, toBool, findByName } from './common.js';
import { requireInTeam } from './refs.js';

export function toRoute(row: Selectable<RoutesTable>): Route {
  return {
    id: row.id,
    team_id: row.team_id,
    service_id: row.service_id,
    name: row.name,
    description: row.description,
    methods: parseJson<string[]>(row.methods),
    hosts: parseJson<string[]>(row.hosts),
    paths: parseJson<string[]>(row.paths),
    strip_prefix: toBool(row.strip_prefix),
    rewrite_path: row.rewrite_path,
    enabled: toBool(row.enabled),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

// Route names are unique per team (see the migration), not per service.
const conflict = (name: string) => () => `a route named '${name}' already exists in this team`;

export class RouteRepo implements CrudRepo<Route, RouteCreate & { team_id: string }, RouteUpdate, RouteListQuery> {
  constructor(private readonly ctx: StoreContext) {}

  async list(scope: TeamScope, query?: RouteListQuery): Promise<Page<Route>> {
    const filters = listFilters(scope, query);
    if (query?.service_id !== undefined) filters.push(eq('service_id', query.service_id));
    return this.ctx.read((db) => listPage(db, 'routes', filters, query?.limit, toRoute));
  }

  get(scope: TeamScope, id: string): Promise<Route | undefined> {
    return this.ctx.read((db) => findRoute(db, scope, id));
  }

  getByName(scope: TeamScope, teamId: string, name: string): Promise<Route | undefined> {
    return this.ctx.read((db) => findByName(db, 'routes', scope, teamId, name, toRoute));
  }

  /** The route belongs to its service's team: the service must be one of `input.team_id`'s. */
  create(input: RouteCreate & { team_id: string }): Promise<Route> {
    return this.ctx.write(
      async (db, changed) => {
        await requireInTeam(db, 'services', input.service_id, input.team_id, '/service_id');
        const now = nowIso();
        const row = {
          id: newId('route'),
          team_id: input.team_id,
          service_id: input.service_id,
          name: input.name,
          description: input.description ?? '',
          methods: JSON.stringify(input.methods ?? []),
          hosts: JSON.stringify(input.hosts ?? []),
          paths: JSON.stringify(input.paths),
          strip_prefix: fromBool(input.strip_prefix ?? false),
          rewrite_path: input.rewrite_path ?? null,
          enabled: fromBool(input.enabled ?? true),
          created_at: now,
          updated_at: now,
        };
        await db.insertInto('routes').values(row).execute();
        changed();
        return toRoute(row);
      },
      {
        conflict: conflict(input.name),
        reference: () => badReference('/service_id', 'the service does not exist (deleted meanwhile?)'),
      },
    );
  }

  update(scope: TeamScope, id: string, patch: RouteUpdate): Promise<Route | undefined> {
    return this.ctx.write(
      async (db, changed) => {
        const row = await db
          .updateTable('routes')
          .set({
            ...(patch.name !== undefined && { name: patch.name }),
            ...(patch.description !== undefined && { description: patch.description }),
            ...(patch.methods !== undefined && { methods: JSON.stringify(patch.methods) }),
            ...(patch.hosts !== undefined && { hosts: JSON.stringify(patch.hosts) }),
            ...(patch.paths !== undefined && { paths: JSON.stringify(patch.paths) }),
            ...(patch.strip_prefix !== undefined && { strip_prefix: fromBool(patch.strip_prefix) }),
            ...(patch.rewrite_path !== undefined && { rewrite_path: patch.rewrite_path }),
            ...(patch.enabled !== undefined && { enabled: fromBool(patch.enabled) }),
            updated_at: nowIso(),
          })
          .where('id', '=', id)
          .where(inScope(scope))
          .returningAll()
          .executeTakeFirst();
        if (!row) return undefined;
        changed();
        return toRoute(row);
      },
      { conflict: conflict(patch.name ?? '') },
    );
  }

  /** Deletes the route's route-scoped policies with it. */
  delete(scope: TeamScope, id: string): Promise<boolean> {
    return this.ctx.write(async (db, changed) => {
      // Locked so that a policy being attached to it concurrently waits and then finds it gone.
      const route = await findRoute(db, scope, id, this.ctx.root.dialect === 'postgres');
      if (!route) return false;
      await db.deleteFrom('policies').where('scope', '=', 'route').where('target_id', '=', id).execute();
      await db.deleteFrom('routes').where('id', '=', id).execute();
      changed();
      return true;
    });
  }
}

export async function findRoute(
  db: Kysely<Database>,
  scope: TeamScope,
  id: string,
  forUpdate = false,
): Promise<Route | undefined> {
  const row = await db
    .selectFrom('routes')
    .selectAll()
    .where('id', '=', id)
    .where(inScope(scope))
    .$if(forUpdate, (q) => q.forUpdate())
    .executeTakeFirst();
  return row && toRoute(row);
}
