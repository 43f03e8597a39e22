import { Upstream, UpstreamCreate, UpstreamUpdate } from '../../../core/model.js';
import { BaseListQuery, IdParams, NoContent, PageOf, routeSchema } from '../common/schema.js';

const tags = ['upstreams'];

export const listUpstreams = routeSchema({
  tags,
  summary: 'List upstreams',
  querystring: BaseListQuery,
  response: { 200: PageOf(Upstream) },
});
export const getUpstream = routeSchema({ tags, summary: 'Get an upstream', params: IdParams, response: { 200: Upstream } });
export const createUpstream = routeSchema({
  tags,
  summary: 'Create an upstream',
  description: "team_id defaults to the caller's team (team tokens) or the `default` team (org admins).",
  body: UpstreamCreate,
  response: { 201: Upstream },
});
export const updateUpstream = routeSchema({
  tags,
  summary: 'Update an upstream',
  params: IdParams,
  body: UpstreamUpdate,
  response: { 200: Upstream },
});
export const deleteUpstream = routeSchema({
  tags,
  summary: 'Delete an upstream',
  description: 'Fails with GANTRY_ERR_IN_USE while a service uses it.',
  params: IdParams,
  response: { 204: NoContent },
});
