import type { FastifyInstance } from 'fastify';
import type { AiAlias, AiAliasCreate, AiAliasUpdate } from '../../../core/ai-model.js';
import type { Store, TeamScope } from '../../../store/types.js';
import { principal, requireWriter } from '../../auth.js';
import { assertWritable, commitConfigChange, resolveOwnerTeamId, type ControlContext } from '../../context.js';
import { notFound } from '../../errors.js';
import { toListQuery, type IdParams } from '../common/schema.js';
import { presentAlias } from './present.js';
import * as schema from './schema.js';
import { providerNames, resolveTargets } from './targets.js';

const KIND = 'aliases';

async function present(store: Store, scope: TeamScope, alias: AiAlias) {
  return presentAlias(alias, await providerNames(store, scope, [alias]));
}

export function aiAliasRoutes(app: FastifyInstance, ctx: ControlContext): void {
  app.get<{ Querystring: schema.AliasListQuery }>('/ai/aliases', { schema: schema.listAliases }, async (request) => {
    const { scope } = principal(request);
    const page = await ctx.store.aiAliases.list(scope, toListQuery(request.query));
    const names = await providerNames(ctx.store, scope, page.items);
    return { data: page.items.map((alias) => presentAlias(alias, names)), next_cursor: page.next_cursor };
  });

  app.get<{ Params: IdParams }>('/ai/aliases/:id', { schema: schema.getAlias }, async (request) => {
    const { scope } = principal(request);
    const alias = await ctx.store.aiAliases.get(scope, request.params.id);
    if (!alias) throw notFound('AI alias', request.params.id);
    return present(ctx.store, scope, alias);
  });

  app.post<{ Body: AiAliasCreate }>(
    '/ai/aliases',
    { schema: schema.createAlias, preValidation: requireWriter },
    async (request, reply) => {
      const who = principal(request);
      const { team_id: requestedTeam, targets, ...rest } = request.body;
      const alias = await commitConfigChange(ctx, async (tx) => {
        const teamId = await resolveOwnerTeamId(tx, who, requestedTeam, KIND);
        const resolved = await resolveTargets(tx, who.scope, teamId, targets);
        return tx.aiAliases.create({ ...rest, team_id: teamId, targets: resolved });
      });
      return reply.status(201).send(await present(ctx.store, who.scope, alias));
    },
  );

  app.patch<{ Params: IdParams; Body: AiAliasUpdate }>(
    '/ai/aliases/:id',
    { schema: schema.updateAlias, preValidation: requireWriter },
    async (request) => {
      const who = principal(request);
      const { targets, ...rest } = request.body;
      const alias = await commitConfigChange(ctx, async (tx) => {
        const current = await tx.aiAliases.get(who.scope, request.params.id);
        if (!current) throw notFound('AI alias', request.params.id);
        assertWritable(who, current, KIND);
        const patch = targets === undefined ? rest : { ...rest, targets: await resolveTargets(tx, who.scope, current.team_id, targets) };
        const updated = await tx.aiAliases.update(who.scope, current.id, patch);
        if (!updated) throw notFound('AI alias', request.params.id);
        return updated;
      });
      return present(ctx.store, who.scope, alias);
    },
  );

  app.delete<{ Params: IdParams }>(
    '/ai/aliases/:id',
    { schema: schema.deleteAlias, preValidation: requireWriter },
    async (request, reply) => {
      const who = principal(request);
      await commitConfigChange(ctx, async (tx) => {
        const current = await tx.aiAliases.get(who.scope, request.params.id);
        if (!current) throw notFound('AI alias', request.params.id);
        assertWritable(who, current, KIND);
        if (!(await tx.aiAliases.delete(who.scope, current.id))) throw notFound('AI alias', request.params.id);
      });
      return reply.status(204).send();
    },
  );
}
