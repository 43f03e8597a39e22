import type { FastifyInstance } from 'fastify';
import type { AiProviderKeyCreate, AiProviderKeyUpdate } from '../../../core/ai-model.js';
import { GantryError } from '../../../core/errors.js';
import { newId } from '../../../core/ids.js';
import { isOrgAdmin, principal, requireWriter, type Principal } from '../../auth.js';
import { assertWritable, commitConfigChange, type ControlContext } from '../../context.js';
import { notFound } from '../../errors.js';
import { presentPage } from '../common/present.js';
import { toListQuery, type IdParams } from '../common/schema.js';
import { presentProviderKey } from './present.js';
import * as schema from './schema.js';
import { keyMaterial, sealKey } from './secret.js';

const KIND = 'provider keys';

/** A team may use an organisation-wide provider but not see or add its keys. */
function assertKeysVisible(who: Principal, provider: { team_id: string | null }): void {
  if (provider.team_id === null && !isOrgAdmin(who)) {
    throw new GantryError('GANTRY_ERR_FORBIDDEN', 'Keys of organisation-wide providers are managed by org_admin tokens only');
  }
}

export function aiKeyRoutes(app: FastifyInstance, ctx: ControlContext): void {
  app.get<{ Params: IdParams; Querystring: schema.ProviderKeyListQuery }>(
    '/ai/providers/:id/keys',
    { schema: schema.listProviderKeys },
    async (request) => {
      const who = principal(request);
      const provider = await ctx.store.aiProviders.get(who.scope, request.params.id);
      if (!provider) throw notFound('AI provider', request.params.id);
      assertKeysVisible(who, provider);
      const page = await ctx.store.aiProviderKeys.list(who.scope, { ...toListQuery(request.query), provider_id: provider.id });
      return presentPage(page, presentProviderKey);
    },
  );

  app.post<{ Params: IdParams; Body: AiProviderKeyCreate }>(
    '/ai/providers/:id/keys',
    { schema: schema.createProviderKey, preValidation: requireWriter },
    async (request, reply) => {
      const who = principal(request);
      const body = request.body;
      const key = await commitConfigChange(ctx, async (tx) => {
        const provider = await tx.aiProviders.get(who.scope, request.params.id);
        if (!provider) throw notFound('AI provider', request.params.id);
        assertKeysVisible(who, provider);
        const material = keyMaterial(provider.kind, body);
        // The id is made here because the sealed secret is bound to it.
        const id = newId('aiProviderKey');
        return tx.aiProviderKeys.create({
          id,
          provider_id: provider.id,
          team_id: provider.team_id,
          name: body.name ?? `key-${id.slice(-6)}`,
          hint: material.hint,
          sealed_secret: sealKey(ctx.secretBox, id, material),
          priority: body.priority ?? 0,
          enabled: body.enabled ?? true,
        });
      });
      return reply.status(201).send(presentProviderKey(key));
    },
  );

  app.get<{ Params: IdParams }>('/ai/keys/:id', { schema: schema.getProviderKey }, async (request) => {
    const key = await ctx.store.aiProviderKeys.get(principal(request).scope, request.params.id);
    if (!key) throw notFound('AI provider key', request.params.id);
    return presentProviderKey(key);
  });

  app.patch<{ Params: IdParams; Body: AiProviderKeyUpdate }>(
    '/ai/keys/:id',
    { schema: schema.updateProviderKey, preValidation: requireWriter },
    async (request) => {
      const who = principal(request);
      const key = await commitConfigChange(ctx, async (tx) => {
        const current = await tx.aiProviderKeys.get(who.scope, request.params.id);
        if (!current) throw notFound('AI provider key', request.params.id);
        assertWritable(who, current, KIND);
        // enabled: true also clears an auth_failed status (the store does it with the same write).
        const updated = await tx.aiProviderKeys.update(who.scope, current.id, request.body);
        if (!updated) throw notFound('AI provider key', request.params.id);
        return updated;
      });
      return presentProviderKey(key);
    },
  );

  app.delete<{ Params: IdParams }>(
    '/ai/keys/:id',
    { schema: schema.deleteProviderKey, preValidation: requireWriter },
    async (request, reply) => {
      const who = principal(request);
      await commitConfigChange(ctx, async (tx) => {
        const current = await tx.aiProviderKeys.get(who.scope, request.params.id);
        if (!current) throw notFound('AI provider key', request.params.id);
        assertWritable(who, current, KIND);
        if (!(await tx.aiProviderKeys.delete(who.scope, current.id))) throw notFound('AI provider key', request.params.id);
      });
      return reply.status(204).send();
    },
  );
}
