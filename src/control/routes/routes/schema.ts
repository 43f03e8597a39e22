import { Type, type Static } from '@sinclair/typebox';
import { Route, RouteCreate, RouteUpdate } from '../../../core/model.js';
import { IdParams, NoContent, PageOf, ResourceId, listQuerySchema, routeSchema } from '../common/schema.js';

const tags = ['routes'];

export const RouteListQuery = listQuerySchema({ service_id: Type.Optional(ResourceId) });
export type RouteListQuery = Static<typeof RouteListQuery>;

export const listRoutes = routeSchema({
  tags,
  summary: 'List routes',
  querystring: RouteListQuery,
  response: { 200: PageOf(Route) },
});
export const getRoute = routeSchema({ tags, summary: 'Get a route', params: IdParams, response: { 200: Route } });
export const createRoute = routeSchema({
  tags,
  summary: 'Create a route',
  description:
    "The route belongs to its service's team. Rejected with GANTRY_ERR_CONFLICT when it would match the same requests as another route.",
  body: RouteCreate,
  response: { 201: Route },
});
export const updateRoute = routeSchema({
  tags,
  summary: 'Update a route',
  params: IdParams,
  body: RouteUpdate,
  response: { 200: Route },
});
export const deleteRoute = routeSchema({
  tags,
  summary: 'Delete a route',
  description: "Deletes the route's policies with it.",
  params: IdParams,
  response: { 204: NoContent },
});
