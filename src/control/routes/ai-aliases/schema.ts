import { Type, type Static } from '@sinclair/typebox';
import { AiAlias, AiAliasCreate, AiAliasUpdate } from '../../../core/ai-model.js';
import { BaseListQuery, IdParams, NoContent, Nullable, PageOf, ResourceId, routeSchema } from '../common/schema.js';

const tags = ['ai-aliases'];

/** An alias as the API shows it: each target with its provider's id and name. */
export const AliasView = Type.Object({
  ...AiAlias.properties,
  targets: Type.Array(
    Type.Object({
      provider_id: ResourceId,
      provider: Nullable(Type.String({ description: "The provider's name." })),
      model: Type.String(),
      weight: Type.Integer(),
    }),
  ),
});
export type AliasView = Static<typeof AliasView>;

export const AliasListQuery = BaseListQuery;
export type AliasListQuery = Static<typeof AliasListQuery>;

export const listAliases = routeSchema({
  tags,
  summary: 'List AI aliases',
  description: "Team tokens see their team's aliases and the organisation-wide ones (team_id null).",
  querystring: AliasListQuery,
  response: { 200: PageOf(AliasView) },
});
export const getAlias = routeSchema({ tags, summary: 'Get an AI alias', params: IdParams, response: { 200: AliasView } });
export const createAlias = routeSchema({
  tags,
  summary: 'Create an AI alias (a virtual model)',
  description:
    "Each target's `provider` is a provider name or id: of the alias's team or organisation-wide; an " +
    'organisation-wide alias (team_id null, org_admin only) may use organisation-wide providers only.',
  body: AiAliasCreate,
  response: { 201: AliasView },
});
export const updateAlias = routeSchema({
  tags,
  summary: 'Update an AI alias',
  description: '`targets`, when given, replaces the targets. Organisation-wide aliases: org_admin only.',
  params: IdParams,
  body: AiAliasUpdate,
  response: { 200: AliasView },
});
export const deleteAlias = routeSchema({ tags, summary: 'Delete an AI alias', params: IdParams, response: { 204: NoContent } });
