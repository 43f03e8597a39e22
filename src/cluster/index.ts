/**
 * Cluster mode: keeping every node's data plane in step with the store (poll, change notifications
 * over PostgreSQL LISTEN/NOTIFY or Redis pub/sub), and serving the last good snapshot from local disk
 * while the store is unreachable.
 */
export { ConfigWatcher, type ConfigWatcherOptions } from './config-watcher.js';
export { ConfigSync, configChangeListener, reachStore, STORE_START_TIMEOUT_MS, type ConfigSyncOptions } from './config-sync.js';
export { createNotifier, PostgresNotifier, RedisNotifier, type ConfigNotifier } from './notifier.js';
export { readSnapshotFile, SnapshotFileError, SnapshotWriter, writeSnapshotFile } from './snapshot-file.js';
export { retryInBackground, type BackgroundRetry } from './backoff.js';
