/**
 * Cache purges between nodes: each data plane keeps its own memory store, so a purge (admin API) or
 * an invalidation (an unsafe request on one node) is announced to every node, which removes the
 * tags from its memory store. The shared Redis store is purged once, by whoever announces.
 *
 * Over Redis pub/sub (`<prefix>:cache-purge`) when the node has a Redis URL, else PostgreSQL
 * NOTIFY (`gantry_cache_purge`) — the same choice as config change notifications (notifier.ts).
 * Payload: `{"o": <sender instance>, "t": [tags]}`; a sender ignores its own messages (it applied
 * them already). Announcements are not stored, so a node cannot replay what it missed while its
 * listening connection was down (or not yet up: a node that starts while the service is down caches
 * meanwhile). Instead, each time listening resumes after such a gap the bus calls `onGap`, and the
 * node empties its memory store: whatever was purged meanwhile is fetched again rather than served
 * stale. Publishing reports failures, so the admin API can say the purge did not reach every node.
 */
import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import pg from 'pg';
import { redactUrl } from '../config/settings.js';
import { backoffMs, quitRedis, withTimeout } from './backoff.js';
import type { NotifierLogger } from './notifier.js';

export const PURGE_CHANNEL_POSTGRES = 'gantry_cache_purge';
/** PostgreSQL NOTIFY payloads must stay under 8000 bytes; Redis has no such limit but gets the same split. */
const MAX_PAYLOAD = 7000;

export type PurgeListener = (tags: string[]) => void;
/** Called when listening resumes after a time it was not listening: announcements may have been missed. */
export type GapListener = () => void;

export interface CachePurgeBus {
  readonly kind: 'redis' | 'postgres';
  /**
   * Listens for other nodes' purges. Never throws for an unreachable service: it retries, and calls
   * `onGap` once listening again (not for the first subscription, when it succeeds at once).
   */
  start(onTags: PurgeListener, onGap?: GapListener): Promise<void>;
  publish(tags: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** `tags` as payloads each under the NOTIFY limit. */
export function purgePayloads(origin: string, tags: readonly string[]): string[] {
  const out: string[] = [];
  let batch: string[] = [];
  let size = 0;
  for (const tag of tags) {
    if (batch.length > 0 && size + tag.length + 4 > MAX_PAYLOAD - 64) {
      out.push(JSON.stringify({ o: origin, t: batch }));
      batch = [];
      size = 0;
    }
    batch.push(tag);
    size += tag.length + 4;
  }
  if (batch.length > 0) out.push(JSON.stringify({ o: origin, t: batch }));
  return out;
}

/** The tags of a payload not sent by `self`; null for anything else. */
export function parsePurgePayload(payload: string, self: string): string[] | null {
  try {
    const msg = JSON.parse(payload) as { o?: unknown; t?: unknown };
    if (msg.o === self || !Array.isArray(msg.t) || !msg.t.every((t) => typeof t === 'string')) return null;
    return msg.t as string[];
  } catch {
    return null;
  }
}

export class RedisPurgeBus implements CachePurgeBus {
  readonly kind = 'redis';
  readonly channel: string;
  readonly #id = randomUUID();
  readonly #url: string;
  readonly #logger: NotifierLogger;
  readonly #timeoutMs: number;
  #subscriber: Redis | undefined;
  #publisher: Redis | undefined;

  constructor(opts: { url: string; prefix: string; logger: NotifierLogger; timeoutMs?: number }) {
    this.channel = `${opts.prefix}:cache-purge`;
    this.#url = opts.url;
    this.#logger = opts.logger;
    this.#timeoutMs = opts.timeoutMs ?? 1000;
  }

  async start(onTags: PurgeListener, onGap?: GapListener): Promise<void> {
    const sub = this.#connection('subscriber', { maxRetriesPerRequest: null });
    this.#subscriber = sub;
    sub.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      const tags = parsePurgePayload(message, this.#id);
      if (tags !== null) onTags(tags);
    });
    // A gap starts when the connection closes (lost, or refused before the first subscription) and
    // ends once SUBSCRIBE has been answered again: Redis handles commands in order, so from then on
    // every announcement arrives. (ioredis resubscribes by itself; subscribing again is harmless.)
    let gap = false;
    let subscribedOnce = false;
    sub.on('close', () => {
      gap = true;
    });
    sub.on('ready', () => {
      if (!gap || !subscribedOnce) return;
      sub.subscribe(this.channel).then(
        () => {
          if (!gap || this.#subscriber !== sub) return;
          gap = false;
          onGap?.();
        },
        () => undefined,
      );
    });
    const subscribed = sub.subscribe(this.channel).then(() => {
      subscribedOnce = true;
      if (gap) {
        gap = false;
        onGap?.();
      }
    });
    subscribed.catch(() => undefined);
    await withTimeout(subscribed, this.#timeoutMs, 'subscribing').catch(() => undefined);
  }

  async publish(tags: readonly string[]): Promise<void> {
    this.#publisher ??= this.#connection('publisher', { maxRetriesPerRequest: 1, commandTimeout: this.#timeoutMs });
    for (const payload of purgePayloads(this.#id, tags)) await this.#publisher.publish(this.channel, payload);
  }

  async close(): Promise<void> {
    const connections = [this.#subscriber, this.#publisher];
    this.#subscriber = undefined;
    this.#publisher = undefined;
    await quitRedis(connections, this.#timeoutMs);
  }

  #connection(role: string, extra: RedisOptions): Redis {
    const client = new Redis(this.#url, {
      connectionName: `gantry-cache-purge-${role}`,
      connectTimeout: 5000,
      retryStrategy: (times) => backoffMs(times - 1, 100, 5000),
      ...extra,
    });
    let down = false;
    client.on('error', (err: Error) => {
      if (down) return;
      down = true;
      this.#logger.warn({ err, redis: redactUrl(this.#url), role }, 'cache purge announcements (Redis) unavailable; reconnecting');
    });
    client.on('ready', () => {
      if (down) this.#logger.info({ redis: redactUrl(this.#url), role }, 'cache purge announcements (Redis) available again');
      down = false;
    });
    return client;
  }
}

export class PostgresPurgeBus implements CachePurgeBus {
  readonly kind = 'postgres';
  readonly #id = randomUUID();
  readonly #url: string;
  readonly #logger: NotifierLogger;
  readonly #timeoutMs: number;
  #onTags: PurgeListener | undefined;
  #onGap: GapListener | undefined;
  /** Not listening since a failure: the next successful LISTEN ends a gap. */
  #gap = false;
  #listener: pg.Client | undefined;
  #publisher: pg.Pool | undefined;
  #timer: NodeJS.Timeout | undefined;
  #attempt = 0;
  #closed = false;

  constructor(opts: { url: string; logger: NotifierLogger; timeoutMs?: number }) {
    this.#url = opts.url;
    this.#logger = opts.logger;
    this.#timeoutMs = opts.timeoutMs ?? 5000;
  }

  async start(onTags: PurgeListener, onGap?: GapListener): Promise<void> {
    this.#onTags = onTags;
    this.#onGap = onGap;
    await this.#listen();
  }

  async publish(tags: readonly string[]): Promise<void> {
    if (this.#publisher === undefined) {
      this.#publisher = new pg.Pool({ connectionString: this.#url, max: 1, connectionTimeoutMillis: this.#timeoutMs, idleTimeoutMillis: 10_000 });
      this.#publisher.on('error', () => undefined);
    }
    for (const payload of purgePayloads(this.#id, tags)) {
      await withTimeout(this.#publisher.query('SELECT pg_notify($1, $2)', [PURGE_CHANNEL_POSTGRES, payload]), this.#timeoutMs, 'NOTIFY');
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    const listener = this.#listener;
    this.#listener = undefined;
    const publisher = this.#publisher;
    this.#publisher = undefined;
    await Promise.all([
      listener ? withTimeout(listener.end(), this.#timeoutMs, 'closing').catch(() => undefined) : undefined,
      publisher ? withTimeout(publisher.end(), this.#timeoutMs, 'closing').catch(() => undefined) : undefined,
    ]);
  }

  /** One dedicated LISTEN connection; on error or end, a new one after a backoff. */
  async #listen(): Promise<void> {
    if (this.#closed) return;
    const client = new pg.Client({ connectionString: this.#url, connectionTimeoutMillis: this.#timeoutMs, keepAlive: true, application_name: 'gantry-cache-purge' });
    const lost = (err: unknown): void => {
      if (this.#listener !== client) return;
      this.#listener = undefined;
      client.end().catch(() => undefined);
      this.#retry(err);
    };
    client.on('error', lost);
    client.on('end', () => lost(new Error('connection ended')));
    client.on('notification', (msg) => {
      if (msg.channel !== PURGE_CHANNEL_POSTGRES || msg.payload === undefined) return;
      const tags = parsePurgePayload(msg.payload, this.#id);
      if (tags !== null) this.#onTags?.(tags);
    });
    try {
      await withTimeout(client.connect(), this.#timeoutMs + 1000, 'connecting');
      await withTimeout(client.query(`LISTEN ${PURGE_CHANNEL_POSTGRES}`), this.#timeoutMs, 'LISTEN');
    } catch (err) {
      client.end().catch(() => undefined);
      this.#retry(err);
      return;
    }
    if (this.#closed) {
      client.end().catch(() => undefined);
      return;
    }
    this.#listener = client;
    this.#attempt = 0;
    if (this.#gap) {
      this.#gap = false;
      this.#onGap?.();
    }
  }

  #retry(err: unknown): void {
    if (this.#closed) return;
    this.#gap = true;
    if (this.#attempt === 0) this.#logger.warn({ err }, 'cache purge announcements (PostgreSQL LISTEN) lost; reconnecting');
    this.#timer = setTimeout(() => void this.#listen(), backoffMs(this.#attempt++, 100, 5000));
    this.#timer.unref();
  }
}

/** Redis when the node has a Redis URL, else PostgreSQL on a PostgreSQL store, else none (one SQLite node). */
export function createPurgeBus(opts: {
  redisUrl: string | undefined;
  redisPrefix: string;
  databaseUrl: string;
  dialect: string;
  logger: NotifierLogger;
}): CachePurgeBus | undefined {
  if (opts.redisUrl) return new RedisPurgeBus({ url: opts.redisUrl, prefix: opts.redisPrefix, logger: opts.logger });
  if (opts.dialect === 'postgres') return new PostgresPurgeBus({ url: opts.databaseUrl, logger: opts.logger });
  return undefined;
}
