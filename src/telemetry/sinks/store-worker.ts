/**
 * The store sink in a worker thread. better-sqlite3 is synchronous: written on the main thread, a
 * batch of call logs holds the event loop (and so the proxy) for as long as SQLite works on it.
 * Here a worker thread opens its own store on the same database and runs `callLogs.insertEncoded`.
 * A pipeline's batch is posted as it holds it (columns, block-data.ts): the worker builds the records
 * and encodes them (repos/call-segments.ts `encodeBatch`), so the proxy's thread does neither. Records
 * handed over as such (spool replays) are encoded here and posted encoded. Same semantics as
 * StoreSink: validation errors are not retryable, anything else is.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CallBodies, CallRecord } from '../../core/call-record.js';
import { encodeBatch, type EncodedBatch } from '../../store/repos/call-segments.js';
import type { BlockData } from '../block-data.js';
import { storeWriteError } from './store.js';
import { SinkError, type CallSink } from './types.js';

/**
 * The worker's module. Run from source (tsx, vitest), it is TypeScript: a small bootstrap registers
 * tsx's loader in the worker first (a dev dependency, needed only then).
 */
function workerEntry(): URL {
  if (!import.meta.url.endsWith('.ts')) return new URL('./store-worker-main.js', import.meta.url);
  // The package's `import` condition of tsx/esm/api, next to the `require` one createRequire finds.
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const main = new URL('./store-worker-main.ts', import.meta.url).href;
  const code = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(main)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

interface Reply {
  id: number;
  ok: boolean;
  message?: string;
  code?: string;
}

export interface WorkerStoreSinkOptions {
  /** The store's database URL (already migrated). */
  url: string;
}

export class WorkerStoreSink implements CallSink {
  readonly name = 'store';
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve(): void; reject(err: Error): void }>();
  #next = 1;
  #failed: Error | null = null;
  #exited: Promise<void>;

  constructor(opts: WorkerStoreSinkOptions) {
    this.#worker = new Worker(workerEntry(), { workerData: { url: opts.url } });
    this.#worker.unref();
    this.#worker.on('message', (reply: Reply) => {
      const waiting = this.#pending.get(reply.id);
      if (waiting === undefined) return;
      this.#pending.delete(reply.id);
      if (reply.ok) waiting.resolve();
      else {
        const message = `the store refused the batch: ${reply.message ?? 'unknown error'}`;
        waiting.reject(reply.code === 'GANTRY_ERR_VALIDATION' ? new SinkError(message, { retryable: false }) : new Error(reply.message));
      }
    });
    this.#exited = new Promise((resolve) => {
      this.#worker.once('exit', (code) => {
        this.#fail(new Error(`the call-log store worker exited (code ${code})`));
        resolve();
      });
    });
    this.#worker.on('error', (err) => this.#fail(err));
  }

  #fail(err: Error): void {
    this.#failed ??= err;
    for (const waiting of this.#pending.values()) waiting.reject(err);
    this.#pending.clear();
  }

  write(records: readonly CallRecord[], bodies: readonly CallBodies[]): Promise<void> {
    let batch: EncodedBatch;
    try {
      batch = encodeBatch(records, bodies);
    } catch (err) {
      return Promise.reject(storeWriteError(err));
    }
    return this.#post({ type: 'write', batch });
  }

  writeBlock(block: BlockData): Promise<void> {
    return this.#post({ type: 'block', block });
  }

  #post(message: { type: 'write'; batch: EncodedBatch } | { type: 'block'; block: BlockData }): Promise<void> {
    if (this.#failed !== null) return Promise.reject(this.#failed);
    const id = this.#next++;
    return new Promise<void>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.ref();
      this.#worker.postMessage({ ...message, id });
    }).finally(() => {
      if (this.#pending.size === 0) this.#worker.unref();
    });
  }

  async close(): Promise<void> {
    if (this.#failed === null) {
      this.#worker.ref();
      this.#worker.postMessage({ type: 'close' });
    }
    await this.#exited;
  }
}
