import type { Kysely, Selectable } from 'kysely';
import { newId } from '../../core/ids.js';
import type { HealthChecks, Target, Upstream, UpstreamCreate, UpstreamUpdate } from '../../core/model.js';
import type { StoreContext } from '../context.js';
import { badReference, inUse } from '../errors.js';
import type { Database, UpstreamsTable } from '../schema.js';
import type { CrudRepo, ListQuery, Page, TeamScope, WithTeam } from '../types.js';
import { eq, inScope, listFilters, listPage, nameList, nowIso, parseJson, referencing, findByName } from './common.js';
import { requireTeam } from './refs.js';

export function toUpstream(row: Selectable<UpstreamsTable>): Upstream {
  return {
    id: row.id,
    team_id: row.team_id,
    name: row.name,
    description: row.description,
    algorithm: row.algorithm as Upstream['algorithm'],
    targets: parseJson<Upstream['targets']>(row.targets),
    health_checks: parseJson<HealthChecks>(row.health_checks),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

function targetsJson(targets: Target[]): string {
  return JSON.stringify(targets.map((t) => ({ url: t.url, weight: t.weight ?? 1 })));
}

const conflict = (name: string) => () => `an upstream named '${name}' already exists in this team`;

export class UpstreamRepo implements CrudRepo<Upstream, WithTeam<UpstreamCreate>, UpstreamUpdate> {
  constructor(private readonly ctx: StoreContext) {}

  list(scope: TeamScope, query?: ListQuery): Promise<Page<Upstream>> {
    return this.ctx.read((db) => listPage(db, 'upstreams', listFilters(scope, query), query?.limit, toUpstream));
  }

  get(scope: TeamScope, id: string): Promise<Upstream | undefined> {
    return this.ctx.read((db) => findUpstream(db, scope, id));
  }

  getByName(scope: TeamScope, teamId: string, name: string): Promise<Upstream | undefined> {
    return this.ctx.read((db) => findByName(db, 'upstreams', scope, teamId, name, toUpstream));
  }

  create(input: WithTeam<UpstreamCreate>): Promise<Upstream> {
    return this.ctx.write(
      async (db, changed) => {
        await requireTeam(db, input.team_id);
        const now = nowIso();
        const row = {
          id: newId('upstream'),
          team_id: input.team_id,
          name: input.name,
          description: input.description ?? '',
          algorithm: input.algorithm ?? 'round-robin',
          targets: targetsJson(input.targets),
          health_checks: JSON.stringify(input.health_checks ?? {}),
          created_at: now,
          updated_at: now,
        };
        await db.insertInto('upstreams').values(row).execute();
        changed();
        return toUpstream(row);
      },
      {
        conflict: conflict(input.name),
        reference: () => badReference('/team_id', `team '${input.team_id}' does not exist`),
      },
    );
  }

  update(scope: TeamScope, id: string, patch: UpstreamUpdate): Promise<Upstream | undefined> {
    return this.ctx.write(
      async (db, changed) => {
        const row = await db
          .updateTable('upstreams')
          .set({
            ...(patch.name !== undefined && { name: patch.name }),
            ...(patch.description !== undefined && { description: patch.description }),
            ...(patch.algorithm !== undefined && { algorithm: patch.algorithm }),
            ...(patch.targets !== undefined && { targets: targetsJson(patch.targets) }),
            ...(patch.health_checks !== undefined && { health_checks: JSON.stringify(patch.health_checks) }),
            updated_at: nowIso(),
          })
          .where('id', '=', id)
          .where(inScope(scope))
          .returningAll()
          .executeTakeFirst();
        if (!row) return undefined;
        changed();
        return toUpstream(row);
      },
      { conflict: conflict(patch.name ?? '') },
    );
  }

  /** Throws GANTRY_ERR_IN_USE while services send traffic to it. */
  delete(scope: TeamScope, id: string): Promise<boolean> {
    return this.ctx.write(
      async (db, changed) => {
        const upstream = await findUpstream(db, scope, id);
        if (!upstream) return false;
        const users = await referencing(db, 'services', eq('upstream_id', id));
        if (users.total > 0) {
          throw inUse(
            `upstream '${upstream.name}' is used by service${users.total === 1 ? '' : 's'} ${nameList(users.names, users.total)}; ` +
              'point them at another upstream or delete them first',
          );
        }
        await db.deleteFrom('upstreams').where('id', '=', id).execute();
        changed();
        return true;
      },
      { reference: () => inUse('the upstream was just referenced by a new service; try again') },
    );
  }
}

export async function findUpstream(db: Kysely<Database>, scope: TeamScope, id: string): Promise<Upstream | undefined> {
  const row = await db.selectFrom('upstreams').selectAll().where('id', '=', id).where(inScope(scope)).executeTakeFirst();
  return row && toUpstream(row);
}
