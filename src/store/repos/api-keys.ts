import type { Kysely, Selectable } from 'kysely';
import { newId } from '../../core/ids.js';
import type { ApiKeyRecord, ApiKeyUpdate } from '../../core/model.js';
import type { StoreContext } from '../context.js';
import { badReference } from '../errors.js';
import type { ApiKeysTable, Database } from '../schema.js';
import type { ApiKeyCreateInput, ApiKeyListQuery, Page, Store, TeamScope } from '../types.js';
import { eq, fromBool, inScope, listFilters, listPage, nowIso, toBool } from './common.js';
import { requireInTeam } from './refs.js';

export function toApiKey(row: Selectable<ApiKeysTable>): ApiKeyRecord {
  return {
    id: row.id,
    team_id: row.team_id,
    app_id: row.app_id,
    name: row.name,
    hint: row.hint,
    key_hash: row.key_hash,
    enabled: toBool(row.enabled),
    expires_at: row.expires_at,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

const conflict = () => 'an API key with the same hash already exists; generate a new key';

type ApiKeysContract = Store['apiKeys'];

export class ApiKeyRepo implements ApiKeysContract {
  constructor(private readonly ctx: StoreContext) {}

  async list(scope: TeamScope, query?: ApiKeyListQuery): Promise<Page<ApiKeyRecord>> {
    const filters = listFilters(scope, query);
    if (query?.app_id !== undefined) filters.push(eq('app_id', query.app_id));
    return this.ctx.read((db) => listPage(db, 'api_keys', filters, query?.limit, toApiKey));
  }

  get(scope: TeamScope, id: string): Promise<ApiKeyRecord | undefined> {
    return this.ctx.read((db) => findApiKey(db, scope, id));
  }

  /** The app must be one of `input.team_id`'s. */
  create(input: ApiKeyCreateInput): Promise<ApiKeyRecord> {
    return this.ctx.write(
      async (db, changed) => {
        await requireInTeam(db, 'apps', input.app_id, input.team_id, '/app_id');
        const now = nowIso();
        const row = {
          id: newId('apiKey'),
          team_id: input.team_id,
          app_id: input.app_id,
          name: input.name,
          hint: input.hint,
          key_hash: input.key_hash,
          enabled: fromBool(input.enabled ?? true),
          expires_at: input.expires_at,
          created_at: now,
          updated_at: now,
        };
        await db.insertInto('api_keys').values(row).execute();
        changed();
        return toApiKey(row);
      },
      { conflict, reference: () => badReference('/app_id', 'the app does not exist (deleted meanwhile?)') },
    );
  }

  update(scope: TeamScope, id: string, patch: ApiKeyUpdate): Promise<ApiKeyRecord | undefined> {
    return this.ctx.write(async (db, changed) => {
      const row = await db
        .updateTable('api_keys')
        .set({
          ...(patch.name !== undefined && { name: patch.name }),
          ...(patch.enabled !== undefined && { enabled: fromBool(patch.enabled) }),
          ...(patch.expires_at !== undefined && { expires_at: patch.expires_at }),
          updated_at: nowIso(),
        })
        .where('id', '=', id)
        .where(inScope(scope))
        .returningAll()
        .executeTakeFirst();
      if (!row) return undefined;
      changed();
      return toApiKey(row);
    });
  }

  delete(scope: TeamScope, id: string): Promise<boolean> {
    return this.ctx.write(async (db, changed) => {
      const result = await db.deleteFrom('api_keys').where('id', '=', id).where(inScope(scope)).executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) return false;
      changed();
      return true;
    });
  }
}

async function findApiKey(db: Kysely<Database>, scope: TeamScope, id: string): Promise<ApiKeyRecord | undefined> {
  const row = await db.selectFrom('api_keys').selectAll().where('id', '=', id).where(inScope(scope)).executeTakeFirst();
  return row && toApiKey(row);
}
