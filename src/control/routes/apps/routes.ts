import type { FastifyInstance } from 'fastify';
import type { AppCreate, AppUpdate } from '../../../core/model.js';
import { principal, requireWriter } from '../../auth.js';
import { commitConfigChange, resolveTeamId, type ControlContext } from '../../context.js';
import { notFound } from '../../errors.js';
import { presentPage } from '../common/present.js';
import { toListQuery, type BaseListQuery, type IdParams } from '../common/schema.js';
import { presentApp } from './present.js';
import * as schema from './schema.js';

export function appRoutes(app: FastifyInstance, ctx: ControlContext): void {
  app.get<{ Querystring: BaseListQuery }>('/apps', { schema: schema.listApps }, async (request) => {
    const page = await ctx.store.apps.list(principal(request).scope, toListQuery(request.query));
    return presentPage(page, presentApp);
  });

  app.get<{ Params: IdParams }>('/apps/:id', { schema: schema.getApp }, async (request) => {
    const record = await ctx.store.apps.get(principal(request).scope, request.params.id);
    if (!record) throw notFound('App', request.params.id);
    return presentApp(record);
  });

  app.post<{ Body: AppCreate }>(
    '/apps',
    { schema: schema.createApp, preValidation: requireWriter },
    async (request, reply) => {
      const who = principal(request);
      const record = await commitConfigChange(ctx, async (tx) => {
        const teamId = await resolveTeamId(tx, who, request.body.team_id);
        return tx.apps.create({ ...request.body, team_id: teamId });
      });
      return reply.status(201).send(presentApp(record));
    },
  );

  app.patch<{ Params: IdParams; Body: AppUpdate }>(
    '/apps/:id',
    { schema: schema.updateApp, preValidation: requireWriter },
    async (request) => {
      const { scope } = principal(request);
      const record = await commitConfigChange(ctx, async (tx) => {
        const updated = await tx.apps.update(scope, request.params.id, request.body);
        if (!updated) throw notFound('App', request.params.id);
        return updated;
      });
      return presentApp(record);
    },
  );

  app.delete<{ Params: IdParams }>(
    '/apps/:id',
    { schema: schema.deleteApp, preValidation: requireWriter },
    async (request, reply) => {
      const { scope } = principal(request);
      await commitConfigChange(ctx, async (tx) => {
        if (!(await tx.apps.delete(scope, request.params.id))) throw notFound('App', request.params.id);
      });
      return reply.status(204).send();
    },
  );
}
