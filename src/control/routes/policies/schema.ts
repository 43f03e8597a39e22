import { Type, type Static } from '@sinclair/typebox';
import { Policy, PolicyCreate, PolicyScope, PolicyUpdate } from '../../../core/model.js';
import { IdParams, NoContent, PageOf, ResourceId, listQuerySchema, routeSchema } from '../common/schema.js';

const tags = ['policies'];

export const PolicyListQuery = listQuerySchema({
  scope: Type.Optional(PolicyScope),
  target_id: Type.Optional(ResourceId),
  type: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
});
export type PolicyListQuery = Static<typeof PolicyListQuery>;

export const listPolicies = routeSchema({
  tags,
  summary: 'List policies',
  description: 'Global policies are visible to org admins only.',
  querystring: PolicyListQuery,
  response: { 200: PageOf(Policy) },
});
export const getPolicy = routeSchema({ tags, summary: 'Get a policy', params: IdParams, response: { 200: Policy } });
export const createPolicy = routeSchema({
  tags,
  summary: 'Create a policy',
  description:
    'scope `global` (org_admin only; no target_id), `service` (target_id: a service id) or `route` (target_id: a route id). ' +
    "The policy belongs to its target's team. `config` is checked against the type's schema (GET /policy-types).",
  body: PolicyCreate,
  response: { 201: Policy },
});
export const updatePolicy = routeSchema({
  tags,
  summary: 'Update a policy (name, config, enabled, priority)',
  params: IdParams,
  body: PolicyUpdate,
  response: { 200: Policy },
});
export const deletePolicy = routeSchema({ tags, summary: 'Delete a policy', params: IdParams, response: { 204: NoContent } });
