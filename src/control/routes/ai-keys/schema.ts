import { Type, type Static } from '@sinclair/typebox';
import { AiProviderKeyCreate, AiProviderKeyUpdate } from '../../../core/ai-model.js';
import { IdParams, ListQueryProperties, NoContent, Nullable, PageOf, ResourceId, routeSchema } from '../common/schema.js';

const tags = ['ai-keys'];
const Timestamp = Type.String({ format: 'date-time' });

/** A provider key as the admin API shows it: a hint, never the secret or its sealed form. */
export const ProviderKeyView = Type.Object({
  id: ResourceId,
  provider_id: ResourceId,
  name: Type.String(),
  hint: Type.String({
    description: 'Enough to tell keys apart: the first characters of the key, or the last four of the AWS access key id.',
  }),
  priority: Type.Integer({ description: 'Lower is tried first; keys of equal priority share the load.' }),
  enabled: Type.Boolean(),
  status: Type.Union([Type.Literal('active'), Type.Literal('auth_failed')], {
    description:
      '`auth_failed`: the provider refused the key (HTTP 401) and the gateway stopped using it. ' +
      'Replace the secret or PATCH enabled: true to try it again.',
  }),
  status_reason: Nullable(Type.String()),
  status_changed_at: Nullable(Timestamp),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type ProviderKeyView = Static<typeof ProviderKeyView>;

const { limit, cursor, name } = ListQueryProperties;
export const ProviderKeyListQuery = Type.Object({ limit, cursor, name }, { additionalProperties: false });
export type ProviderKeyListQuery = Static<typeof ProviderKeyListQuery>;

export const listProviderKeys = routeSchema({
  tags,
  summary: "List an AI provider's keys",
  description: 'Keys of organisation-wide providers are visible to org admins only.',
  params: IdParams,
  querystring: ProviderKeyListQuery,
  response: { 200: PageOf(ProviderKeyView) },
});
export const createProviderKey = routeSchema({
  tags,
  summary: 'Add a key to an AI provider',
  description:
    '`secret` is the API key (every kind but bedrock); bedrock takes `aws` credentials instead. The secret is ' +
    'stored encrypted and is never returned, not even in this response.',
  params: IdParams,
  body: AiProviderKeyCreate,
  response: { 201: ProviderKeyView },
});
export const getProviderKey = routeSchema({
  tags,
  summary: 'Get an AI provider key',
  params: IdParams,
  response: { 200: ProviderKeyView },
});
export const updateProviderKey = routeSchema({
  tags,
  summary: 'Update an AI provider key (name, priority, enabled)',
  description: 'enabled: true also re-arms a key the gateway marked `auth_failed`.',
  params: IdParams,
  body: AiProviderKeyUpdate,
  response: { 200: ProviderKeyView },
});
export const deleteProviderKey = routeSchema({
  tags,
  summary: 'Delete an AI provider key',
  params: IdParams,
  response: { 204: NoContent },
});
