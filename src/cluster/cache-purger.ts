/**
 * A node's side of a cache purge (what the admin API calls): remove the tags from this node's memory
 * store (when it runs a data plane), from the shared Redis store (when the node has Redis: once, for
 * the whole cluster), and announce them so every other data plane removes them from its memory store.
 * Works on a control-only node too: it then purges Redis itself and only announces the rest.
 */
import { RedisCacheStore } from '../cache/redis-store.js';
import { GantryError } from '../core/errors.js';
import type { DataPlane } from '../gateway/data-plane.js';
import { createPurgeBus, type CachePurgeBus } from './cache-purge-bus.js';
import type { NotifierLogger } from './notifier.js';

export interface PurgeOutcome {
  /** Entries removed from this node's memory store; null when this node runs no data plane. */
  memory: number | null;
  /** Entries removed from the shared Redis store; null when the node has no Redis. */
  redis: number | null;
  /** How the other nodes were told: null when there is no one to tell (one SQLite node). */
  announced: 'redis' | 'postgres' | null;
}

export interface CachePurgeService {
  purge(tags: readonly string[]): Promise<PurgeOutcome>;
}

export class CachePurger implements CachePurgeService {
  readonly #dataPlane: DataPlane | undefined;
  readonly #redisOptions: { url: string; prefix: string } | undefined;
  readonly #bus: CachePurgeBus | undefined;
  readonly #logger: NotifierLogger;
  #redis: RedisCacheStore | undefined;

  constructor(opts: { dataPlane?: DataPlane; redis?: { url: string; prefix: string }; bus?: CachePurgeBus; logger: NotifierLogger }) {
    this.#dataPlane = opts.dataPlane;
    this.#redisOptions = opts.redis;
    this.#bus = opts.bus;
    this.#logger = opts.logger;
  }

  async purge(tags: readonly string[]): Promise<PurgeOutcome> {
    const failed: string[] = [];
    let memory: number | null = null;
    let redis: number | null = null;
    if (this.#dataPlane) {
      try {
        const counts = await this.#dataPlane.purgeCache(tags, { redis: this.#redisOptions !== undefined });
        memory = counts.memory;
        redis = counts.redis;
      } catch (err) {
        // The memory store cannot fail: this is Redis.
        memory = (await this.#dataPlane.purgeCache(tags, { redis: false })).memory;
        this.#failed(failed, 'the shared Redis cache', err);
      }
    } else if (this.#redisOptions) {
      try {
        this.#redis ??= new RedisCacheStore({ redis: this.#redisOptions.url, keyPrefix: `${this.#redisOptions.prefix}:cache:` });
        redis = 0;
        for (const tag of tags) redis += await this.#redis.deleteByTag(tag);
      } catch (err) {
        redis = null;
        this.#failed(failed, 'the shared Redis cache', err);
      }
    }
    if (this.#bus) {
      try {
        await this.#bus.publish(tags);
      } catch (err) {
        this.#failed(failed, `the other nodes (${this.#bus.kind})`, err);
      }
    }
    if (failed.length > 0) {
      throw new GantryError(
        'GANTRY_ERR_CACHE_PURGE_FAILED',
        `The purge could not reach ${failed.join(' nor ')}; what it could reach is purged, and purging again is safe`,
      );
    }
    return { memory, redis, announced: this.#bus?.kind ?? null };
  }

  close(): void {
    this.#redis?.close();
  }

  #failed(failed: string[], what: string, err: unknown): void {
    failed.push(what);
    this.#logger.warn({ err }, `cache purge could not reach ${what}`);
  }
}

/**
 * A node's purge wiring (app.ts): the announcement channel, this data plane listening on it (and
 * announcing its own §4.4 invalidations), and the purger the admin API calls.
 */
export async function startCachePurging(opts: {
  redisUrl: string | undefined;
  redisPrefix: string;
  databaseUrl: string;
  dialect: string;
  dataPlane: DataPlane | undefined;
  logger: NotifierLogger;
}): Promise<{ purger: CachePurger; close(): Promise<void> }> {
  const bus = createPurgeBus(opts);
  const dataPlane = opts.dataPlane;
  if (bus && dataPlane) {
    await bus.start((tags) => {
      dataPlane.purgeCache(tags, { redis: false }).catch(() => undefined);
    });
    dataPlane.cacheStores.setBroadcast((tags) => {
      bus.publish(tags).catch((err: unknown) => opts.logger.warn({ err }, 'cache invalidation could not be announced to the other nodes'));
    });
  }
  const purger = new CachePurger({
    ...(dataPlane ? { dataPlane } : {}),
    ...(opts.redisUrl ? { redis: { url: opts.redisUrl, prefix: opts.redisPrefix } } : {}),
    ...(bus ? { bus } : {}),
    logger: opts.logger,
  });
  return {
    purger,
    close: async () => {
      dataPlane?.cacheStores.setBroadcast(null);
      purger.close();
      await bus?.close();
    },
  };
}
