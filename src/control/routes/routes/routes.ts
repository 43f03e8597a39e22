import type { FastifyInstance } from 'fastify';
import type { RouteCreate, RouteUpdate } from '../../../core/model.js';
import { principal, requireWriter } from '../../auth.js';
import { commitConfigChange, type ControlContext } from '../../context.js';
import { notFound } from '../../errors.js';
import { presentPage } from '../common/present.js';
import { mustExist } from '../common/references.js';
import { toListQuery, type IdParams } from '../common/schema.js';
import { presentRoute } from './present.js';
import * as schema from './schema.js';

export function routeRoutes(app: FastifyInstance, ctx: ControlContext): void {
  app.get<{ Querystring: schema.RouteListQuery }>('/routes', { schema: schema.listRoutes }, async (request) => {
    const page = await ctx.store.routes.list(principal(request).scope, toListQuery(request.query));
    return presentPage(page, presentRoute);
  });

  app.get<{ Params: IdParams }>('/routes/:id', { schema: schema.getRoute }, async (request) => {
    const route = await ctx.store.routes.get(principal(request).scope, request.params.id);
    if (!route) throw notFound('Route', request.params.id);
    return presentRoute(route);
  });

  app.post<{ Body: RouteCreate }>(
    '/routes',
    { schema: schema.createRoute, preValidation: requireWriter },
    async (request, reply) => {
      const { scope } = principal(request);
      const body = request.body;
      const route = await commitConfigChange(ctx, async (tx) => {
        const service = await mustExist(tx.services.get(scope, body.service_id), 'service_id', 'Service', body.service_id);
        return tx.routes.create({ ...body, team_id: service.team_id });
      });
      return reply.status(201).send(presentRoute(route));
    },
  );

  app.patch<{ Params: IdParams; Body: RouteUpdate }>(
    '/routes/:id',
    { schema: schema.updateRoute, preValidation: requireWriter },
    async (request) => {
      const { scope } = principal(request);
      const route = await commitConfigChange(ctx, async (tx) => {
        const updated = await tx.routes.update(scope, request.params.id, request.body);
        if (!updated) throw notFound('Route', request.params.id);
        return updated;
      });
      return presentRoute(route);
    },
  );

  app.delete<{ Params: IdParams }>(
    '/routes/:id',
    { schema: schema.deleteRoute, preValidation: requireWriter },
    async (request, reply) => {
      const { scope } = principal(request);
      await commitConfigChange(ctx, async (tx) => {
        if (!(await tx.routes.delete(scope, request.params.id))) throw notFound('Route', request.params.id);
      });
      return reply.status(204).send();
    },
  );
}
