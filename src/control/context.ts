/**
 * What route modules share: the store, how a configuration change is committed, and how the team of a
 * new resource is chosen.
 */
import type { FastifyBaseLogger } from 'fastify';
import { GantryError, validationError } from '../core/errors.js';
import { validateConfig } from '../gateway/index.js';
import type { Store } from '../store/types.js';
import type { Authenticator, Principal } from './auth.js';

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
  /** Awaited: when a change's response is sent, this node's data plane already serves it. */
  onConfigChange?: () => void | Promise<void>;
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
