import type { Selectable } from 'kysely';
import { validationError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { AdminRole, AdminTokenRecord } from '../../core/model.js';
import type { StoreContext } from '../context.js';
import { badReference } from '../errors.js';
import type { AdminTokensTable } from '../schema.js';
import type { AdminTokenCreateInput, Store, TeamScope } from '../types.js';
import { inScope, nowIso } from './common.js';
import { requireTeam } from './refs.js';

export function toAdminToken(row: Selectable<AdminTokensTable>): AdminTokenRecord {
  return {
    id: row.id,
    name: row.name,
    role: row.role as AdminRole,
    team_id: row.team_id,
    hint: row.hint,
    token_hash: row.token_hash,
    expires_at: row.expires_at,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

type AdminTokensContract = Store['adminTokens'];

/**
 * Admin tokens are identities, not configuration: writes never call `changed()`, so they do not bump
 * the config version. Org-wide tokens (team_id null) are visible only to the `'all'` scope.
 */
export class AdminTokenRepo implements AdminTokensContract {
  constructor(private readonly ctx: StoreContext) {}

  list(scope: TeamScope): Promise<AdminTokenRecord[]> {
    return this.ctx.read(async (db) => {
      const rows = await db.selectFrom('admin_tokens').selectAll().where(inScope(scope)).orderBy('id').execute();
      return rows.map(toAdminToken);
    });
  }

  get(scope: TeamScope, id: string): Promise<AdminTokenRecord | undefined> {
    return this.ctx.read(async (db) => {
      const row = await db
        .selectFrom('admin_tokens')
        .selectAll()
        .where('id', '=', id)
        .where(inScope(scope))
        .executeTakeFirst();
      return row && toAdminToken(row);
    });
  }

  findByHash(tokenHash: string): Promise<AdminTokenRecord | undefined> {
    return this.ctx.read(async (db) => {
      const row = await db.selectFrom('admin_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      return row && toAdminToken(row);
    });
  }

  create(input: AdminTokenCreateInput): Promise<AdminTokenRecord> {
    return this.ctx.write(
      async (db) => {
        if (input.role === 'org_admin' && input.team_id !== null) {
          const message = 'an org_admin token belongs to no team; team_id must be null';
          throw validationError(message, [{ path: '/team_id', message }]);
        }
        if (input.role !== 'org_admin') {
          if (input.team_id === null) {
            const message = `a ${input.role} token needs a team_id`;
            throw validationError(message, [{ path: '/team_id', message }]);
          }
          await requireTeam(db, input.team_id);
        }
        const now = nowIso();
        const row = {
          id: newId('adminToken'),
          name: input.name,
          role: input.role,
          team_id: input.team_id,
          hint: input.hint,
          token_hash: input.token_hash,
          expires_at: input.expires_at,
          created_at: now,
          updated_at: now,
        };
        await db.insertInto('admin_tokens').values(row).execute();
        return toAdminToken(row);
      },
      {
        conflict: () => 'an admin token with the same hash already exists; generate a new token',
        reference: () => badReference('/team_id', `team '${input.team_id ?? ''}' does not exist`),
      },
    );
  }

  delete(scope: TeamScope, id: string): Promise<boolean> {
    return this.ctx.write(async (db) => {
      const result = await db.deleteFrom('admin_tokens').where('id', '=', id).where(inScope(scope)).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }

  count(): Promise<number> {
    return this.ctx.read(async (db) => {
      const row = await db
        .selectFrom('admin_tokens')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    });
  }
}
