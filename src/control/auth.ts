/**
 * Authentication (admin bearer tokens) and role checks. The chain per route is
 * authenticate (onRequest) → authorize (preValidation: role gates) → validate (schemas) → handler
 * (team scoping through the store) → present. Scoping is never done by filtering here: every store call
 * gets the principal's scope, so a resource of another team simply does not exist for the caller.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AdminRole, AdminTokenRecord } from '../core/model.js';
import { GantryError } from '../core/errors.js';
import { hashSecret } from '../core/ids.js';
import type { Store, TeamScope } from '../store/types.js';

export interface Principal {
  tokenId: string;
  role: AdminRole;
  /** Null for org admins. */
  teamId: string | null;
  /** What every store call made for this principal is limited to. */
  scope: TeamScope;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** A deleted token must stop working within 5 s; cached lookups live at most this long. */
const CACHE_TTL_MS = 2000;
const CACHE_MAX_ENTRIES = 1000;

interface CacheEntry {
  token: AdminTokenRecord;
  until: number;
}

export class Authenticator {
  readonly #store: Store;
  readonly #cache = new Map<string, CacheEntry>();

  constructor(store: Store) {
    this.#store = store;
  }

  /** Fastify onRequest hook. */
  readonly authenticate = async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match?.[1]) throw new GantryError('GANTRY_ERR_ADMIN_UNAUTHENTICATED');
    const token = await this.#lookup(hashSecret(match[1]));
    if (!token) throw new GantryError('GANTRY_ERR_ADMIN_UNAUTHENTICATED');
    if (token.expires_at !== null && Date.parse(token.expires_at) <= Date.now()) {
      throw new GantryError('GANTRY_ERR_ADMIN_UNAUTHENTICATED', 'The admin token has expired; create a new one');
    }
    request.principal = principalOf(token);
  };

  /** Drops a token from the cache at once (called when the token is deleted through this API). */
  forget(tokenHash: string): void {
    this.#cache.delete(tokenHash);
  }

  async #lookup(tokenHash: string): Promise<AdminTokenRecord | undefined> {
    const now = Date.now();
    const cached = this.#cache.get(tokenHash);
    if (cached && cached.until > now) return cached.token;
    this.#cache.delete(tokenHash);
    // Misses are not cached, so a token works the moment it is created.
    const token = await this.#store.adminTokens.findByHash(tokenHash);
    if (token) {
      if (this.#cache.size >= CACHE_MAX_ENTRIES) this.#cache.clear();
      this.#cache.set(tokenHash, { token, until: now + CACHE_TTL_MS });
    }
    return token;
  }
}

function principalOf(token: AdminTokenRecord): Principal {
  if (token.role === 'org_admin') return { tokenId: token.id, role: token.role, teamId: null, scope: 'all' };
  // A team token without a team is a broken record: it may see nothing rather than everything.
  const scope = token.team_id === null ? [] : [token.team_id];
  return { tokenId: token.id, role: token.role, teamId: token.team_id, scope };
}

/** The authenticated principal; routes behind `authenticate` always have one. */
export function principal(request: FastifyRequest): Principal {
  if (!request.principal) throw new GantryError('GANTRY_ERR_ADMIN_UNAUTHENTICATED');
  return request.principal;
}

export function isOrgAdmin(p: Principal): boolean {
  return p.role === 'org_admin';
}

// ---------------------------------------------------------------- role gates (preValidation hooks)

/** Writes: org and team admins; team viewers are read-only. */
export async function requireWriter(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  if (principal(request).role === 'team_viewer') {
    throw new GantryError('GANTRY_ERR_FORBIDDEN', 'A team_viewer token is read-only');
  }
}

/** Admin tokens: org and team admins only (a viewer may not even list them). */
export async function requireAdmin(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  if (principal(request).role === 'team_viewer') {
    throw new GantryError('GANTRY_ERR_FORBIDDEN', 'A team_viewer token may not manage admin tokens');
  }
}

/** Organisation-wide operations: teams, global policies. */
export async function requireOrgAdmin(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  if (!isOrgAdmin(principal(request))) {
    throw new GantryError('GANTRY_ERR_FORBIDDEN', 'Only an org_admin token may do this');
  }
}
