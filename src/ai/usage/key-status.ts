/**
 * Persists provider key status changes the AI handler publishes on `gantry:ai-key-status` (a 401 from
 * a provider → `auth_failed`; a success after that → `active`). Writing bumps the config version, so
 * repeats are skipped: a key's status is written once per change, and again only after `rewriteMs`
 * (an admin may have re-enabled the key in between, and a new failure must then be recorded).
 * Writes for one key run in order; failures are logged and never thrown.
 */
import { aiKeyStatusChannel, type AiKeyStatusEvent } from '../events.js';
import type { Store } from '../../store/types.js';
import type { UsageLogger } from './recorder.js';

export interface KeyStatusWriterOptions {
  store: Pick<Store, 'aiProviderKeys'>;
  logger?: UsageLogger;
  /** A repeat of the status last written for a key is written again after this long; default 5 min. */
  rewriteMs?: number;
  now?: () => number;
}

const NO_LOG: UsageLogger = { warn: () => undefined, error: () => undefined };

function isKeyStatusEvent(v: unknown): v is AiKeyStatusEvent {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  return typeof e.keyId === 'string' && (e.status === 'active' || e.status === 'auth_failed');
}

export class KeyStatusWriter {
  readonly #store: Pick<Store, 'aiProviderKeys'>;
  readonly #log: UsageLogger;
  readonly #rewriteMs: number;
  readonly #now: () => number;
  /** Status last written (or being written) per key, and when. */
  readonly #last = new Map<string, { status: AiKeyStatusEvent['status']; at: number }>();
  readonly #queues = new Map<string, Promise<void>>();
  #subscribed = false;
  readonly #stats = { written: 0, skipped: 0, failures: 0 };

  constructor(opts: KeyStatusWriterOptions) {
    this.#store = opts.store;
    this.#log = opts.logger ?? NO_LOG;
    this.#rewriteMs = opts.rewriteMs ?? 5 * 60_000;
    this.#now = opts.now ?? Date.now;
  }

  readonly #onEvent = (message: unknown): void => {
    try {
      if (isKeyStatusEvent(message)) this.write(message);
    } catch (err) {
      this.#log.error({ err }, 'AI key status event could not be handled');
    }
  };

  start(): this {
    if (!this.#subscribed) aiKeyStatusChannel.subscribe(this.#onEvent);
    this.#subscribed = true;
    return this;
  }

  /** Queues the write unless it repeats the key's last status (what the subscriber does). */
  write(e: AiKeyStatusEvent): void {
    const now = this.#now();
    const last = this.#last.get(e.keyId);
    if (last !== undefined && last.status === e.status && now - last.at < this.#rewriteMs) {
      this.#stats.skipped += 1;
      return;
    }
    const mark = { status: e.status, at: now };
    this.#last.set(e.keyId, mark);
    const previous = this.#queues.get(e.keyId) ?? Promise.resolve();
    const next = previous
      .then(() => this.#store.aiProviderKeys.setStatus(e.keyId, e.status, e.reason))
      .then(
        () => {
          this.#stats.written += 1;
        },
        (err: unknown) => {
          this.#stats.failures += 1;
          // Not written: let the next event for this key try again.
          if (this.#last.get(e.keyId) === mark) this.#last.delete(e.keyId);
          this.#log.warn({ err, keyId: e.keyId, providerId: e.providerId, status: e.status }, 'AI provider key status could not be saved');
        },
      )
      .finally(() => {
        if (this.#queues.get(e.keyId) === next) this.#queues.delete(e.keyId);
      });
    this.#queues.set(e.keyId, next);
  }

  /** Resolves when every queued write has finished. */
  async idle(): Promise<void> {
    while (this.#queues.size > 0) await Promise.all(this.#queues.values());
  }

  stats(): { written: number; skipped: number; failures: number } {
    return { ...this.#stats };
  }

  /** Unsubscribes and waits for queued writes. */
  async close(): Promise<void> {
    if (this.#subscribed) aiKeyStatusChannel.unsubscribe(this.#onEvent);
    this.#subscribed = false;
    await this.idle();
  }
}
