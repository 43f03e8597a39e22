/**
 * Admin tokens are not configuration: changing them does not go through the config check and does not
 * notify the data plane.
 */
import type { FastifyInstance } from 'fastify';
import { GantryError, validationError } from '../../../core/errors.js';
import type { AdminTokenCreate, AdminTokenRecord } from '../../../core/model.js';
import { hashSecret, newSecret, secretHint } from '../../../core/ids.js';
import type { Page, Store } from '../../../store/types.js';
import { isOrgAdmin, principal, requireAdmin, type Principal } from '../../auth.js';
import { resolveTeamId, type ControlContext } from '../../context.js';
import { notFound } from '../../errors.js';
import { presentPage } from '../common/present.js';
import { toListQuery, type IdParams } from '../common/schema.js';
import { presentAdminToken, presentCreatedAdminToken } from './present.js';
import * as schema from './schema.js';

const DEFAULT_LIMIT = 100;

/** The store returns every token in scope; there are few, so pages are cut here (ids sort by age). */
function paginate(tokens: AdminTokenRecord[], query: schema.AdminTokenListQuery): Page<AdminTokenRecord> {
  const { limit = DEFAULT_LIMIT, cursor, team_id: teamId, name } = toListQuery(query);
  const after = cursor === undefined ? undefined : Buffer.from(cursor, 'base64url').toString('utf8');
  const matching = tokens
    .filter((t) => (teamId === undefined || t.team_id === teamId) && (name === undefined || t.name.toLowerCase().includes(name.toLowerCase())))
    .filter((t) => after === undefined || t.id > after)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const items = matching.slice(0, limit);
  const last = items[items.length - 1];
  const next_cursor = matching.length > limit && last ? Buffer.from(last.id, 'utf8').toString('base64url') : null;
  return { items, next_cursor };
}

function isUsable(token: AdminTokenRecord, now: number): boolean {
  return token.expires_at === null || Date.parse(token.expires_at) > now;
}

async function tokenTeam(store: Store, who: Principal, body: AdminTokenCreate): Promise<string | null> {
  if (body.role === 'org_admin') {
    if (!isOrgAdmin(who)) throw new GantryError('GANTRY_ERR_FORBIDDEN', 'Only an org_admin token may create org_admin tokens');
    if (body.team_id != null) {
      throw validationError('An org_admin token belongs to no team; remove team_id', [
        { path: '/team_id', message: 'must be absent or null when role is org_admin' },
      ]);
    }
    return null;
  }
  if (isOrgAdmin(who) && body.team_id == null) {
    throw validationError(`team_id is required for role ${body.role}`, [
      { path: '/team_id', message: `is required when role is ${body.role}` },
    ]);
  }
  return resolveTeamId(store, who, body.team_id ?? undefined);
}

export function adminTokenRoutes(app: FastifyInstance, ctx: ControlContext): void {
  app.get<{ Querystring: schema.AdminTokenListQuery }>(
    '/admin-tokens',
    { schema: schema.listAdminTokens, preValidation: requireAdmin },
    async (request) => {
      const tokens = await ctx.store.adminTokens.list(principal(request).scope);
      return presentPage(paginate(tokens, request.query), presentAdminToken);
    },
  );

  app.get<{ Params: IdParams }>(
    '/admin-tokens/:id',
    { schema: schema.getAdminToken, preValidation: requireAdmin },
    async (request) => {
      const token = await ctx.store.adminTokens.get(principal(request).scope, request.params.id);
      if (!token) throw notFound('Admin token', request.params.id);
      return presentAdminToken(token);
    },
  );

  app.post<{ Body: AdminTokenCreate }>(
    '/admin-tokens',
    { schema: schema.createAdminToken, preValidation: requireAdmin },
    async (request, reply) => {
      const who = principal(request);
      const body = request.body;
      const teamId = await tokenTeam(ctx.store, who, body);
      const secret = newSecret('gadm');
      const token = await ctx.store.adminTokens.create({
        name: body.name,
        role: body.role,
        team_id: teamId,
        hint: secretHint(secret),
        token_hash: hashSecret(secret),
        expires_at: body.expires_at ?? null,
      });
      return reply.status(201).send(presentCreatedAdminToken(token, secret));
    },
  );

  app.delete<{ Params: IdParams }>(
    '/admin-tokens/:id',
    { schema: schema.deleteAdminToken, preValidation: requireAdmin },
    async (request, reply) => {
      const { scope } = principal(request);
      const deleted = await ctx.store.transaction(async (tx) => {
        const token = await tx.adminTokens.get(scope, request.params.id);
        if (!token) throw notFound('Admin token', request.params.id);
        if (token.role === 'org_admin') {
          const now = Date.now();
          const others = (await tx.adminTokens.list(scope)).filter(
            (t) => t.role === 'org_admin' && t.id !== token.id && isUsable(t, now),
          );
          if (others.length === 0) {
            throw new GantryError(
              'GANTRY_ERR_CONFLICT',
              'This is the last usable org_admin token; create another org_admin token before deleting it',
            );
          }
        }
        if (!(await tx.adminTokens.delete(scope, token.id))) throw notFound('Admin token', request.params.id);
        return token;
      });
      ctx.auth.forget(deleted.token_hash);
      return reply.status(204).send();
    },
  );
}
