import { Type, type Static } from '@sinclair/typebox';
import { AiProvider, AiProviderCreate, AiProviderUpdate } from '../../../core/ai-model.js';
import { BaseListQuery, IdParams, NoContent, PageOf, routeSchema } from '../common/schema.js';

const tags = ['ai-providers'];

export const ProviderListQuery = BaseListQuery;
export type ProviderListQuery = Static<typeof ProviderListQuery>;

export const listProviders = routeSchema({
  tags,
  summary: 'List AI providers',
  description: "Team tokens see their team's providers and the organisation-wide ones (team_id null).",
  querystring: ProviderListQuery,
  response: { 200: PageOf(AiProvider) },
});
export const getProvider = routeSchema({ tags, summary: 'Get an AI provider', params: IdParams, response: { 200: AiProvider } });
export const createProvider = routeSchema({
  tags,
  summary: 'Create an AI provider',
  description:
    "team_id defaults to the caller's team (team tokens) or the `default` team (org admins); null makes the provider " +
    'organisation-wide (org_admin only). base_url is required for azure-openai, vllm and openai-compatible; ' +
    'azure-openai also needs settings.api_version, bedrock settings.region. Keys are added under /ai/providers/{id}/keys.',
  body: AiProviderCreate,
  response: { 201: AiProvider },
});
export const updateProvider = routeSchema({
  tags,
  summary: 'Update an AI provider',
  description: 'kind and team cannot change. `settings`, when given, replaces the settings. Organisation-wide providers: org_admin only.',
  params: IdParams,
  body: AiProviderUpdate,
  response: { 200: AiProvider },
});
export const deleteProvider = routeSchema({
  tags,
  summary: 'Delete an AI provider',
  description: "Deletes the provider's keys with it; fails with GANTRY_ERR_IN_USE while an alias targets it.",
  params: IdParams,
  response: { 204: NoContent },
});
