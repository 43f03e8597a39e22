import type { Kysely, Selectable } from 'kysely';
import { newId } from '../../core/ids.js';
import {
  SERVICE_DEFAULTS,
  type AiServiceSettings,
  type Service,
  type ServiceCreate,
  type ServiceKind,
  type ServiceUpdate,
  type Timeouts,
} from '../../core/model.js';
import type { StoreContext } from '../context.js';
import { badReference, inUse } from '../errors.js';
import type { Database, ServicesTable } from '../schema.js';
import type { CrudRepo, ListQuery, Page, TeamScope, WithTeam } from '../types.js';
import { eq, fromBool, inScope, listFilters, listPage, nameList, nowIso, parseJson, referencing, toBool, findByName } from './common.js';
import { requireInTeam } from './refs.js';

export function toService(row: Selectable<ServicesTable>): Service {
  return {
    id: row.id,
    team_id: row.team_id,
    name: row.name,
    description: row.description,
    kind: row.kind as ServiceKind,
    upstream_id: row.upstream_id,
    path: row.path,
    preserve_host: toBool(row.preserve_host),
    timeouts: parseJson<Service['timeouts']>(row.timeouts),
    retries: row.retries,
    enabled: toBool(row.enabled),
    ai: parseJson<AiServiceSettings>(row.ai),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** A timeouts object given in a create or an update replaces the stored one; missing fields take defaults. */
function timeoutsJson(timeouts: Timeouts | undefined): string {
  return JSON.stringify({ ...SERVICE_DEFAULTS.timeouts, ...timeouts });
}

const conflict = (name: string) => () => `a service named '${name}' already exists in this team`;
const upstreamGone = () => badReference('/upstream_id', 'the upstream does not exist (deleted meanwhile?)');

/**
 * An `http` service proxies to an upstream of its own team; an `ai` service has none. `upstreamId`
 * is the value the service would have after the write.
 */
async function checkUpstream(
  db: Kysely<Database>,
  kind: ServiceKind,
  upstreamId: string | null | undefined,
  teamId: string,
): Promise<void> {
  if (kind === 'ai') {
    if (upstreamId != null) {
      throw badReference('/upstream_id', 'an ai service has no upstream_id: AI services call providers, not upstreams');
    }
    return;
  }
  if (upstreamId == null) throw badReference('/upstream_id', 'an http service needs the upstream_id it proxies to');
  await requireInTeam(db, 'upstreams', upstreamId, teamId, '/upstream_id');
}

export class ServiceRepo implements CrudRepo<Service, WithTeam<ServiceCreate>, ServiceUpdate> {
  constructor(private readonly ctx: StoreContext) {}

  list(scope: TeamScope, query?: ListQuery): Promise<Page<Service>> {
    return this.ctx.read((db) => listPage(db, 'services', listFilters(scope, query), query?.limit, toService));
  }

  get(scope: TeamScope, id: string): Promise<Service | undefined> {
    return this.ctx.read((db) => findService(db, scope, id));
  }

  getByName(scope: TeamScope, teamId: string, name: string): Promise<Service | undefined> {
    return this.ctx.read((db) => findByName(db, 'services', scope, teamId, name, toService));
  }

  create(input: WithTeam<ServiceCreate>): Promise<Service> {
    return this.ctx.write(
      async (db, changed) => {
        const kind = input.kind ?? SERVICE_DEFAULTS.kind;
        await checkUpstream(db, kind, input.upstream_id, input.team_id);
        const now = nowIso();
        const row = {
          id: newId('service'),
          team_id: input.team_id,
          name: input.name,
          description: input.description ?? '',
          kind,
          upstream_id: input.upstream_id ?? null,
          path: input.path ?? SERVICE_DEFAULTS.path,
          preserve_host: fromBool(input.preserve_host ?? SERVICE_DEFAULTS.preserve_host),
          timeouts: timeoutsJson(input.timeouts),
          retries: input.retries ?? SERVICE_DEFAULTS.retries,
          enabled: fromBool(input.enabled ?? SERVICE_DEFAULTS.enabled),
          ai: JSON.stringify(input.ai ?? SERVICE_DEFAULTS.ai),
          created_at: now,
          updated_at: now,
        };
        await db.insertInto('services').values(row).execute();
        changed();
        return toService(row);
      },
      { conflict: conflict(input.name), reference: upstreamGone },
    );
  }

  update(scope: TeamScope, id: string, patch: ServiceUpdate): Promise<Service | undefined> {
    return this.ctx.write(
      async (db, changed) => {
        const current = await findService(db, scope, id);
        if (!current) return undefined;
        if (patch.upstream_id !== undefined && patch.upstream_id !== current.upstream_id) {
          await checkUpstream(db, current.kind, patch.upstream_id, current.team_id);
        }
        const row = await db
          .updateTable('services')
          .set({
            ...(patch.name !== undefined && { name: patch.name }),
            ...(patch.description !== undefined && { description: patch.description }),
            ...(patch.upstream_id !== undefined && { upstream_id: patch.upstream_id }),
            ...(patch.path !== undefined && { path: patch.path }),
            ...(patch.preserve_host !== undefined && { preserve_host: fromBool(patch.preserve_host) }),
            ...(patch.timeouts !== undefined && { timeouts: timeoutsJson(patch.timeouts) }),
            ...(patch.retries !== undefined && { retries: patch.retries }),
            ...(patch.enabled !== undefined && { enabled: fromBool(patch.enabled) }),
            ...(patch.ai !== undefined && { ai: JSON.stringify(patch.ai) }),
            updated_at: nowIso(),
          })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirstOrThrow();
        changed();
        return toService(row);
      },
      { conflict: conflict(patch.name ?? ''), reference: upstreamGone },
    );
  }

  /** Throws GANTRY_ERR_IN_USE while routes lead to it; otherwise deletes its service-scoped policies too. */
  delete(scope: TeamScope, id: string): Promise<boolean> {
    return this.ctx.write(
      async (db, changed) => {
        // Locked so that a policy being attached to it concurrently waits and then finds it gone.
        const service = await findService(db, scope, id, this.ctx.root.dialect === 'postgres');
        if (!service) return false;
        const routes = await referencing(db, 'routes', eq('service_id', id));
        if (routes.total > 0) {
          throw inUse(
            `service '${service.name}' still has route${routes.total === 1 ? '' : 's'} ${nameList(routes.names, routes.total)}; ` +
              'delete them first',
          );
        }
        await db.deleteFrom('policies').where('scope', '=', 'service').where('target_id', '=', id).execute();
        await db.deleteFrom('services').where('id', '=', id).execute();
        changed();
        return true;
      },
      { reference: () => inUse('the service was just given a new route; try again') },
    );
  }
}

export async function findService(
  db: Kysely<Database>,
  scope: TeamScope,
  id: string,
  forUpdate = false,
): Promise<Service | undefined> {
  const row = await db
    .selectFrom('services')
    .selectAll()
    .where('id', '=', id)
    .where(inScope(scope))
    .$if(forUpdate, (q) => q.forUpdate())
    .executeTakeFirst();
  return row && toService(row);
}
