import type { FastifyInstance } from 'fastify';
import type { UpstreamCreate, UpstreamUpdate } from '../../../core/model.js';
import { principal, requireWriter } from '../../auth.js';
import { commitConfigChange, resolveTeamId, type ControlContext } from '../../context.js';
import { notFound } from '../../errors.js';
import { presentPage } from '../common/present.js';
import { toListQuery, type BaseListQuery, type IdParams } from '../common/schema.js';
import { presentUpstream } from './present.js';
import * as schema from './schema.js';

export function upstreamRoutes(app: FastifyInstance, ctx: ControlContext): void {
  app.get<{ Querystring: BaseListQuery }>('/upstreams', { schema: schema.listUpstreams }, async (request) => {
    const page = await ctx.store.upstreams.list(principal(request).scope, toListQuery(request.query));
    return presentPage(page, presentUpstream);
  });

  app.get<{ Params: IdParams }>('/upstreams/:id', { schema: schema.getUpstream }, async (request) => {
    const upstream = await ctx.store.upstreams.get(principal(request).scope, request.params.id);
    if (!upstream) throw notFound('Upstream', request.params.id);
    return presentUpstream(upstream);
  });

  app.post<{ Body: UpstreamCreate }>(
    '/upstreams',
    { schema: schema.createUpstream, preValidation: requireWriter },
    async (request, reply) => {
      const who = principal(request);
      const upstream = await commitConfigChange(ctx, async (tx) => {
        const teamId = await resolveTeamId(tx, who, request.body.team_id);
        return tx.upstreams.create({ ...request.body, team_id: teamId });
      });
      return reply.status(201).send(presentUpstream(upstream));
    },
  );

  app.patch<{ Params: IdParams; Body: UpstreamUpdate }>(
    '/upstreams/:id',
    { schema: schema.updateUpstream, preValidation: requireWriter },
    async (request) => {
      const { scope } = principal(request);
      const upstream = await commitConfigChange(ctx, async (tx) => {
        const updated = await tx.upstreams.update(scope, request.params.id, request.body);
        if (!updated) throw notFound('Upstream', request.params.id);
        return updated;
      });
      return presentUpstream(upstream);
    },
  );

  app.delete<{ Params: IdParams }>(
    '/upstreams/:id',
    { schema: schema.deleteUpstream, preValidation: requireWriter },
    async (request, reply) => {
      const { scope } = principal(request);
      await commitConfigChange(ctx, async (tx) => {
        if (!(await tx.upstreams.delete(scope, request.params.id))) throw notFound('Upstream', request.params.id);
      });
      return reply.status(204).send();
    },
  );
}
