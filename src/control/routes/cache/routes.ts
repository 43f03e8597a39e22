import type { FastifyInstance } from 'fastify';
import { GantryError, validationError } from '../../../core/errors.js';
import { keyShapeForRoute, purgeTags, type PurgeTarget } from '../../../gateway/policies/cache/purge.js';
import { principal, requireWriter, type Principal } from '../../auth.js';
import { resolveTeamId, type ControlContext } from '../../context.js';
import { notFound } from '../../errors.js';
import { presentPurge } from './present.js';
import * as schema from './schema.js';

function exactlyOne(body: schema.PurgeBody): void {
  const given = [body.route_id !== undefined, body.service_id !== undefined, body.tags !== undefined].filter(Boolean).length;
  if (given !== 1) {
    throw validationError('Give exactly one of route_id (with path for one URL), service_id or tags', [
      { path: '/', message: 'exactly one of route_id, service_id, tags' },
    ]);
  }
  if (body.path === undefined && body.host !== undefined) throw validationError('host goes with path', [{ path: '/host', message: 'only with path' }]);
  if (body.path !== undefined && body.route_id === undefined) throw validationError('path needs route_id', [{ path: '/path', message: 'only with route_id' }]);
  if (body.team_id !== undefined && body.tags === undefined) throw validationError('team_id goes with tags', [{ path: '/team_id', message: 'only with tags' }]);
}

/** What the body asks to purge, checked against what the principal may see (other teams' records do not exist for it). */
async function targetOf(ctx: ControlContext, who: Principal, body: schema.PurgeBody): Promise<PurgeTarget> {
  if (body.route_id !== undefined) {
    const route = await ctx.store.routes.get(who.scope, body.route_id);
    if (!route) throw notFound('Route', body.route_id);
    if (body.path === undefined) return { kind: 'route', routeId: route.id };
    const shape = keyShapeForRoute(await ctx.store.loadConfig(), route.id, route.service_id);
    if (shape.host && body.host === undefined) {
      throw validationError("host is required: this route's cache key includes the Host clients send", [{ path: '/host', message: 'is required' }]);
    }
    return { kind: 'url', routeId: route.id, host: body.host, path: body.path, shape };
  }
  if (body.service_id !== undefined) {
    const service = await ctx.store.services.get(who.scope, body.service_id);
    if (!service) throw notFound('Service', body.service_id);
    return { kind: 'service', serviceId: service.id };
  }
  const tags = body.tags ?? [];
  if (body.team_id !== undefined || who.scope !== 'all') return { kind: 'tags', teamIds: [await resolveTeamId(ctx.store, who, body.team_id)], tags };
  // An org admin without team_id: the tags of every team.
  return { kind: 'tags', teamIds: (await ctx.store.loadConfig()).teams.map((t) => t.id), tags };
}

export function cacheRoutes(app: FastifyInstance, ctx: ControlContext): void {
  app.post<{ Body: schema.PurgeBody }>('/cache/purge', { schema: schema.purgeCache, preValidation: requireWriter }, async (request) => {
    const body = request.body;
    exactlyOne(body);
    const target = await targetOf(ctx, principal(request), body);
    if (!ctx.cachePurger) throw new GantryError('GANTRY_ERR_CACHE_PURGE_FAILED', 'This node has no cache to purge (no data plane and no Redis)');
    const outcome = await ctx.cachePurger.purge(purgeTags(target));
    return presentPurge(target.kind, outcome);
  });
}
