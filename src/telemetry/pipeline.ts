/**
 * The call-log pipeline: one per sink. A bounded in-memory queue (records and bytes) filled by the
 * collector, written to the sink in batches (when a batch is full, or every `flushIntervalMs`), one
 * batch at a time, off the hot path. A batch fills as a CallBlock (block.ts): plain calls are copied
 * into columns as they arrive, the others are built and redacted when their batch is taken; a sink
 * that takes blocks (the store's worker writer) builds the records in its own thread.
 *
 * When the sink falls behind or fails, the overflow policy decides, explicitly:
 * - `drop-oldest`: the oldest queued records are dropped (counted in `dropped`) to make room;
 *   a failed batch is retried with exponential backoff.
 * - `spool`: the oldest records go to a bounded spool on disk (spool.ts), and so does a batch the
 *   sink failed to take; the spool is replayed when the sink takes batches again, also after a
 *   restart. Only a full spool drops (counted).
 * A batch the sink refuses for good (SinkError, not retryable) is counted in `failed` and skipped.
 *
 * `close()` stops accepting, writes everything accepted and replays the spool while the sink takes
 * it; what the sink cannot take is spooled (spool policy) or, after `closeTimeoutMs`, dropped.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { CallBodies, CallRecord } from '../core/call-record.js';
import { BlockPool, CallBlock } from './block.js';
import { blockRecords, type BlockData } from './block-data.js';
import type { CallTarget } from './collector.js';
import { CallEntry, type PrepareOptions } from './record.js';
import type { Redactor } from './redact.js';
import { isRetryable, type CallSink } from './sinks/types.js';
import { Spool, type SpoolOptions } from './spool.js';

export type OverflowPolicy = 'drop-oldest' | 'spool';

export interface PipelineLogger {
  warn(o: object, msg?: string): void;
  error(o: object, msg?: string): void;
}

export interface PipelineOptions {
  sink: CallSink;
  nodeId: string;
  queryRedactor?: Redactor;
  /** Default 100 000 records. */
  maxQueueRecords?: number;
  /** Default 64 MiB (estimated). */
  maxQueueBytes?: number;
  /** Most records per write; default 1000. */
  batchSize?: number;
  /** A partial batch is written after this long; default 200 ms. */
  flushIntervalMs?: number;
  /** Default `drop-oldest`. */
  overflow?: OverflowPolicy;
  /** Required with `spool`: an open Spool or where to open one. */
  spool?: Spool | SpoolOptions;
  /** Backoff after a failed write: from initialMs (100), doubling, up to maxMs (10 000). */
  retry?: { initialMs?: number; maxMs?: number };
  /** How long close() keeps retrying a failing sink before dropping (drop-oldest); default 30 000 ms. */
  closeTimeoutMs?: number;
  logger?: PipelineLogger;
}

export interface PipelineStats {
  sink: string;
  overflow: OverflowPolicy;
  /** Records accepted and not yet written, spooled, dropped or failed (in memory). */
  queued: number;
  queued_bytes: number;
  /** Records taken from the collector since start. */
  accepted: number;
  /** Records the sink took (spool replays included). */
  written: number;
  /** Records dropped by the overflow policy (or a full spool, or close() giving up). */
  dropped: number;
  /** Records in batches the sink refused for good. */
  failed: number;
  /** Records sent to the spool since start. */
  spooled: number;
  /** Records in the spool now (waiting to be replayed). */
  spool_records: number;
  spool_bytes: number;
  /** Age (ms) of the oldest record in memory; 0 when none. */
  lag_ms: number;
  /** Failed writes since start. */
  sink_failures: number;
  last_error: string | null;
  /** Records refused because the pipeline was closed. */
  rejected: number;
}

export class CallLogPipeline implements CallTarget {
  readonly #sink: CallSink;
  readonly #prepare: PrepareOptions;
  readonly #maxRecords: number;
  readonly #maxBytes: number;
  readonly #batchSize: number;
  readonly #overflow: OverflowPolicy;
  readonly #spool: Spool | null;
  readonly #retryInitial: number;
  readonly #retryMax: number;
  readonly #closeTimeoutMs: number;
  readonly #logger: PipelineLogger | undefined;
  readonly #timer: NodeJS.Timeout;

  /** Batches filling or waiting, oldest first; `#open` (the last one, when set) still takes calls. */
  readonly #blocks: CallBlock[] = [];
  readonly #pool: BlockPool;
  #open: CallBlock | null = null;
  /** Live rows in #blocks. */
  #queued = 0;
  /** A batch that failed and waits to be retried (drop-oldest); the oldest records in memory. */
  #retry: CallBlock | null = null;
  /** Entries on their way to the spool. */
  #spilling = 0;
  #spill: Promise<void> | null = null;
  #bytes = 0;
  #pump: Promise<void> | null = null;
  #flushPartial = false;
  #backoffUntil = 0;
  #backoffTimer: NodeJS.Timeout | null = null;
  #failures = 0;
  #closed = false;
  #closing: Promise<void> | null = null;
  readonly #counts = { accepted: 0, written: 0, dropped: 0, failed: 0, spooled: 0, sink_failures: 0, rejected: 0 };
  #lastError: string | null = null;

  private constructor(opts: PipelineOptions, spool: Spool | null) {
    this.#sink = opts.sink;
    this.#prepare = { nodeId: opts.nodeId, ...(opts.queryRedactor ? { queryRedactor: opts.queryRedactor } : {}) };
    this.#maxRecords = opts.maxQueueRecords ?? 100_000;
    this.#maxBytes = opts.maxQueueBytes ?? 64 * 1024 * 1024;
    this.#batchSize = Math.max(1, opts.batchSize ?? 1000);
    this.#pool = new BlockPool(this.#batchSize);
    this.#overflow = opts.overflow ?? 'drop-oldest';
    this.#spool = spool;
    this.#retryInitial = opts.retry?.initialMs ?? 100;
    this.#retryMax = opts.retry?.maxMs ?? 10_000;
    this.#closeTimeoutMs = opts.closeTimeoutMs ?? 30_000;
    this.#logger = opts.logger;
    this.#timer = setInterval(() => this.#kick(true), opts.flushIntervalMs ?? 200);
    this.#timer.unref();
  }

  /** Opens the spool when the policy needs one (and schedules the replay of what it holds). */
  static async create(opts: PipelineOptions): Promise<CallLogPipeline> {
    let spool: Spool | null = null;
    if ((opts.overflow ?? 'drop-oldest') === 'spool') {
      if (opts.spool === undefined) throw new Error('the spool overflow policy needs spool options');
      spool = opts.spool instanceof Spool ? opts.spool : await Spool.open(opts.spool);
    }
    const pipeline = new CallLogPipeline(opts, spool);
    if (spool !== null && spool.records > 0) pipeline.#kick(true);
    return pipeline;
  }

  get sinkName(): string {
    return this.#sink.name;
  }

  /** The collector's target: O(1), never waits. */
  push(entry: CallEntry): void {
    if (this.#closed) {
      this.#counts.rejected++;
      return;
    }
    this.#counts.accepted++;
    let block = this.#open;
    if (block === null) {
      block = new CallBlock(this.#pool);
      this.#blocks.push(block);
      this.#open = block;
    }
    block.add(entry, this.#prepare);
    if (block.full) this.#open = null;
    this.#queued++;
    this.#bytes += entry.size;
    if (this.#inMemory() > this.#maxRecords || this.#bytes > this.#maxBytes) this.#overflowed();
    if (this.#queued >= this.#batchSize) this.#kick(false);
  }

  #inMemory(): number {
    return this.#queued + (this.#retry?.live ?? 0) + this.#spilling;
  }

  /** The oldest waiting batch (sealed if it was still filling). */
  #take(): CallBlock | undefined {
    const block = this.#blocks.shift();
    if (block === undefined) return undefined;
    if (block === this.#open) this.#open = null;
    this.#queued -= block.live;
    return block;
  }

  /** Every waiting batch, oldest first. */
  #takeAll(): CallBlock[] {
    const all: CallBlock[] = [];
    for (let block = this.#take(); block !== undefined; block = this.#take()) all.push(block);
    return all;
  }

  /** Adds an already built record (spool replays, other producers, tests). */
  pushRecord(record: CallRecord, bodies: CallBodies | null = null): void {
    this.push(CallEntry.of(record, bodies));
  }

  /** Resolves once everything queued when called has been handled (written, spooled, dropped or failed). */
  async flush(): Promise<void> {
    while (this.#queued > 0 || this.#retry !== null || this.#pump !== null || this.#spill !== null) {
      if (this.#backoffUntil > Date.now() && this.#pump === null && this.#spill === null) {
        await sleep(this.#backoffUntil - Date.now());
      }
      this.#kick(true);
      await (this.#pump ?? this.#spill ?? Promise.resolve());
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  stats(): PipelineStats {
    const oldest = this.#retry?.oldestTime() ?? this.#blocks[0]?.oldestTime();
    return {
      sink: this.#sink.name,
      overflow: this.#overflow,
      queued: this.#inMemory(),
      queued_bytes: this.#bytes,
      accepted: this.#counts.accepted,
      written: this.#counts.written,
      dropped: this.#counts.dropped,
      failed: this.#counts.failed,
      spooled: this.#counts.spooled,
      spool_records: this.#spool?.records ?? 0,
      spool_bytes: this.#spool?.bytes ?? 0,
      lag_ms: oldest === undefined ? 0 : Math.max(0, Date.now() - oldest),
      sink_failures: this.#counts.sink_failures,
      last_error: this.#lastError,
      rejected: this.#counts.rejected,
    };
  }

  /** Starts the write loop unless it runs; `partial` also writes a batch that is not full. */
  #kick(partial: boolean): void {
    if (partial) this.#flushPartial = true;
    if (this.#pump !== null) return;
    if (this.#backoffUntil > Date.now()) {
      this.#scheduleAfterBackoff();
      return;
    }
    // The work starts on a later turn: push() (the hot path) never builds or writes records itself.
    this.#pump = (async () => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      await this.#run();
    })().finally(() => {
      this.#pump = null;
    });
  }

  #scheduleAfterBackoff(): void {
    if (this.#backoffTimer !== null || this.#closed) return;
    this.#backoffTimer = setTimeout(() => {
      this.#backoffTimer = null;
      this.#kick(true);
    }, Math.max(0, this.#backoffUntil - Date.now()));
    this.#backoffTimer.unref();
  }

  async #run(): Promise<void> {
    try {
      while (this.#backoffUntil <= Date.now() && (await this.#step())) {
        // keep going while there is work and the sink takes it
      }
      if (this.#backoffUntil > Date.now()) this.#scheduleAfterBackoff();
    } catch (err) {
      this.#logger?.error({ err, sink: this.#sink.name }, 'call-log pipeline failed');
    }
  }

  /** One unit of work; false when there is nothing to do now. */
  async #step(): Promise<boolean> {
    if (this.#retry !== null) {
      const batch = this.#retry;
      this.#retry = null;
      await this.#write(batch);
      return true;
    }
    const queued = this.#queued;
    if (queued > 0 && (queued >= this.#batchSize || this.#flushPartial || this.#closed)) {
      const batch = this.#take()!;
      if (this.#queued === 0) this.#flushPartial = false;
      await this.#write(batch);
      return true;
    }
    this.#flushPartial = false;
    // The sink keeps up: replay the spool, oldest first.
    if (this.#spool !== null && this.#spool.records > 0 && this.#spill === null) return this.#replay();
    return false;
  }

  /** The batch's live rows, its kept entries built (a row that cannot be is counted as failed). */
  #data(block: CallBlock): BlockData {
    return block.data(this.#prepare, (err) => {
      this.#counts.failed++;
      this.#logger?.error({ err }, 'a call could not be turned into a record');
    });
  }

  /** A batch that leaves memory: its bytes no longer count, its columns go back to the pool. */
  #done(block: CallBlock): void {
    this.#bytes -= block.bytes;
    block.release();
  }

  async #write(block: CallBlock): Promise<void> {
    const data = this.#data(block);
    const n = data.length - data.skip.length;
    if (n === 0) {
      this.#done(block);
      return;
    }
    try {
      if (this.#sink.writeBlock !== undefined) await this.#sink.writeBlock(data);
      else {
        const { records, bodies } = blockRecords(data);
        await this.#sink.write(records, bodies);
      }
      this.#succeeded(n);
      this.#done(block);
    } catch (err) {
      this.#sinkFailed(err, n);
      if (!isRetryable(err)) {
        this.#counts.failed += n;
        this.#done(block);
      } else if (this.#spool !== null) {
        await this.#toSpool([block]);
      } else {
        this.#retry = block;
      }
    }
  }

  async #replay(): Promise<boolean> {
    const batch = await this.#spool!.read(this.#batchSize);
    if (batch === null) return false;
    const bodies = batch.items.flatMap((i) => (i.bodies === null ? [] : [i.bodies]));
    if (batch.items.length === 0) {
      await batch.commit();
      return true;
    }
    try {
      await this.#sink.write(
        batch.items.map((i) => i.record),
        bodies,
      );
      this.#succeeded(batch.items.length);
      await batch.commit();
    } catch (err) {
      this.#sinkFailed(err, batch.items.length);
      if (!isRetryable(err)) {
        this.#counts.failed += batch.items.length;
        await batch.commit();
      }
    }
    return true;
  }

  #succeeded(n: number): void {
    this.#counts.written += n;
    this.#failures = 0;
    this.#backoffUntil = 0;
  }

  #sinkFailed(err: unknown, n: number): void {
    this.#counts.sink_failures++;
    this.#lastError = err instanceof Error ? err.message : String(err);
    const delay = Math.min(this.#retryMax, this.#retryInitial * 2 ** this.#failures);
    this.#failures++;
    if (isRetryable(err)) this.#backoffUntil = Date.now() + delay;
    this.#logger?.warn({ err, sink: this.#sink.name, records: n, retry_in_ms: isRetryable(err) ? delay : null }, 'call-log sink write failed');
  }

  /** Over a bound: drop the oldest, or move the oldest to the spool. */
  #overflowed(): void {
    if (this.#overflow === 'spool' && this.#spool !== null) {
      if (this.#spill === null) this.#startSpill();
      // The disk cannot keep up: past twice the bounds, memory wins and the oldest are dropped.
      if (this.#inMemory() <= 2 * this.#maxRecords && this.#bytes <= 2 * this.#maxBytes) return;
    }
    while ((this.#inMemory() > this.#maxRecords || this.#bytes > this.#maxBytes) && this.#dropOldest()) {
      // dropping
    }
  }

  #dropOldest(): boolean {
    let size: number | undefined;
    if (this.#retry !== null) {
      size = this.#retry.dropOldest();
      if (this.#retry.live === 0) {
        this.#retry.release();
        this.#retry = null;
      }
    }
    if (size === undefined) {
      const block = this.#blocks[0];
      if (block === undefined) return false;
      size = block.dropOldest();
      if (size === undefined) return false;
      this.#queued--;
      if (block.live === 0) this.#take()!.release();
    }
    this.#counts.dropped++;
    this.#bytes -= size;
    return true;
  }

  #startSpill(): void {
    // At least a batch, and whole batches until the queue is back within its bound.
    const over = Math.max(this.#queued - this.#maxRecords, 0);
    const blocks: CallBlock[] = [];
    let rows = 0;
    while (this.#blocks.length > 0 && (rows === 0 || rows < over)) {
      const block = this.#take()!;
      blocks.push(block);
      rows += block.live;
    }
    if (rows === 0) return;
    this.#spilling = rows;
    this.#spill = (async () => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.#spilling = 0;
      await this.#toSpool(blocks);
    })()
      .catch((err: unknown) => this.#logger?.error({ err }, 'call-log spill failed'))
      .finally(() => {
        this.#spill = null;
        this.#spilling = 0;
        if (this.#inMemory() > this.#maxRecords || this.#bytes > this.#maxBytes) this.#overflowed();
      });
  }

  /** Batches to the spool (as records; they leave memory); what does not fit is dropped (counted). */
  async #toSpool(blocks: readonly CallBlock[]): Promise<void> {
    const items: Array<{ record: CallRecord; bodies: CallBodies | null }> = [];
    for (const block of blocks) {
      const { records, bodies } = blockRecords(this.#data(block));
      this.#done(block);
      const byId = new Map(bodies.map((b) => [b.id, b]));
      for (const record of records) items.push({ record, bodies: byId.get(record.id) ?? null });
    }
    let written = 0;
    try {
      written = await this.#spool!.append(items);
    } catch (err) {
      this.#logger?.error({ err }, 'call-log spool write failed');
    }
    this.#counts.spooled += written;
    if (written < items.length) {
      this.#counts.dropped += items.length - written;
      this.#logger?.error({ dropped: items.length - written }, 'call-log spool full: records dropped');
    }
  }

  /**
   * Stops accepting and writes everything accepted, then the spool, while the sink takes it. A sink
   * that keeps failing: the spool policy spools the rest at once; drop-oldest retries until
   * `closeTimeoutMs`, then counts the rest as dropped. Then closes the spool and the sink.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  /** Changes whenever records leave memory or the spool. */
  #progress(): number {
    const c = this.#counts;
    return c.written + c.failed + c.dropped + c.spooled + c.sink_failures;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    if (this.#backoffTimer !== null) clearTimeout(this.#backoffTimer);
    this.#backoffTimer = null;
    const deadline = Date.now() + this.#closeTimeoutMs;
    for (;;) {
      await (this.#pump ?? Promise.resolve());
      await (this.#spill ?? Promise.resolve());
      const pending = this.#queued > 0 || this.#retry !== null;
      const spooled = this.#spool !== null && this.#spool.records > 0;
      if (!pending && !spooled) break;
      if (this.#backoffUntil > Date.now()) {
        // The sink is failing. Spool what is in memory and stop; or wait and retry until the deadline.
        if (this.#spool !== null) {
          const rest = this.#retry === null ? [] : [this.#retry];
          this.#retry = null;
          rest.push(...this.#takeAll());
          await this.#toSpool(rest);
          break;
        }
        if (Date.now() >= deadline) break;
        await sleep(Math.min(this.#backoffUntil, deadline) - Date.now());
        this.#backoffUntil = Math.min(this.#backoffUntil, Date.now());
      }
      const before = this.#progress();
      await this.#run();
      if (this.#progress() === before && this.#backoffUntil <= Date.now()) break;
    }
    const left = this.#queued + (this.#retry?.live ?? 0);
    if (left > 0) {
      this.#counts.dropped += left;
      this.#logger?.error({ dropped: left, sink: this.#sink.name }, 'call-log sink still failing at shutdown: records dropped');
      for (const block of this.#takeAll()) block.release();
      this.#retry?.release();
      this.#retry = null;
      this.#bytes = 0;
    }
    await this.#spool?.close();
    await this.#sink.close?.();
  }
}
