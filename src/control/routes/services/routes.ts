import type { FastifyInstance } from 'fastify';
import { validationError } from '../../../core/errors.js';
import type { Service, ServiceCreate, ServiceKind, ServiceUpdate } from '../../../core/model.js';
import type { Store } from '../../../store/types.js';
import { principal, requireWriter, type Principal } from '../../auth.js';
import { commitConfigChange, resolveTeamId, type ControlContext } from '../../context.js';
import { notFound } from '../../errors.js';
import { presentPage } from '../common/present.js';
import { mustExist } from '../common/references.js';
import { toListQuery, type BaseListQuery, type IdParams } from '../common/schema.js';
import { presentService } from './present.js';
import * as schema from './schema.js';

/** The fields that only make sense for the other kind of service. */
function checkKindFields(kind: ServiceKind, body: ServiceUpdate): void {
  if (kind === 'ai') {
    if (body.upstream_id != null) {
      throw validationError('An ai service has no upstream; remove upstream_id', [
        { path: '/upstream_id', message: 'must be absent or null when kind is ai' },
      ]);
    }
    return;
  }
  if (body.upstream_id === null) {
    throw validationError('An http service needs an upstream; give upstream_id', [
      { path: '/upstream_id', message: 'must be an upstream id when kind is http' },
    ]);
  }
  if (body.ai !== undefined) {
    throw validationError('ai settings apply to ai services only; remove ai or create the service with kind ai', [
      { path: '/ai', message: 'is only allowed when kind is ai' },
    ]);
  }
}

function upstreamOfAnotherTeam(upstreamId: string) {
  return validationError(`Upstream '${upstreamId}' belongs to another team than the service`, [
    { path: '/upstream_id', message: "must be an upstream of the service's team" },
  ]);
}

async function createService(tx: Store, who: Principal, body: ServiceCreate): Promise<Service> {
  const kind = body.kind ?? 'http';
  checkKindFields(kind, body);
  if (kind === 'ai') {
    // No upstream to follow: the team is the caller's, or the default team for org admins.
    const teamId = await resolveTeamId(tx, who, body.team_id);
    const { upstream_id: _none, ...rest } = body;
    return tx.services.create({ ...rest, kind, upstream_id: null, team_id: teamId });
  }
  const upstreamId = body.upstream_id;
  if (upstreamId == null) {
    throw validationError('upstream_id is required for an http service', [{ path: '/upstream_id', message: 'is required' }]);
  }
  const upstream = await mustExist(tx.upstreams.get(who.scope, upstreamId), 'upstream_id', 'Upstream', upstreamId);
  // A service lives with its upstream: without an explicit team_id it takes the upstream's.
  const teamId = body.team_id === undefined ? upstream.team_id : await resolveTeamId(tx, who, body.team_id);
  if (upstream.team_id !== teamId) throw upstreamOfAnotherTeam(upstream.id);
  return tx.services.create({ ...body, team_id: teamId });
}

export function serviceRoutes(app: FastifyInstance, ctx: ControlContext): void {
  app.get<{ Querystring: BaseListQuery }>('/services', { schema: schema.listServices }, async (request) => {
    const page = await ctx.store.services.list(principal(request).scope, toListQuery(request.query));
    return presentPage(page, presentService);
  });

  app.get<{ Params: IdParams }>('/services/:id', { schema: schema.getService }, async (request) => {
    const service = await ctx.store.services.get(principal(request).scope, request.params.id);
    if (!service) throw notFound('Service', request.params.id);
    return presentService(service);
  });

  app.post<{ Body: ServiceCreate }>(
    '/services',
    { schema: schema.createService, preValidation: requireWriter },
    async (request, reply) => {
      const who = principal(request);
      const service = await commitConfigChange(ctx, (tx) => createService(tx, who, request.body));
      return reply.status(201).send(presentService(service));
    },
  );

  app.patch<{ Params: IdParams; Body: ServiceUpdate }>(
    '/services/:id',
    { schema: schema.updateService, preValidation: requireWriter },
    async (request) => {
      const { scope } = principal(request);
      const { upstream_id: upstreamId } = request.body;
      const service = await commitConfigChange(ctx, async (tx) => {
        const current = await tx.services.get(scope, request.params.id);
        if (!current) throw notFound('Service', request.params.id);
        checkKindFields(current.kind, request.body);
        if (upstreamId != null) {
          const upstream = await mustExist(tx.upstreams.get(scope, upstreamId), 'upstream_id', 'Upstream', upstreamId);
          if (upstream.team_id !== current.team_id) throw upstreamOfAnotherTeam(upstreamId);
        }
        const updated = await tx.services.update(scope, request.params.id, request.body);
        if (!updated) throw notFound('Service', request.params.id);
        return updated;
      });
      return presentService(service);
    },
  );

  app.delete<{ Params: IdParams }>(
    '/services/:id',
    { schema: schema.deleteService, preValidation: requireWriter },
    async (request, reply) => {
      const { scope } = principal(request);
      await commitConfigChange(ctx, async (tx) => {
        if (!(await tx.services.delete(scope, request.params.id))) throw notFound('Service', request.params.id);
      });
      return reply.status(204).send();
    },
  );
}
