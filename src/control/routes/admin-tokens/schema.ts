import { Type, type Static } from '@sinclair/typebox';
import { AdminRole, AdminTokenCreate } from '../../../core/model.js';
import { IdParams, NoContent, Nullable, PageOf, ResourceId, listQuerySchema, routeSchema } from '../common/schema.js';

const tags = ['admin-tokens'];
const Timestamp = Type.String({ format: 'date-time' });

/** An admin token as the API shows it: the hint, never the token or its hash. */
export const AdminTokenView = Type.Object({
  id: ResourceId,
  name: Type.String(),
  role: AdminRole,
  team_id: Nullable(ResourceId),
  hint: Type.String({ description: 'First characters of the token, to tell tokens apart.' }),
  expires_at: Nullable(Timestamp),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type AdminTokenView = Static<typeof AdminTokenView>;

export const CreatedAdminToken = Type.Object({
  ...AdminTokenView.properties,
  token: Type.String({
    description: 'The admin token. Shown in this response only: it is stored as a hash and cannot be retrieved again.',
  }),
});

export const AdminTokenListQuery = listQuerySchema({});
export type AdminTokenListQuery = Static<typeof AdminTokenListQuery>;

export const listAdminTokens = routeSchema({
  tags,
  summary: 'List admin tokens',
  description: "Org admins see every token; a team_admin sees its team's tokens. Team viewers may not list tokens.",
  querystring: AdminTokenListQuery,
  response: { 200: PageOf(AdminTokenView) },
});
export const getAdminToken = routeSchema({
  tags,
  summary: 'Get an admin token',
  params: IdParams,
  response: { 200: AdminTokenView },
});
export const createAdminToken = routeSchema({
  tags,
  summary: 'Create an admin token',
  description:
    'Only an org_admin may create org_admin tokens (without team_id). A team_admin may create team_admin and ' +
    'team_viewer tokens for its own team. The response is the only time the token is shown.',
  body: AdminTokenCreate,
  response: { 201: CreatedAdminToken },
});
export const deleteAdminToken = routeSchema({
  tags,
  summary: 'Delete (revoke) an admin token',
  description: 'The last usable org_admin token cannot be deleted (GANTRY_ERR_CONFLICT).',
  params: IdParams,
  response: { 204: NoContent },
});
