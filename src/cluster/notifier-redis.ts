/**
 * Config-change notifications over Redis pub/sub, channel `<prefix>:config`, payload the version.
 *
 * Two connections, made only when needed: a subscriber (data planes) and a publisher (control
 * planes). ioredis reconnects both with backoff and subscribes again by itself; messages published
 * while a subscriber was away are lost, and the config watcher's poll catches up with them. A
 * publish never waits long: it fails after `commandTimeoutMs` when Redis is unreachable.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { redactUrl } from '../config/settings.js';
import { backoffMs, quitRedis, withTimeout } from './backoff.js';
import type { ConfigNotifier, NotifierLogger } from './notifier.js';

export interface RedisNotifierOptions {
  /** redis://... or rediss://... */
  url: string;
  /** Key and channel prefix shared by a cluster, e.g. `gantry`; the channel is `<prefix>:config`. */
  prefix: string;
  logger: NotifierLogger;
  /** Bound on a publish and on the first subscribe. Default 1 s. */
  commandTimeoutMs?: number;
  /** Backoff between reconnection attempts. Defaults 100 ms, doubling to 5 s. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export class RedisNotifier implements ConfigNotifier {
  readonly channel: string;
  readonly #opts: RedisNotifierOptions;
  #subscriber: Redis | undefined;
  #publisher: Redis | undefined;

  constructor(opts: RedisNotifierOptions) {
    this.#opts = opts;
    this.channel = `${opts.prefix}:config`;
  }

  /** Resolves once subscribed, or after `commandTimeoutMs` when Redis is unreachable (the subscription then happens on connect). */
  async start(onVersion: (version: number) => void): Promise<void> {
    if (this.#subscriber) throw new Error('RedisNotifier already started');
    const sub = this.#connection('subscriber', {
      // The SUBSCRIBE queued while Redis is unreachable must survive any number of reconnections.
      maxRetriesPerRequest: null,
    });
    this.#subscriber = sub;
    sub.on('message', (channel: string, message: string) => {
      if (channel === this.channel && /^\d{1,15}$/.test(message)) onVersion(Number(message));
    });
    const subscribed = sub.subscribe(this.channel);
    subscribed.catch(() => undefined);
    await withTimeout(subscribed, this.#timeoutMs, 'subscribing').catch(() => undefined);
  }

  async publish(version: number): Promise<void> {
    this.#publisher ??= this.#connection('publisher', { maxRetriesPerRequest: 1, commandTimeout: this.#timeoutMs });
    await this.#publisher.publish(this.channel, String(version));
  }

  async close(): Promise<void> {
    const connections = [this.#subscriber, this.#publisher];
    this.#subscriber = undefined;
    this.#publisher = undefined;
    await quitRedis(connections, this.#timeoutMs);
  }

  get #timeoutMs(): number {
    return this.#opts.commandTimeoutMs ?? 1000;
  }

  /** A connection that logs the first error of an outage and its recovery, never each retry. */
  #connection(role: 'subscriber' | 'publisher', extra: RedisOptions): Redis {
    const minMs = this.#opts.minBackoffMs ?? 100;
    const maxMs = this.#opts.maxBackoffMs ?? 5000;
    const client = new Redis(this.#opts.url, {
      connectionName: `gantry-config-${role}`,
      connectTimeout: 5000,
      retryStrategy: (times) => backoffMs(times - 1, minMs, maxMs),
      ...extra,
    });
    let down = false;
    client.on('error', (err: Error) => {
      if (down) return;
      down = true;
      this.#opts.logger.warn(
        { err, redis: redactUrl(this.#opts.url), role },
        role === 'subscriber'
          ? 'config change notifications (Redis) lost; polling meanwhile, reconnecting'
          : 'cannot announce config changes on Redis; other nodes will see them by polling',
      );
    });
    client.on('ready', () => {
      if (!down) return;
      down = false;
      this.#opts.logger.info({ redis: redactUrl(this.#opts.url), role }, 'Redis reachable again for config change notifications');
    });
    return client;
  }
}
