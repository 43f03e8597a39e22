/**
 * Reference checks made before a write. A reference to something missing, or owned by another
 * team, is a validation error on the field; the message never says which of the two it was, so a
 * team cannot probe other teams' ids.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { badReference } from '../errors.js';

export async function requireTeam(db: Kysely<Database>, teamId: string): Promise<void> {
  const row = await db.selectFrom('teams').select('id').where('id', '=', teamId).executeTakeFirst();
  if (!row) throw badReference('/team_id', `team '${teamId}' does not exist`);
}

type TeamOwned = 'upstreams' | 'services' | 'routes' | 'apps';

const NOUN: Record<TeamOwned, string> = {
  upstreams: 'upstream',
  services: 'service',
  routes: 'route',
  apps: 'app',
};

/**
 * The row `id` of `table` must belong to `teamId`; `path` names the input field that holds the id.
 * `forShare` (PostgreSQL only) holds the row until commit, for references no foreign key guards.
 */
export async function requireInTeam(
  db: Kysely<Database>,
  table: TeamOwned,
  id: string,
  teamId: string,
  path: string,
  forShare = false,
): Promise<void> {
  const row = await db
    .selectFrom(table)
    .select('id')
    .where('id', '=', id)
    .where('team_id', '=', teamId)
    .$if(forShare, (q) => q.forShare())
    .executeTakeFirst();
  if (!row) throw badReference(path, `no ${NOUN[table]} with id '${id}' in this team`);
}
