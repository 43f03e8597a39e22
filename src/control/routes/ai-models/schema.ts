import { Type, type Static } from '@sinclair/typebox';
import { CapabilitiesSchema, CatalogModelSchema, ModelModeSchema, PriceSchema, ProviderKindSchema } from '../../../ai/catalog/index.js';
import { ListQueryProperties, NoContent, PageOf, routeSchema } from '../common/schema.js';

const tags = ['ai-models'];

export const ModelView = Type.Object({
  ...CatalogModelSchema.properties,
  overridden: Type.Boolean({ description: 'A stored override changes or adds this model.' }),
});
export type ModelView = Static<typeof ModelView>;

/** Model ids contain `/` (and `:` and `.`): the path is `<provider>/<model>` with the model as a wildcard. */
export const ModelParams = Type.Object(
  {
    provider: Type.String({ minLength: 1, maxLength: 64, description: 'Provider kind, the part of the id before the first `/`.' }),
    '*': Type.String({ minLength: 1, maxLength: 512, description: "The provider's model id; may contain `/`, `:` and `.`." }),
  },
  { additionalProperties: false },
);
export type ModelParams = Static<typeof ModelParams>;

const { limit, cursor } = ListQueryProperties;
export const ModelListQuery = Type.Object(
  { limit, cursor, provider: Type.Optional(ProviderKindSchema), mode: Type.Optional(ModelModeSchema) },
  { additionalProperties: false },
);
export type ModelListQuery = Static<typeof ModelListQuery>;

/** Any field of a catalog model; `price` and `capabilities` may be partial. A new model must be complete. */
export const ModelOverrideBody = Type.Object(
  {
    ...Type.Partial(Type.Omit(CatalogModelSchema, ['id', 'price', 'capabilities'])).properties,
    price: Type.Optional(Type.Partial(PriceSchema, { additionalProperties: false })),
    capabilities: Type.Optional(Type.Partial(CapabilitiesSchema, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export type ModelOverrideBody = Static<typeof ModelOverrideBody>;

export const ImportQuery = Type.Object(
  {
    providers: Type.Optional(
      Type.String({
        pattern: '^[a-z-]+(,[a-z-]+)*$',
        maxLength: 512,
        description: 'Comma-separated provider kinds to keep, e.g. `openai,anthropic`; default: all.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ImportQuery = Static<typeof ImportQuery>;

export const LiteLLMPrices = Type.Record(Type.String(), Type.Unknown(), {
  description: "LiteLLM's model_prices_and_context_window.json: model name → entry.",
});
export type LiteLLMPrices = Static<typeof LiteLLMPrices>;

export const ImportResult = Type.Object({
  imported: Type.Integer({ description: 'Models stored as overrides.' }),
  skipped: Type.Array(Type.Object({ key: Type.String(), reason: Type.String() })),
});

export const listModels = routeSchema({
  tags,
  summary: 'List the model catalog',
  description: 'The shipped models with the stored overrides applied, sorted by id.',
  querystring: ModelListQuery,
  response: { 200: PageOf(ModelView) },
});
export const getModel = routeSchema({
  tags,
  summary: 'Get a catalog model',
  description: 'The path is the model id, e.g. /ai/models/bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0.',
  params: ModelParams,
  response: { 200: ModelView },
});
export const putModelOverride = routeSchema({
  tags,
  summary: 'Override or add a catalog model (org_admin)',
  description:
    'Replaces the stored override of this id. Fields given change the shipped model (`price` and `capabilities` ' +
    'are merged); for an id the catalog does not have, the body must be a complete model.',
  params: ModelParams,
  body: ModelOverrideBody,
  response: { 200: ModelView },
});
export const deleteModelOverride = routeSchema({
  tags,
  summary: "Delete a model's override (org_admin)",
  description: 'The shipped model, if any, applies again.',
  params: ModelParams,
  response: { 204: NoContent },
});
export const importModels = routeSchema({
  tags,
  summary: 'Import a LiteLLM price file as overrides (org_admin)',
  description:
    'Body: the JSON of LiteLLM model_prices_and_context_window.json (up to 20 MiB). Each model that maps to a Gantry ' +
    'provider kind is stored as an override; the others are listed in `skipped` with the reason.',
  querystring: ImportQuery,
  body: LiteLLMPrices,
  response: { 200: ImportResult },
});
