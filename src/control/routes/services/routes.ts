import type { FastifyInstance } from 'fastify';
import { validationError } from '../../../core/errors.js';
import type { ServiceCreate, ServiceUpdate } from '../../../core/model.js';
import { principal, requireWriter } from '../../auth.js';
import { commitConfigChange, resolveTeamId, type ControlContext } from '../../context.js';
import { notFound } from '../../errors.js';
import { presentPage } from '../common/present.js';
import { mustExist } from '../common/references.js';
import { toListQuery, type BaseListQuery, type IdParams } from '../common/schema.js';
import { presentService } from './present.js';
import * as schema from './schema.js';

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
      const body = request.body;
      const service = await commitConfigChange(ctx, async (tx) => {
        const upstream = await mustExist(tx.upstreams.get(who.scope, body.upstream_id), 'upstream_id', 'Upstream', body.upstream_id);
        // A service lives with its upstream: without an explicit team_id it takes the upstream's.
        const teamId = body.team_id === undefined ? upstream.team_id : await resolveTeamId(tx, who, body.team_id);
        if (upstream.team_id !== teamId) {
          throw validationError(`Upstream '${upstream.id}' belongs to another team than the service`, [
            { path: '/upstream_id', message: "must be an upstream of the service's team" },
          ]);
        }
        return tx.services.create({ ...body, team_id: teamId });
      });
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
        if (upstreamId !== undefined) {
          const upstream = await mustExist(tx.upstreams.get(scope, upstreamId), 'upstream_id', 'Upstream', upstreamId);
          if (upstream.team_id !== current.team_id) {
            throw validationError(`Upstream '${upstreamId}' belongs to another team than the service`, [
              { path: '/upstream_id', message: "must be an upstream of the service's team" },
            ]);
          }
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
