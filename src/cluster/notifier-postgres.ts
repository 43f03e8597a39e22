/**
 * LISTEN on PostgreSQL's `gantry_config` channel over one dedicated connection (not from the store's
 * pool: a pooled connection would be handed to queries and lose its LISTEN).
 *
 * The connection is watched: an error, its end, or a ping that gets no answer drops it and a new one
 * is opened with exponential backoff, then LISTENs again. Notifications sent while no connection was
 * listening are lost; the config watcher's poll catches up with them.
 */
import pg from 'pg';
import { CONFIG_CHANNEL } from '../store/context.js';
import { backoffMs, withTimeout } from './backoff.js';
import type { ConfigNotifier, NotifierLogger } from './notifier.js';

export interface PostgresNotifierOptions {
  /** postgres://... */
  url: string;
  logger: NotifierLogger;
  /** Default `gantry_config` (what the store notifies on). */
  channel?: string;
  /** Bound on connecting and on each ping. Default 5 s. */
  timeoutMs?: number;
  /** How often the connection is checked with `SELECT 1`. Default 10 s. */
  pingMs?: number;
  /** Backoff between reconnection attempts. Defaults 100 ms, doubling to 5 s. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export class PostgresNotifier implements ConfigNotifier {
  readonly #opts: Required<Omit<PostgresNotifierOptions, 'logger'>> & { logger: NotifierLogger };
  #onVersion: ((version: number) => void) | undefined;
  #client: pg.Client | undefined;
  #timer: NodeJS.Timeout | undefined;
  #attempt = 0;
  #lost = false;
  #closed = false;

  constructor(opts: PostgresNotifierOptions) {
    this.#opts = {
      channel: CONFIG_CHANNEL,
      timeoutMs: 5000,
      pingMs: 10_000,
      minBackoffMs: 100,
      maxBackoffMs: 5000,
      ...opts,
    };
  }

  /** True while a connection is LISTENing. */
  get listening(): boolean {
    return this.#client !== undefined;
  }

  /** Resolves after the first connection attempt, listening or not (then it keeps trying). */
  async start(onVersion: (version: number) => void): Promise<void> {
    this.#onVersion = onVersion;
    await this.#connect();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = undefined;
    if (client) await withTimeout(client.end(), this.#opts.timeoutMs, 'closing the LISTEN connection').catch(() => undefined);
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    const client = new pg.Client({
      connectionString: this.#opts.url,
      connectionTimeoutMillis: this.#opts.timeoutMs,
      keepAlive: true,
      application_name: 'gantry-config-listener',
    });
    // Registered before connecting: an 'error' event without a listener would crash the process.
    client.on('error', (err) => this.#drop(client, err));
    client.on('end', () => this.#drop(client, new Error('connection ended')));
    client.on('notification', (msg) => {
      if (msg.channel !== this.#opts.channel || msg.payload === undefined || !/^\d{1,15}$/.test(msg.payload)) return;
      this.#onVersion?.(Number(msg.payload));
    });
    try {
      await withTimeout(client.connect(), this.#opts.timeoutMs + 1000, 'connecting');
      await withTimeout(client.query(`LISTEN ${pg.escapeIdentifier(this.#opts.channel)}`), this.#opts.timeoutMs, 'LISTEN');
    } catch (err) {
      client.end().catch(() => undefined);
      this.#retry(err);
      return;
    }
    if (this.#closed) {
      client.end().catch(() => undefined);
      return;
    }
    this.#client = client;
    this.#attempt = 0;
    if (this.#lost) this.#opts.logger.info({ channel: this.#opts.channel }, 'listening for config changes again (PostgreSQL)');
    this.#lost = false;
    this.#schedulePing(client);
  }

  #schedulePing(client: pg.Client): void {
    this.#timer = setTimeout(() => {
      withTimeout(client.query('SELECT 1'), this.#opts.timeoutMs, 'ping').then(
        () => {
          if (this.#client === client) this.#schedulePing(client);
        },
        (err: unknown) => this.#drop(client, err),
      );
    }, this.#opts.pingMs);
    this.#timer.unref();
  }

  /** The connection `client` failed: forget it and reconnect (once, whatever number of events report it). */
  #drop(client: pg.Client, err: unknown): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    clearTimeout(this.#timer);
    client.end().catch(() => undefined);
    this.#retry(err);
  }

  #retry(err: unknown): void {
    if (this.#closed) return;
    if (!this.#lost) {
      this.#lost = true;
      this.#opts.logger.warn({ err }, 'config change notifications (PostgreSQL LISTEN) lost; polling meanwhile, reconnecting');
    }
    const delay = backoffMs(this.#attempt++, this.#opts.minBackoffMs, this.#opts.maxBackoffMs);
    this.#timer = setTimeout(() => void this.#connect(), delay);
    this.#timer.unref();
  }
}
