import { Service, ServiceCreate, ServiceUpdate } from '../../../core/model.js';
import { BaseListQuery, IdParams, NoContent, PageOf, routeSchema } from '../common/schema.js';

const tags = ['services'];

export const listServices = routeSchema({
  tags,
  summary: 'List services',
  querystring: BaseListQuery,
  response: { 200: PageOf(Service) },
});
export const getService = routeSchema({ tags, summary: 'Get a service', params: IdParams, response: { 200: Service } });
export const createService = routeSchema({
  tags,
  summary: 'Create a service',
  description:
    "kind `http` (default) proxies to upstream_id, which must be an upstream of the service's team; team_id defaults " +
    "to the upstream's team. kind `ai` serves the AI endpoints: no upstream_id, settings in `ai`; team_id defaults to " +
    "the caller's team (team tokens) or the `default` team (org admins).",
  body: ServiceCreate,
  response: { 201: Service },
});
export const updateService = routeSchema({
  tags,
  summary: 'Update a service',
  description: 'kind cannot change. upstream_id applies to http services, `ai` to ai services.',
  params: IdParams,
  body: ServiceUpdate,
  response: { 200: Service },
});
export const deleteService = routeSchema({
  tags,
  summary: 'Delete a service',
  description: "Fails with GANTRY_ERR_IN_USE while routes lead to it; deletes the service's policies with it.",
  params: IdParams,
  response: { 204: NoContent },
});
