/**
 * Config-change notifications between nodes. A notification only says "version N exists": the
 * receiving node reloads from the store (ConfigWatcher.notify). Losing one costs nothing but speed,
 * because every node also polls the version (the fallback that always works).
 *
 * - PostgreSQL: every config-changing transaction runs `pg_notify('gantry_config', version)`
 *   (src/store/context.ts), so changes from any writer (admin API, `gantry apply`, a data plane
 *   marking a provider key) are announced. Each node holds one dedicated connection that LISTENs.
 * - Redis (when `redis_url` is set): the control plane publishes after commit on `<prefix>:config`.
 *   Used instead of LISTEN so that nodes hold no long-lived PostgreSQL connection (poolers in
 *   transaction mode cannot LISTEN); writes made outside an admin API (`gantry apply`) are seen by
 *   the poll.
 */
import type { DialectName } from '../store/context.js';
import { PostgresNotifier } from './notifier-postgres.js';
import { RedisNotifier } from './notifier-redis.js';

export interface ConfigNotifier {
  /** Starts listening; `onVersion` hears every announced version. Never throws for an unreachable service: it retries. */
  start(onVersion: (version: number) => void): Promise<void>;
  /** Announces a committed version (Redis); PostgreSQL announces inside the transaction and has none. */
  publish?(version: number): Promise<void>;
  close(): Promise<void>;
}

export interface NotifierLogger {
  info(o: object, msg?: string): void;
  warn(o: object, msg?: string): void;
}

export { PostgresNotifier, type PostgresNotifierOptions } from './notifier-postgres.js';
export { RedisNotifier, type RedisNotifierOptions } from './notifier-redis.js';

/** Redis when a Redis URL is set, else PostgreSQL LISTEN on a PostgreSQL store, else none (SQLite: one node). */
export function createNotifier(opts: {
  redisUrl: string | undefined;
  redisPrefix: string;
  databaseUrl: string;
  dialect: DialectName;
  logger: NotifierLogger;
}): ConfigNotifier | undefined {
  if (opts.redisUrl) return new RedisNotifier({ url: opts.redisUrl, prefix: opts.redisPrefix, logger: opts.logger });
  if (opts.dialect === 'postgres') return new PostgresNotifier({ url: opts.databaseUrl, logger: opts.logger });
  return undefined;
}
