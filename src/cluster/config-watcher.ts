/**
 * Keeps a data plane's snapshot in step with the store: polls the config version (the fallback that
 * always works) and reloads at once when told a change was made (in this process, or by a change
 * notification from another node). Reloads run one at a time and coalesce; a failing store is logged
 * and the last snapshot keeps serving.
 */
import type { ConfigData } from '../core/model.js';
import type { Store } from '../store/types.js';

export interface ConfigWatcherOptions {
  store: Pick<Store, 'getConfigVersion' | 'loadConfig'>;
  apply: (data: ConfigData) => void;
  pollMs: number;
  /** After each configuration the data plane accepted (e.g. to save it to the snapshot file). */
  onApplied?: (data: ConfigData) => void;
  logger: { info(o: object, m?: string): void; warn(o: object, m?: string): void; error(o: object, m?: string): void };
}

export class ConfigWatcher {
  #opts: ConfigWatcherOptions;
  #version = -1;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #storeDown = false;
  #stopped = false;

  constructor(opts: ConfigWatcherOptions) {
    this.#opts = opts;
  }

  get version(): number {
    return this.#version;
  }

  /** False from a failed store call until the next one that succeeds. */
  get storeReachable(): boolean {
    return !this.#storeDown;
  }

  /** Loads and applies the current configuration; throws if the first load fails. */
  async start(): Promise<void> {
    await this.#reload(true);
    this.#schedule();
  }

  /**
   * Serves `data` (the last good snapshot, from disk) because the store's configuration could not be
   * loaded, and keeps polling: the first poll that reaches the store catches up (and logs that the
   * store is reachable). Throws if the data plane rejects `data`.
   */
  startFrom(data: ConfigData): void {
    this.#opts.apply(data);
    this.#version = data.version;
    this.#storeDown = true;
    this.#schedule();
  }

  /** Another node announced `version`: reload unless it is the one serving. */
  notify(version: number): void {
    if (this.#stopped || version === this.#version) return;
    void this.trigger();
  }

  /** Reload now (a change was committed in this process). Resolves when the reload is done. */
  trigger(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#loop().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
  }

  async #loop(): Promise<void> {
    do {
      this.#again = false;
      await this.#reload(false);
    } while (this.#again && !this.#stopped);
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#poll().finally(() => this.#schedule());
    }, this.#opts.pollMs);
    this.#timer.unref();
  }

  async #poll(): Promise<void> {
    try {
      const version = await this.#opts.store.getConfigVersion();
      this.#markStoreUp();
      if (version !== this.#version) await this.trigger();
    } catch (err) {
      this.#markStoreDown(err);
    }
  }

  async #reload(first: boolean): Promise<void> {
    let data: ConfigData;
    try {
      data = await this.#opts.store.loadConfig();
    } catch (err) {
      if (first) throw err;
      this.#markStoreDown(err);
      return;
    }
    this.#markStoreUp();
    if (data.version === this.#version && !first) return;
    try {
      this.#opts.apply(data);
    } catch (err) {
      // The old snapshot keeps serving; the next change gets another chance.
      this.#version = data.version;
      this.#opts.logger.error({ err, configVersion: data.version }, 'configuration rejected by the data plane');
      if (first) throw err;
      return;
    }
    this.#version = data.version;
    this.#opts.logger.info({ configVersion: data.version }, 'configuration applied');
    this.#opts.onApplied?.(data);
  }

  #markStoreDown(err: unknown): void {
    if (!this.#storeDown) {
      this.#storeDown = true;
      this.#opts.logger.warn({ err }, 'store unreachable; serving the last configuration');
    }
  }

  #markStoreUp(): void {
    if (this.#storeDown) {
      this.#storeDown = false;
      this.#opts.logger.info({}, 'store reachable again');
    }
  }
}
