/**
 * AI usage rollups: `gantry:ai-call` events summed in memory per (UTC day, team, app, key, service,
 * provider, model) and written with `store.aiUsage.record` every `flushMs`, never on the hot path
 * (the subscriber only adds numbers to a Map entry).
 *
 * When the store fails, the buckets stay and the flush is retried with exponential backoff; at most
 * `maxBuckets` are kept, beyond that the oldest are dropped and counted (`stats().dropped`).
 *
 * Costs are summed exactly in units of 1e-10 USD (the catalog's precision). The store keeps whole
 * micro-dollars, so each flush writes the whole micro-dollars of a bucket and carries the remainder
 * to that bucket's next flush: a stream of $0.0000003 calls is not rounded away one flush at a time.
 */
import { aiCallChannel, type AiCallEvent } from '../events.js';
import type { AiUsageDelta, Store } from '../../store/types.js';
import { utcDay } from './limiter.js';

/** pino-compatible. */
export interface UsageLogger {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const NO_LOG: UsageLogger = { warn: () => undefined, error: () => undefined };

export interface UsageRecorderOptions {
  store: Pick<Store, 'aiUsage'>;
  /** Default 1000. */
  flushMs?: number;
  /** Buckets kept while the store is unavailable; default 10,000. */
  maxBuckets?: number;
  /** Longest wait between retries after failed flushes; default 30 s. */
  maxBackoffMs?: number;
  logger?: UsageLogger;
  /** After each successful flush, with the rows written (wire AiLimiter.noteRecorded here). */
  onRecorded?: (rows: readonly AiUsageDelta[]) => void;
}

export interface UsageRecorderStats {
  /** Buckets waiting for a flush. */
  pending: number;
  /** Rows written. */
  flushed: number;
  /** Buckets dropped because the bound was reached. */
  dropped: number;
  /** Failed flushes. */
  failures: number;
  /** Events with no provider to charge (rejected before any provider was tried). */
  skipped: number;
}

const UNITS_PER_USD = 10_000_000_000; // 1e10, the catalog's cost precision
const UNITS_PER_MICRO = 10_000;
const DROP_WARN_EVERY_MS = 10_000;

interface Bucket {
  row: Omit<AiUsageDelta, 'cost_usd' | 'saved_usd'>;
  costUnits: number;
  savedUnits: number;
}

type Carry = { day: string; costUnits: number; savedUnits: number };

const toUnits = (usd: number | null | undefined): number =>
  typeof usd === 'number' && Number.isFinite(usd) && usd > 0 ? Math.round(usd * UNITS_PER_USD) : 0;

function emptyBucket(dims: Bucket['row']): Bucket {
  return { row: dims, costUnits: 0, savedUnits: 0 };
}

function addInto(target: Bucket, from: Bucket): void {
  const t = target.row;
  const f = from.row;
  t.requests += f.requests;
  t.errors += f.errors;
  t.prompt_tokens += f.prompt_tokens;
  t.completion_tokens += f.completion_tokens;
  t.cached_read_tokens += f.cached_read_tokens;
  t.cache_write_tokens += f.cache_write_tokens;
  t.reasoning_tokens += f.reasoning_tokens;
  t.estimated_requests += f.estimated_requests;
  target.costUnits += from.costUnits;
  target.savedUnits += from.savedUnits;
}

export class UsageRecorder {
  readonly #store: Pick<Store, 'aiUsage'>;
  readonly #flushMs: number;
  readonly #maxBuckets: number;
  readonly #maxBackoffMs: number;
  readonly #log: UsageLogger;
  readonly #onRecorded: ((rows: readonly AiUsageDelta[]) => void) | undefined;

  #pending = new Map<string, Bucket>();
  /** Sub-micro-dollar remainders per bucket key, written with the key's next flush. */
  readonly #carry = new Map<string, Carry>();
  #flushing: Promise<boolean> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #subscribed = false;
  #closed = false;
  #consecutiveFailures = 0;
  #lastDropWarn = -Infinity;
  readonly #stats = { flushed: 0, dropped: 0, failures: 0, skipped: 0 };

  constructor(opts: UsageRecorderOptions) {
    this.#store = opts.store;
    this.#flushMs = opts.flushMs ?? 1000;
    this.#maxBuckets = Math.max(1, opts.maxBuckets ?? 10_000);
    this.#maxBackoffMs = opts.maxBackoffMs ?? 30_000;
    this.#log = opts.logger ?? NO_LOG;
    this.#onRecorded = opts.onRecorded;
  }

  readonly #onEvent = (message: unknown): void => {
    // A throw here would surface as an uncaught exception in the publisher's process.
    try {
      this.add(message as AiCallEvent);
    } catch (err) {
      this.#log.error({ err }, 'AI usage event could not be counted');
    }
  };

  /** Subscribes to `gantry:ai-call` and starts the flush timer. Idempotent. */
  start(): this {
    if (this.#subscribed || this.#closed) return this;
    aiCallChannel.subscribe(this.#onEvent);
    this.#subscribed = true;
    this.#schedule(this.#flushMs);
    return this;
  }

  /** Counts one call (what the subscriber does; public for callers that hold events already). */
  add(e: AiCallEvent): void {
    const last = e.attempts.length > 0 ? e.attempts[e.attempts.length - 1] : undefined;
    const providerId = e.providerId ?? last?.providerId ?? null;
    const model = e.modelServed ?? last?.model ?? null;
    if (providerId === null || model === null) {
      this.#stats.skipped += 1;
      return;
    }
    const day = utcDay(e.timestamp);
    const key = `${day}\0${e.teamId}\0${e.appId ?? '\u0001'}\0${e.keyId ?? '\u0001'}\0${e.serviceId}\0${providerId}\0${model}`;
    let bucket = this.#pending.get(key);
    if (bucket === undefined) {
      if (this.#pending.size >= this.#maxBuckets) this.#dropOldest(this.#pending.size - this.#maxBuckets + 1);
      bucket = emptyBucket({
        day,
        team_id: e.teamId,
        app_id: e.appId,
        key_id: e.keyId,
        service_id: e.serviceId,
        provider_id: providerId,
        model,
        requests: 0,
        errors: 0,
        prompt_tokens: 0,
        completion_tokens: 0,
        cached_read_tokens: 0,
        cache_write_tokens: 0,
        reasoning_tokens: 0,
        estimated_requests: 0,
      });
      this.#pending.set(key, bucket);
    }
    const row = bucket.row;
    row.requests += 1;
    if (e.status >= 400) row.errors += 1;
    const u = e.usage;
    if (u !== null) {
      row.prompt_tokens += u.prompt_tokens;
      row.completion_tokens += u.completion_tokens;
      row.cached_read_tokens += u.cached_read_tokens;
      row.cache_write_tokens += u.cache_write_tokens;
      row.reasoning_tokens += u.reasoning_tokens;
      if (u.estimated) row.estimated_requests += 1;
    }
    // A cache hit cost nothing; its event's cost is what it saved.
    if (e.cacheHit) bucket.savedUnits += toUnits(e.cost?.total);
    else bucket.costUnits += toUnits(e.cost?.total);
  }

  #dropOldest(count: number): void {
    let n = 0;
    for (const key of this.#pending.keys()) {
      if (n >= count) break;
      this.#pending.delete(key);
      n += 1;
    }
    this.#stats.dropped += n;
    const now = Date.now();
    if (n > 0 && now - this.#lastDropWarn >= DROP_WARN_EVERY_MS) {
      this.#lastDropWarn = now;
      this.#log.warn(
        { dropped: this.#stats.dropped, pending: this.#pending.size, maxBuckets: this.#maxBuckets },
        'AI usage buckets dropped: the store has not accepted usage for a while and the pending bound is reached',
      );
    }
  }

  #schedule(ms: number): void {
    if (this.#closed) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.flush().then((ok) => {
        const backoff = Math.min(this.#flushMs * 2 ** this.#consecutiveFailures, this.#maxBackoffMs);
        this.#schedule(ok ? this.#flushMs : backoff);
      });
    }, ms);
    this.#timer.unref();
  }

  /**
   * Writes the pending buckets now. Resolves true when they were written (or there were none),
   * false when the store failed (they are kept for the next attempt). Never rejects.
   */
  flush(): Promise<boolean> {
    if (this.#flushing !== null) return this.#flushing.then(() => this.flush());
    if (this.#pending.size === 0) return Promise.resolve(true);
    this.#flushing = this.#write().finally(() => {
      this.#flushing = null;
    });
    return this.#flushing;
  }

  async #write(): Promise<boolean> {
    const batch = this.#pending;
    this.#pending = new Map();
    const rows: AiUsageDelta[] = [];
    const carries = new Map<string, Carry>();
    for (const [key, bucket] of batch) {
      const carried = this.#carry.get(key);
      const cost = bucket.costUnits + (carried?.costUnits ?? 0);
      const saved = bucket.savedUnits + (carried?.savedUnits ?? 0);
      const costMicros = Math.floor(cost / UNITS_PER_MICRO);
      const savedMicros = Math.floor(saved / UNITS_PER_MICRO);
      rows.push({ ...bucket.row, cost_usd: costMicros / 1e6, saved_usd: savedMicros / 1e6 });
      carries.set(key, {
        day: bucket.row.day,
        costUnits: cost - costMicros * UNITS_PER_MICRO,
        savedUnits: saved - savedMicros * UNITS_PER_MICRO,
      });
    }
    try {
      await this.#store.aiUsage.record(rows);
    } catch (err) {
      this.#stats.failures += 1;
      this.#consecutiveFailures += 1;
      this.#restore(batch);
      this.#log.warn(
        { err, pending: this.#pending.size, failures: this.#consecutiveFailures },
        'AI usage could not be written to the store; kept in memory and retried',
      );
      return false;
    }
    this.#consecutiveFailures = 0;
    this.#stats.flushed += rows.length;
    this.#keepCarries(carries);
    if (this.#onRecorded !== undefined) {
      try {
        this.#onRecorded(rows);
      } catch (err) {
        this.#log.error({ err }, 'AI usage onRecorded callback failed');
      }
    }
    return true;
  }

  /** A failed batch goes back in front of what arrived meanwhile (it is older), within the bound. */
  #restore(batch: Map<string, Bucket>): void {
    for (const [key, bucket] of this.#pending) {
      const older = batch.get(key);
      if (older === undefined) batch.set(key, bucket);
      else addInto(older, bucket);
    }
    this.#pending = batch;
    if (batch.size > this.#maxBuckets) this.#dropOldest(batch.size - this.#maxBuckets);
  }

  #keepCarries(carries: Map<string, Carry>): void {
    for (const [key, c] of carries) {
      if (c.costUnits === 0 && c.savedUnits === 0) this.#carry.delete(key);
      else this.#carry.set(key, c);
    }
    // Remainders of past days will get no more calls: forget them (each is under one micro-dollar).
    const yesterday = utcDay(Date.now() - 86_400_000);
    for (const [key, c] of this.#carry) if (c.day < yesterday || this.#carry.size > this.#maxBuckets) this.#carry.delete(key);
  }

  stats(): UsageRecorderStats {
    return { pending: this.#pending.size, ...this.#stats };
  }

  /**
   * Flushes everything (one attempt: a failing store cannot hold shutdown), then unsubscribes, then
   * writes what arrived during that flush. Resolves with the final stats; `pending` > 0 means lost.
   */
  async close(): Promise<UsageRecorderStats> {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#closed = true;
    await this.flush();
    if (this.#subscribed) aiCallChannel.unsubscribe(this.#onEvent);
    this.#subscribed = false;
    await this.flush();
    const stats = this.stats();
    if (stats.pending > 0) this.#log.error({ pending: stats.pending }, 'AI usage lost at shutdown: the store did not accept it');
    return stats;
  }
}
