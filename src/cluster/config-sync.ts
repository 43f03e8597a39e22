/**
 * How a node's data plane follows the configuration in a cluster: a ConfigWatcher (poll + reload),
 * change notifications from other nodes, and the last good snapshot on local disk.
 *
 * At start the configuration comes from the store; when the store could not be reached (or the
 * first load fails), from the snapshot file, and the watcher keeps trying the store in the
 * background: its first successful poll catches up. With neither, the node does not start: serving
 * an empty configuration would answer 404 for every route.
 */
import type { ConfigData } from '../core/model.js';
import type { Store } from '../store/types.js';
import { withTimeout } from './backoff.js';
import { ConfigWatcher } from './config-watcher.js';
import type { ConfigNotifier } from './notifier.js';
import { readSnapshotFile, SnapshotWriter } from './snapshot-file.js';

export interface SyncLogger {
  info(o: object, m?: string): void;
  warn(o: object, m?: string): void;
  error(o: object, m?: string): void;
}

/** How long a starting node waits for the store before it serves from its snapshot file. */
export const STORE_START_TIMEOUT_MS = 5000;

/** Connects to the store and brings its schema up to date, within `timeoutMs`. */
export function reachStore(store: Pick<Store, 'migrate'>, timeoutMs = STORE_START_TIMEOUT_MS): Promise<{ applied: string[] }> {
  return withTimeout(store.migrate(), timeoutMs, 'reaching the store');
}

export interface ConfigSyncOptions {
  store: Pick<Store, 'getConfigVersion' | 'loadConfig'>;
  /** False when the store could not be reached at start: serve from the snapshot file. */
  storeReady: boolean;
  apply: (data: ConfigData) => void;
  pollMs: number;
  snapshotFile: string;
  /** Started here (subscribes); closed by its owner, which may also publish through it. */
  notifier?: ConfigNotifier | undefined;
  logger: SyncLogger;
}

export class ConfigSync {
  readonly #watcher: ConfigWatcher;
  readonly #writer: SnapshotWriter;

  private constructor(watcher: ConfigWatcher, writer: SnapshotWriter) {
    this.#watcher = watcher;
    this.#writer = writer;
  }

  static async start(opts: ConfigSyncOptions): Promise<ConfigSync> {
    const { logger, snapshotFile } = opts;
    const writer = new SnapshotWriter(snapshotFile, (err) => logger.warn({ err, snapshotFile }, 'cannot write the snapshot file'));
    const watcher = new ConfigWatcher({
      store: opts.store,
      apply: opts.apply,
      pollMs: opts.pollMs,
      logger,
      onApplied: (data) => writer.save(data),
    });
    let startError: unknown;
    if (opts.storeReady) {
      try {
        await watcher.start();
      } catch (err) {
        startError = err;
      }
    }
    if (!opts.storeReady || startError !== undefined) {
      const snapshot = await readSnapshotFile(snapshotFile);
      if (!snapshot) {
        const reason = startError instanceof Error ? startError.message : 'the store is unreachable';
        throw new Error(`Cannot start the data plane: ${reason}, and there is no snapshot file at ${snapshotFile} to serve from`, {
          cause: startError,
        });
      }
      watcher.startFrom(snapshot.config);
      logger.warn(
        { err: startError, snapshotFile, configVersion: snapshot.config.version, snapshotWrittenAt: snapshot.writtenAt },
        'serving the last good configuration from the snapshot file; the store is retried in the background',
      );
    }
    await opts.notifier?.start((version) => watcher.notify(version));
    return new ConfigSync(watcher, writer);
  }

  /** The config version the data plane serves. */
  get version(): number {
    return this.#watcher.version;
  }

  get storeReachable(): boolean {
    return this.#watcher.storeReachable;
  }

  /** A change was committed in this process: resolves when this data plane serves it. */
  changed(): Promise<void> {
    return this.#watcher.trigger();
  }

  /** Stops polling; waits for a snapshot write in progress. */
  async close(): Promise<void> {
    this.#watcher.stop();
    await this.#writer.flush();
  }
}

/**
 * The admin API's `onConfigChange`: this node's data plane reloads (the response waits for it), then
 * the change is announced to the others when the notifier publishes (Redis). The publish is not
 * awaited: the change is committed, and a node that misses the announcement sees it by polling.
 */
export function configChangeListener(opts: {
  sync: ConfigSync | undefined;
  notifier: ConfigNotifier | undefined;
  store: Pick<Store, 'getConfigVersion'>;
  logger: SyncLogger;
}): (() => Promise<void>) | undefined {
  const { sync, notifier, store, logger } = opts;
  const publish = notifier?.publish?.bind(notifier);
  if (!sync && !publish) return undefined;
  return async () => {
    if (sync) await sync.changed();
    if (!publish) return;
    void (async () => {
      const version = sync?.storeReachable ? sync.version : await store.getConfigVersion();
      await publish(version);
    })().catch((err: unknown) => logger.warn({ err }, 'config change not announced; other nodes will see it by polling'));
  };
}
