/**
 * HTTP webhook sink: each batch is POSTed as a JSON array of records (captured bodies under
 * `bodies`). Network errors, timeouts, 408, 429 and 5xx are retried with exponential backoff and
 * jitter (Retry-After honoured up to the backoff cap), at most `maxAttempts` times; then the batch
 * fails as retryable and the pipeline applies its backpressure policy. Other statuses fail at once,
 * as not retryable. A write is bounded in time: attempts x (timeout + backoff).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import type { CallBodies, CallRecord } from '../../core/call-record.js';
import { SinkError, type CallSink } from './types.js';
import { toJsonLines } from './file.js';

export interface WebhookSinkOptions {
  url: string;
  /** Extra request headers, e.g. the receiver's Authorization. */
  headers?: Record<string, string>;
  /** Per attempt, until the response is complete; default 10 000 ms. */
  timeoutMs?: number;
  /** Default 5. */
  maxAttempts?: number;
  /** Default 200 ms, doubling up to maxBackoffMs (default 5000 ms). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

const RETRYABLE_STATUS = (status: number) => status === 408 || status === 429 || status >= 500;

function retryAfterMs(header: string | string[] | undefined): number | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

export class WebhookSink implements CallSink {
  readonly name = 'webhook';
  readonly #url: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #maxAttempts: number;
  readonly #initialBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #agent: Agent;
  readonly #closing = new AbortController();

  constructor(opts: WebhookSinkOptions) {
    this.#url = new URL(opts.url).toString();
    this.#headers = { ...opts.headers, 'content-type': 'application/json' };
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
    this.#maxAttempts = Math.max(1, opts.maxAttempts ?? 5);
    this.#initialBackoffMs = opts.initialBackoffMs ?? 200;
    this.#maxBackoffMs = opts.maxBackoffMs ?? 5000;
    this.#agent = new Agent({ connections: 4, keepAliveTimeout: 30_000 });
  }

  async write(records: readonly CallRecord[], bodies: readonly CallBodies[]): Promise<void> {
    const body = `[${toJsonLines(records, bodies).trimEnd().split('\n').join(',')}]`;
    let lastError = '';
    for (let attempt = 1; attempt <= this.#maxAttempts; attempt++) {
      let wait: number | null = null;
      try {
        const res = await request(this.#url, {
          method: 'POST',
          body,
          headers: this.#headers,
          dispatcher: this.#agent,
          signal: AbortSignal.any([AbortSignal.timeout(this.#timeoutMs), this.#closing.signal]),
        });
        await res.body.dump();
        if (res.statusCode >= 200 && res.statusCode < 300) return;
        lastError = `HTTP ${res.statusCode}`;
        if (!RETRYABLE_STATUS(res.statusCode)) {
          throw new SinkError(`the webhook answered ${res.statusCode}`, { retryable: false });
        }
        wait = retryAfterMs(res.headers['retry-after']);
      } catch (err) {
        if (err instanceof SinkError) throw err;
        lastError = err instanceof Error ? err.message : String(err);
      }
      if (attempt === this.#maxAttempts || this.#closing.signal.aborted) break;
      const backoff = Math.min(this.#maxBackoffMs, this.#initialBackoffMs * 2 ** (attempt - 1));
      const delay = Math.min(this.#maxBackoffMs, wait ?? backoff * (0.5 + Math.random() / 2));
      await sleep(delay, undefined, { signal: this.#closing.signal }).catch(() => undefined);
    }
    throw new SinkError(`the webhook failed after ${this.#maxAttempts} attempts: ${lastError}`, { retryable: true });
  }

  async close(): Promise<void> {
    this.#closing.abort();
    await this.#agent.close();
  }
}
