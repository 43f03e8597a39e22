/**
 * Call logging: the collector (subscribed to `gantry:call` / `gantry:ai-call`), one pipeline per sink,
 * and retention. The node builds it with `createCallLogging` before the data plane serves, and closes
 * it after the data plane has stopped and before the store closes (SIGTERM): every accepted record
 * is then written (or spooled).
 */
import { join } from 'node:path';
import { parseStoreUrl } from '../store/index.js';
import type { Store } from '../store/types.js';
import { CallCollector, type CollectorStats } from './collector.js';
import { CallLogPipeline, type PipelineLogger, type PipelineStats } from './pipeline.js';
import { RetentionJob, type RetentionLogger } from './retention.js';
import type { CallLogSettings } from './settings.js';
import { FileSink } from './sinks/file.js';
import { StoreSink } from './sinks/store.js';
import { WorkerStoreSink } from './sinks/store-worker.js';
import type { CallSink } from './sinks/types.js';
import { WebhookSink } from './sinks/webhook.js';

export { CallCollector, type CallTarget, type CollectorOptions, type CollectorStats } from './collector.js';
export { CallLogPipeline, type OverflowPolicy, type PipelineOptions, type PipelineStats } from './pipeline.js';
export { CallEntry, prepareEntry, type CallEventInput } from './record.js';
export { DEFAULT_REDACTOR, Redactor, type RedactOptions } from './redact.js';
export { CallLogOptions, buildBodies, compileCallLogOptions, type CapturedCall, type CompiledCapture } from './capture.js';
export { DEFAULT_RETENTION, RetentionJob, type RetentionResult, type RetentionSettings } from './retention.js';
export { CallLogSettings, parseCallLogSettings } from './settings.js';
export { Spool, type SpoolOptions } from './spool.js';
export { FileSink } from './sinks/file.js';
export { StoreSink } from './sinks/store.js';
export { WorkerStoreSink } from './sinks/store-worker.js';
export { SinkError, type CallSink } from './sinks/types.js';
export { WebhookSink } from './sinks/webhook.js';

export interface CallLogging {
  readonly collector: CallCollector;
  readonly pipelines: readonly CallLogPipeline[];
  readonly retention: RetentionJob | null;
  /** For metrics: the collector's join counters and each sink's pipeline. */
  stats(): { collector: CollectorStats; sinks: PipelineStats[] };
  /** Unsubscribes, writes (or spools) everything accepted, closes sinks; stops retention. */
  close(): Promise<void>;
}

export interface CreateCallLoggingOptions {
  /** Parsed (defaults applied) `call_logs` settings. */
  settings: CallLogSettings;
  /** Needed when settings.store is true (and for retention). */
  store?: Store;
  /** The store's URL, for the worker-thread writer (settings.store_writer). */
  databaseUrl?: string;
  nodeId: string;
  /** Where the spool goes by default. */
  dataDir: string;
  logger?: PipelineLogger & RetentionLogger;
  /** Extra sinks (tests, embedders). */
  sinks?: CallSink[];
}

function storeSink(store: Store, writer: CallLogSettings['store_writer'], url: string | undefined): CallSink {
  const file = url !== undefined && store.dialect === 'sqlite' && parseStoreUrl(url).dialect === 'sqlite' && !url.includes(':memory:');
  if (writer === 'worker' || (writer === 'auto' && file)) {
    if (url === undefined) throw new Error('call_logs.store_writer worker needs the database URL');
    return new WorkerStoreSink({ url });
  }
  return new StoreSink(store);
}

export async function createCallLogging(opts: CreateCallLoggingOptions): Promise<CallLogging> {
  const s = opts.settings;
  const sinks: Array<{ sink: CallSink; batchSize: number }> = [];
  if (s.store) {
    if (opts.store === undefined) throw new Error('call_logs.store needs a store');
    sinks.push({ sink: storeSink(opts.store, s.store_writer, opts.databaseUrl), batchSize: s.queue.batch_size });
  }
  // Files and webhooks gain nothing from the store's large batches.
  const small = Math.min(s.queue.batch_size, 1000);
  if (s.file) sinks.push({ sink: new FileSink({ path: s.file.path, maxBytes: s.file.max_bytes, maxFiles: s.file.max_files }), batchSize: small });
  if (s.webhook) {
    const w = s.webhook;
    sinks.push({
      sink: new WebhookSink({ url: w.url, headers: w.headers, timeoutMs: w.timeout_ms, maxAttempts: w.max_attempts }),
      batchSize: small,
    });
  }
  for (const sink of opts.sinks ?? []) sinks.push({ sink, batchSize: small });

  const spoolRoot = s.spool.dir ?? join(opts.dataDir, 'call-log-spool');
  const pipelines: CallLogPipeline[] = [];
  try {
    for (const { sink, batchSize } of sinks) {
      pipelines.push(
        await CallLogPipeline.create({
          sink,
          nodeId: opts.nodeId,
          batchSize,
          maxQueueRecords: s.queue.max_records,
          maxQueueBytes: s.queue.max_bytes,
          flushIntervalMs: s.queue.flush_interval_ms,
          overflow: s.overflow,
          spool: { dir: join(spoolRoot, sink.name), maxBytes: s.spool.max_bytes },
          ...(opts.logger ? { logger: opts.logger } : {}),
        }),
      );
    }
  } catch (err) {
    await Promise.allSettled(pipelines.map((p) => p.close()));
    throw err;
  }

  const collector = new CallCollector({ targets: s.enabled ? pipelines : [], joinWindowMs: s.join_window_ms });
  if (s.enabled && pipelines.length > 0) collector.start();

  let retention: RetentionJob | null = null;
  if (opts.store !== undefined && s.store) {
    const r = s.retention;
    retention = new RetentionJob({
      store: opts.store,
      settings: { days: r.days, teams: r.teams, rollups: r.rollups },
      intervalMs: r.interval_ms,
      ...(opts.logger ? { logger: opts.logger } : {}),
    });
    retention.start();
  }

  let closing: Promise<void> | null = null;
  return {
    collector,
    pipelines,
    retention,
    stats: () => ({ collector: collector.stats(), sinks: pipelines.map((p) => p.stats()) }),
    close() {
      closing ??= (async () => {
        collector.stop();
        await retention?.stop();
        await Promise.all(pipelines.map((p) => p.close()));
      })();
      return closing;
    },
  };
}
