import type { FastifyInstance } from 'fastify';
import type { ApiKeyCreate, ApiKeyUpdate } from '../../../core/model.js';
import { hashSecret, newSecret, secretHint } from '../../../core/ids.js';
import { principal, requireWriter } from '../../auth.js';
import { commitConfigChange, type ControlContext } from '../../context.js';
import { notFound } from '../../errors.js';
import { presentPage } from '../common/present.js';
import { toListQuery, type BaseListQuery, type IdParams } from '../common/schema.js';
import { presentCreatedKey, presentKey } from './present.js';
import * as schema from './schema.js';

export function keyRoutes(app: FastifyInstance, ctx: ControlContext): void {
  app.get<{ Params: IdParams; Querystring: BaseListQuery }>(
    '/apps/:id/keys',
    { schema: schema.listAppKeys },
    async (request) => {
      const { scope } = principal(request);
      if (!(await ctx.store.apps.get(scope, request.params.id))) throw notFound('App', request.params.id);
      const page = await ctx.store.apiKeys.list(scope, { ...toListQuery(request.query), app_id: request.params.id });
      return presentPage(page, presentKey);
    },
  );

  app.post<{ Params: IdParams; Body: ApiKeyCreate }>(
    '/apps/:id/keys',
    {
      schema: schema.createAppKey,
      // Every field is optional, so an empty POST (no body at all) means "a key with defaults".
      preValidation: [requireWriter, async (request) => void (request.body ??= {})],
    },
    async (request, reply) => {
      const { scope } = principal(request);
      const secret = newSecret('gk');
      const hint = secretHint(secret);
      const key = await commitConfigChange(ctx, async (tx) => {
        const owner = await tx.apps.get(scope, request.params.id);
        if (!owner) throw notFound('App', request.params.id);
        return tx.apiKeys.create({
          team_id: owner.team_id,
          app_id: owner.id,
          name: request.body.name ?? `key-${hint.slice(hint.indexOf('_') + 1)}`,
          hint,
          key_hash: hashSecret(secret),
          expires_at: request.body.expires_at ?? null,
        });
      });
      return reply.status(201).send(presentCreatedKey(key, secret));
    },
  );

  app.get<{ Querystring: schema.KeyListQuery }>('/keys', { schema: schema.listKeys }, async (request) => {
    const page = await ctx.store.apiKeys.list(principal(request).scope, toListQuery(request.query));
    return presentPage(page, presentKey);
  });

  app.get<{ Params: IdParams }>('/keys/:id', { schema: schema.getKey }, async (request) => {
    const key = await ctx.store.apiKeys.get(principal(request).scope, request.params.id);
    if (!key) throw notFound('API key', request.params.id);
    return presentKey(key);
  });

  app.patch<{ Params: IdParams; Body: ApiKeyUpdate }>(
    '/keys/:id',
    { schema: schema.updateKey, preValidation: requireWriter },
    async (request) => {
      const { scope } = principal(request);
      const key = await commitConfigChange(ctx, async (tx) => {
        const updated = await tx.apiKeys.update(scope, request.params.id, request.body);
        if (!updated) throw notFound('API key', request.params.id);
        return updated;
      });
      return presentKey(key);
    },
  );

  app.delete<{ Params: IdParams }>(
    '/keys/:id',
    { schema: schema.deleteKey, preValidation: requireWriter },
    async (request, reply) => {
      const { scope } = principal(request);
      await commitConfigChange(ctx, async (tx) => {
        if (!(await tx.apiKeys.delete(scope, request.params.id))) throw notFound('API key', request.params.id);
      });
      return reply.status(204).send();
    },
  );
}
