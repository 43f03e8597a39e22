import { Type, type Static } from '@sinclair/typebox';
import { Team, TeamCreate, TeamUpdate } from '../../../core/model.js';
import { IdParams, ListQueryProperties, NoContent, PageOf, routeSchema } from '../common/schema.js';

const tags = ['teams'];
const { limit, cursor, name } = ListQueryProperties;

export const TeamListQuery = Type.Object({ limit, cursor, name }, { additionalProperties: false });
export type TeamListQuery = Static<typeof TeamListQuery>;

export const listTeams = routeSchema({
  tags,
  summary: 'List teams',
  description: 'Org admins see every team; team tokens see their own.',
  querystring: TeamListQuery,
  response: { 200: PageOf(Team) },
});
export const getTeam = routeSchema({ tags, summary: 'Get a team', params: IdParams, response: { 200: Team } });
export const createTeam = routeSchema({
  tags,
  summary: 'Create a team (org_admin)',
  body: TeamCreate,
  response: { 201: Team },
});
export const updateTeam = routeSchema({
  tags,
  summary: 'Update a team',
  description: 'Org admins may change anything; a team_admin may change its own team\'s description.',
  params: IdParams,
  body: TeamUpdate,
  response: { 200: Team },
});
export const deleteTeam = routeSchema({
  tags,
  summary: 'Delete a team (org_admin)',
  description: 'Fails with GANTRY_ERR_IN_USE while the team still owns resources.',
  params: IdParams,
  response: { 204: NoContent },
});
