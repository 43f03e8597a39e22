/**
 * A node's side of a cache purge (what the admin API calls): remove the tags from this node's memory
 * store (when it runs a data plane), from the shared Redis store (when the node has Redis: once, for
 * the whole cluster), and announce them so every other data plane removes them from its memory store.
 * Works on a control-only node too: it then purges Redis itself and only announces the rest.
 */
import { RedisCacheStore } from '../cache/redis-store.js';
import { GantryError } from '../core/errors.js';
import type { DataPlane } from '../gateway/data-plane.js';
import { withTimeout } from './backoff.js';
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
  readonly #redis: RedisCacheStore | undefined;
  readonly #bus: CachePurgeBus | undefined;
  readonly #logger: NotifierLogger;

  constructor(opts: { dataPlane?: DataPlane; redis?: { url: string; prefix: string }; bus?: CachePurgeBus; logger: NotifierLogger }) {
    this.#dataPlane = opts.dataPlane;
    this.#bus = opts.bus;
    this.#logger = opts.logger;
    // Its own connection, made now: the data plane's Redis store exists only once a policy uses it,
    // and a store without a ready connection fails commands at once.
    if (opts.redis) this.#redis = new RedisCacheStore({ redis: opts.redis.url, keyPrefix: `${opts.redis.prefix}:cache:` });
  }

  async purge(tags: readonly string[]): Promise<PurgeOutcome> {
    const failed: string[] = [];
    const memory = this.#dataPlane ? (await this.#dataPlane.purgeCache(tags, { redis: false })).memory : null;
    let redis: number | null = null;
    if (this.#redis) {
      try {
        await ready(this.#redis, REDIS_READY_MS);
        let removed = 0;
        for (const tag of tags) removed += await this.#redis.deleteByTag(tag);
        redis = removed;
      } catch (err) {
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

const REDIS_READY_MS = 2000;
const BUS_START_MS = 1000;

/** Waits for the store's connection to be ready (reconnecting after an outage), at most `ms`. */
async function ready(store: RedisCacheStore, ms: number): Promise<void> {
  const client = store.redis;
  if (client.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      reject(new Error(`Redis not ready within ${ms} ms (${client.status})`));
    }, ms);
    const onReady = (): void => {
      clearTimeout(timer);
      resolve();
    };
    client.once('ready', onReady);
  });
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
    // Bounded: with the store or Redis down at start the node must not wait for them (the bus keeps
    // trying in the background).
    const listening = bus.start(
      (tags) => {
        dataPlane.purgeCache(tags, { redis: false }).catch(() => undefined);
      },
      () => {
        // Purges announced while this node was not listening are lost: drop what it may hold of them.
        const memory = dataPlane.cacheStores.memory;
        const entries = memory.stats().entries;
        memory.clear();
        opts.logger.info({ entries }, `cache purge announcements (${bus.kind}) resumed; memory cache emptied, as purges may have been missed`);
      },
    );
    await withTimeout(listening, BUS_START_MS, 'listening for cache purges').catch(() => undefined);
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
