/**
 * The store: `createStore({ url })` opens SQLite or PostgreSQL behind the one Store interface.
 * It does not migrate; call `store.migrate()` (the server and `gantry migrate` do).
 */
import { openDatabase, parseStoreUrl } from './connect.js';
import { StoreRoot, type StoreLogger } from './context.js';
import { KyselyStore } from './kysely-store.js';
import type { Store } from './types.js';

export type * from './types.js';
export { CONFIG_CHANNEL, type StoreLogger } from './context.js';
export { parseStoreUrl, type StoreLocation } from './connect.js';

export interface CreateStoreOptions {
  /** `postgres://...` / `postgresql://...`, or a SQLite file path, `sqlite:path.db`, `:memory:`. */
  url: string;
  logger?: StoreLogger;
}

export async function createStore(opts: CreateStoreOptions): Promise<Store> {
  const location = parseStoreUrl(opts.url);
  const { db, dialect } = openDatabase(location, opts.logger);
  return KyselyStore.open(new StoreRoot(db, dialect, opts.logger));
}
