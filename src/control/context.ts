/**
 * What route modules share: the store, how a configuration change is committed, and how the team of a
 * new resource is chosen.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { ModelCatalog } from '../ai/catalog/index.js';
import type { CachePurgeService } from '../cluster/cache-purger.js';
import { GantryError, validationError } from '../core/errors.js';
import type { SecretBox } from '../core/secrets.js';
import { validateConfig } from '../gateway/index.js';
import type { Store } from '../store/types.js';
import { isOrgAdmin, type Authenticator, type Principal } from './auth.js';

export interface NodeInfo {
  nodeId: string;
  version: string;
  /** The config version the local data plane is serving, when one runs in this process. */
  dataPlaneVersion?: () => number;
}

export interface ControlContext {
  store: Store;
  auth: Authenticator;
  log: FastifyBaseLogger;
  nodeInfo: NodeInfo;
  /** Seals AI provider keys before they reach the store. */
  secretBox: SecretBox;
  /** The shipped model catalog; stored overrides are applied on top of it. */
  catalog: ModelCatalog;
  /** Awaited: when a change's response is sent, this node's data plane already serves it. */
  onConfigChange?: () => void | Promise<void>;
  /** Purges cached responses on every node (POST /cache/purge); absent when the node has no cache to reach. */
  cachePurger?: CachePurgeService;
}

/**
 * Every configuration change goes through here: the mutation and a full compile check of the
 * resulting configuration run in one transaction, so a change the data plane could not serve (a route
 * that collides with another, a policy bound to nothing) is rolled back and answered with the
 * validator's GantryError. Listeners hear about committed changes only.
 */
export async function commitConfigChange<T>(ctx: ControlContext, mutate: (tx: Store) => Promise<T>): Promise<T> {
  const result = await ctx.store.transaction(async (tx) => {
    const value = await mutate(tx);
    validateConfig(await tx.loadConfig());
    return value;
  });
  try {
    await ctx.onConfigChange?.();
  } catch (err) {
    // The change is committed; a failing listener must not turn it into an error response.
    ctx.log.error({ err }, 'onConfigChange listener failed');
  }
  return result;
}

export const DEFAULT_TEAM_NAME = 'default';

function teamNotFound(teamId: string): GantryError {
  return validationError(`Team '${teamId}' not found`, [{ path: '/team_id', message: 'team not found' }]);
}

/**
 * The team a new resource belongs to. Org admins name any existing team or get the `default` team;
 * team principals get their own team, and naming another team looks exactly like naming one that does
 * not exist.
 */
export async function resolveTeamId(store: Store, who: Principal, requested: string | undefined): Promise<string> {
  if (who.scope !== 'all') {
    if (requested === undefined || requested === who.teamId) {
      if (who.teamId === null) throw teamNotFound('');
      return who.teamId;
    }
    throw teamNotFound(requested);
  }
  if (requested !== undefined) {
    if (!(await store.teams.get(who.scope, requested))) throw teamNotFound(requested);
    return requested;
  }
  const fallback = await store.teams.getByName(who.scope, '', DEFAULT_TEAM_NAME);
  if (!fallback) {
    throw validationError(`team_id is required: there is no team named '${DEFAULT_TEAM_NAME}'`, [
      { path: '/team_id', message: 'is required' },
    ]);
  }
  return fallback.id;
}

/**
 * The team of a new AI provider or alias, which may also be organisation-wide (`team_id: null`):
 * only org admins may create those. Absent or an id: as resolveTeamId.
 */
export async function resolveOwnerTeamId(
  store: Store,
  who: Principal,
  requested: string | null | undefined,
  kind: string,
): Promise<string | null> {
  if (requested !== null) return resolveTeamId(store, who, requested);
  if (!isOrgAdmin(who)) {
    throw new GantryError('GANTRY_ERR_FORBIDDEN', `Only an org_admin token may create organisation-wide ${kind}; omit team_id`);
  }
  return null;
}

/**
 * Organisation-wide records (team_id null) are readable by every team and writable by org admins
 * only. Called after the record was found in the caller's scope, so other teams' ids still read as 404.
 */
export function assertWritable(who: Principal, record: { team_id: string | null }, kind: string): void {
  if (record.team_id === null && !isOrgAdmin(who)) {
    throw new GantryError('GANTRY_ERR_FORBIDDEN', `Organisation-wide ${kind} can be changed by an org_admin token only`);
  }
}
