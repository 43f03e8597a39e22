import type { FastifyInstance } from 'fastify';
import { GantryError } from '../../../core/errors.js';
import type { TeamCreate, TeamUpdate } from '../../../core/model.js';
import { isOrgAdmin, principal, requireOrgAdmin, requireWriter } from '../../auth.js';
import { commitConfigChange, type ControlContext } from '../../context.js';
import { notFound } from '../../errors.js';
import { presentPage } from '../common/present.js';
import { toListQuery, type IdParams } from '../common/schema.js';
import { presentTeam } from './present.js';
import * as schema from './schema.js';

export function teamRoutes(app: FastifyInstance, ctx: ControlContext): void {
  app.get<{ Querystring: schema.TeamListQuery }>('/teams', { schema: schema.listTeams }, async (request) => {
    const page = await ctx.store.teams.list(principal(request).scope, toListQuery(request.query));
    return presentPage(page, presentTeam);
  });

  app.get<{ Params: IdParams }>('/teams/:id', { schema: schema.getTeam }, async (request) => {
    const team = await ctx.store.teams.get(principal(request).scope, request.params.id);
    if (!team) throw notFound('Team', request.params.id);
    return presentTeam(team);
  });

  app.post<{ Body: TeamCreate }>(
    '/teams',
    { schema: schema.createTeam, preValidation: requireOrgAdmin },
    async (request, reply) => {
      const team = await commitConfigChange(ctx, (tx) => tx.teams.create(request.body));
      return reply.status(201).send(presentTeam(team));
    },
  );

  app.patch<{ Params: IdParams; Body: TeamUpdate }>(
    '/teams/:id',
    { schema: schema.updateTeam, preValidation: requireWriter },
    async (request) => {
      const who = principal(request);
      if (!isOrgAdmin(who) && request.body.name !== undefined) {
        // Checked after the scope so another team's id still reads as "not found".
        const visible = await ctx.store.teams.get(who.scope, request.params.id);
        if (!visible) throw notFound('Team', request.params.id);
        throw new GantryError('GANTRY_ERR_FORBIDDEN', 'Only an org_admin token may rename a team');
      }
      const team = await commitConfigChange(ctx, async (tx) => {
        const updated = await tx.teams.update(who.scope, request.params.id, request.body);
        if (!updated) throw notFound('Team', request.params.id);
        return updated;
      });
      return presentTeam(team);
    },
  );

  app.delete<{ Params: IdParams }>(
    '/teams/:id',
    { schema: schema.deleteTeam, preValidation: requireOrgAdmin },
    async (request, reply) => {
      const { scope } = principal(request);
      await commitConfigChange(ctx, async (tx) => {
        if (!(await tx.teams.delete(scope, request.params.id))) throw notFound('Team', request.params.id);
      });
      return reply.status(204).send();
    },
  );
}
