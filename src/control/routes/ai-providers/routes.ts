import type { FastifyInstance } from 'fastify';
import type { AiProviderCreate, AiProviderUpdate } from '../../../core/ai-model.js';
import { principal, requireWriter } from '../../auth.js';
import { assertWritable, commitConfigChange, resolveOwnerTeamId, type ControlContext } from '../../context.js';
import { notFound } from '../../errors.js';
import { presentPage } from '../common/present.js';
import { toListQuery, type IdParams } from '../common/schema.js';
import { presentProvider } from './present.js';
import * as schema from './schema.js';
import { checkProviderSettings } from './settings.js';

const KIND = 'providers';

export function aiProviderRoutes(app: FastifyInstance, ctx: ControlContext): void {
  app.get<{ Querystring: schema.ProviderListQuery }>('/ai/providers', { schema: schema.listProviders }, async (request) => {
    const page = await ctx.store.aiProviders.list(principal(request).scope, toListQuery(request.query));
    return presentPage(page, presentProvider);
  });

  app.get<{ Params: IdParams }>('/ai/providers/:id', { schema: schema.getProvider }, async (request) => {
    const provider = await ctx.store.aiProviders.get(principal(request).scope, request.params.id);
    if (!provider) throw notFound('AI provider', request.params.id);
    return presentProvider(provider);
  });

  app.post<{ Body: AiProviderCreate }>(
    '/ai/providers',
    { schema: schema.createProvider, preValidation: requireWriter },
    async (request, reply) => {
      const who = principal(request);
      const body = request.body;
      const provider = await commitConfigChange(ctx, async (tx) => {
        const teamId = await resolveOwnerTeamId(tx, who, body.team_id, KIND);
        checkProviderSettings(body);
        return tx.aiProviders.create({ ...body, team_id: teamId });
      });
      return reply.status(201).send(presentProvider(provider));
    },
  );

  app.patch<{ Params: IdParams; Body: AiProviderUpdate }>(
    '/ai/providers/:id',
    { schema: schema.updateProvider, preValidation: requireWriter },
    async (request) => {
      const who = principal(request);
      const patch = request.body;
      const provider = await commitConfigChange(ctx, async (tx) => {
        const current = await tx.aiProviders.get(who.scope, request.params.id);
        if (!current) throw notFound('AI provider', request.params.id);
        assertWritable(who, current, KIND);
        checkProviderSettings({
          kind: current.kind,
          base_url: patch.base_url === undefined ? current.base_url : patch.base_url,
          settings: patch.settings ?? current.settings,
        });
        const updated = await tx.aiProviders.update(who.scope, current.id, patch);
        if (!updated) throw notFound('AI provider', request.params.id);
        return updated;
      });
      return presentProvider(provider);
    },
  );

  app.delete<{ Params: IdParams }>(
    '/ai/providers/:id',
    { schema: schema.deleteProvider, preValidation: requireWriter },
    async (request, reply) => {
      const who = principal(request);
      await commitConfigChange(ctx, async (tx) => {
        const current = await tx.aiProviders.get(who.scope, request.params.id);
        if (!current) throw notFound('AI provider', request.params.id);
        assertWritable(who, current, KIND);
        if (!(await tx.aiProviders.delete(who.scope, current.id))) throw notFound('AI provider', request.params.id);
      });
      return reply.status(204).send();
    },
  );
}
