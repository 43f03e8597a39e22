import { Type, type Static } from '@sinclair/typebox';
import { ApiKeyCreate, ApiKeyUpdate } from '../../../core/model.js';
import { IdParams, NoContent, Nullable, PageOf, ResourceId, listQuerySchema, routeSchema } from '../common/schema.js';

const tags = ['keys'];
const Timestamp = Type.String({ format: 'date-time' });

/** An API key as the admin API shows it: the hint, never the key or its hash. */
export const ApiKeyView = Type.Object({
  id: ResourceId,
  team_id: ResourceId,
  app_id: ResourceId,
  name: Type.String(),
  hint: Type.String({ description: 'First characters of the key, to tell keys apart.' }),
  enabled: Type.Boolean(),
  expires_at: Nullable(Timestamp),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type ApiKeyView = Static<typeof ApiKeyView>;

export const CreatedApiKey = Type.Object({
  ...ApiKeyView.properties,
  key: Type.String({
    description: 'The API key. Shown in this response only: it is stored as a hash and cannot be retrieved again.',
  }),
});

export const KeyListQuery = listQuerySchema({ app_id: Type.Optional(ResourceId) });
export type KeyListQuery = Static<typeof KeyListQuery>;
export const AppKeysQuery = listQuerySchema({});

export const listAppKeys = routeSchema({
  tags,
  summary: "List an app's API keys",
  params: IdParams,
  querystring: AppKeysQuery,
  response: { 200: PageOf(ApiKeyView) },
});
export const createAppKey = routeSchema({
  tags,
  summary: 'Create an API key for an app',
  description: 'The response is the only time the key is shown; store it now.',
  params: IdParams,
  body: ApiKeyCreate,
  response: { 201: CreatedApiKey },
});
export const listKeys = routeSchema({
  tags,
  summary: 'List API keys',
  querystring: KeyListQuery,
  response: { 200: PageOf(ApiKeyView) },
});
export const getKey = routeSchema({ tags, summary: 'Get an API key', params: IdParams, response: { 200: ApiKeyView } });
export const updateKey = routeSchema({
  tags,
  summary: 'Update an API key (name, enabled, expires_at)',
  params: IdParams,
  body: ApiKeyUpdate,
  response: { 200: ApiKeyView },
});
export const deleteKey = routeSchema({
  tags,
  summary: 'Delete (revoke) an API key',
  params: IdParams,
  response: { 204: NoContent },
});
