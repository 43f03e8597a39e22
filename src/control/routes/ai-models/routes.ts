import type { FastifyInstance } from 'fastify';
import { importLiteLLMPrices, PROVIDER_KINDS, type CatalogModel, type ProviderKind } from '../../../ai/catalog/index.js';
import { GantryError, validationError } from '../../../core/errors.js';
import { requireOrgAdmin } from '../../auth.js';
import { commitConfigChange, type ControlContext } from '../../context.js';
import { asBodyError, effectiveCatalog, EffectiveCatalogCache, planImport } from './catalog.js';
import { presentModel } from './present.js';
import * as schema from './schema.js';

const DEFAULT_LIMIT = 100;
const IMPORT_BODY_LIMIT_BYTES = 20 * 1024 * 1024;

function modelId(params: schema.ModelParams): string {
  return `${params.provider}/${params['*']}`;
}

function modelNotFound(id: string): GantryError {
  return new GantryError('GANTRY_ERR_NOT_FOUND', `Model '${id}' is not in the model catalog`);
}

function badCursor(): GantryError {
  return validationError("Query parameter 'cursor' is not a cursor this list gave out", [
    { path: '/cursor', message: "must be a previous page's next_cursor" },
  ]);
}

/** The catalog is in memory; pages are cut here, by id. */
function paginate(models: CatalogModel[], query: schema.ModelListQuery): { items: CatalogModel[]; next_cursor: string | null } {
  const limit = query.limit === undefined ? DEFAULT_LIMIT : Number(query.limit);
  let after: string | undefined;
  if (query.cursor !== undefined) {
    after = Buffer.from(query.cursor, 'base64url').toString('utf8');
    if (!after.includes('/') || Buffer.from(after, 'utf8').toString('base64url') !== query.cursor) throw badCursor();
  }
  const sorted = models.filter((m) => after === undefined || m.id > after).sort((a, b) => (a.id < b.id ? -1 : 1));
  const items = sorted.slice(0, limit);
  const last = items[items.length - 1];
  return { items, next_cursor: sorted.length > limit && last ? Buffer.from(last.id, 'utf8').toString('base64url') : null };
}

function parseProviders(list: string | undefined): ProviderKind[] | undefined {
  if (list === undefined) return undefined;
  const names = [...new Set(list.split(','))];
  const unknown = names.filter((n) => !(PROVIDER_KINDS as readonly string[]).includes(n));
  if (unknown.length > 0) {
    throw validationError(`Unknown provider kind '${unknown[0]}'; known kinds: ${PROVIDER_KINDS.join(', ')}`, [
      { path: '/providers', message: `must list provider kinds among: ${PROVIDER_KINDS.join(', ')}` },
    ]);
  }
  return names as ProviderKind[];
}

export function aiModelRoutes(app: FastifyInstance, ctx: ControlContext): void {
  const reads = new EffectiveCatalogCache(ctx.catalog, ctx.store);

  app.get<{ Querystring: schema.ModelListQuery }>('/ai/models', { schema: schema.listModels }, async (request) => {
    const { catalog, overridden } = await reads.get(request.log);
    const { provider, mode } = request.query;
    const page = paginate(catalog.list({ ...(provider ? { provider } : {}), ...(mode ? { mode } : {}) }), request.query);
    return { data: page.items.map((m) => presentModel(m, overridden.has(m.id))), next_cursor: page.next_cursor };
  });

  app.get<{ Params: schema.ModelParams }>('/ai/models/:provider/*', { schema: schema.getModel }, async (request) => {
    const id = modelId(request.params);
    const { catalog, overridden } = await reads.get(request.log);
    const model = catalog.get(id);
    if (!model) throw modelNotFound(id);
    return presentModel(model, overridden.has(id));
  });

  app.put<{ Params: schema.ModelParams; Body: schema.ModelOverrideBody }>(
    '/ai/models/:provider/*',
    { schema: schema.putModelOverride, preValidation: requireOrgAdmin },
    async (request) => {
      const id = modelId(request.params);
      const model = await commitConfigChange(ctx, async (tx) => {
        const { catalog } = await effectiveCatalog(ctx.catalog, tx, request.log, id);
        let next;
        try {
          next = catalog.withOverrides([{ ...request.body, id }]);
        } catch (err) {
          throw asBodyError(err, id);
        }
        await tx.aiModels.put(id, request.body);
        return next.get(id);
      });
      if (!model) throw modelNotFound(id);
      return presentModel(model, true);
    },
  );

  app.delete<{ Params: schema.ModelParams }>(
    '/ai/models/:provider/*',
    { schema: schema.deleteModelOverride, preValidation: requireOrgAdmin },
    async (request, reply) => {
      const id = modelId(request.params);
      await commitConfigChange(ctx, async (tx) => {
        if (!(await tx.aiModels.delete(id))) {
          throw new GantryError('GANTRY_ERR_NOT_FOUND', `Model '${id}' has no stored override`);
        }
      });
      return reply.status(204).send();
    },
  );

  app.post<{ Querystring: schema.ImportQuery; Body: schema.LiteLLMPrices }>(
    '/ai/models/import',
    { schema: schema.importModels, preValidation: requireOrgAdmin, bodyLimit: IMPORT_BODY_LIMIT_BYTES },
    async (request) => {
      const providers = parseProviders(request.query.providers);
      const converted = importLiteLLMPrices(request.body, providers ? { providers } : {});
      const plan = await commitConfigChange(ctx, async (tx) => {
        const { catalog } = await effectiveCatalog(ctx.catalog, tx, request.log);
        const planned = planImport(catalog, converted.models);
        for (const { id, ...data } of planned.accepted) await tx.aiModels.put(id, data);
        return planned;
      });
      return { imported: plan.accepted.length, skipped: [...converted.skipped, ...plan.skipped] };
    },
  );
}
