import { App, AppCreate, AppUpdate } from '../../../core/model.js';
import { BaseListQuery, IdParams, NoContent, PageOf, routeSchema } from '../common/schema.js';

const tags = ['apps'];

export const listApps = routeSchema({
  tags,
  summary: 'List apps',
  querystring: BaseListQuery,
  response: { 200: PageOf(App) },
});
export const getApp = routeSchema({ tags, summary: 'Get an app', params: IdParams, response: { 200: App } });
export const createApp = routeSchema({
  tags,
  summary: 'Create an app',
  description: "team_id defaults to the caller's team (team tokens) or the `default` team (org admins).",
  body: AppCreate,
  response: { 201: App },
});
export const updateApp = routeSchema({
  tags,
  summary: 'Update an app',
  params: IdParams,
  body: AppUpdate,
  response: { 200: App },
});
export const deleteApp = routeSchema({
  tags,
  summary: 'Delete an app',
  description: "Deletes the app's API keys with it.",
  params: IdParams,
  response: { 204: NoContent },
});
