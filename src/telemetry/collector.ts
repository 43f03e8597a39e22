/**
 * Subscribes to `gantry:call` and `gantry:ai-call` (STYLE.md rule 8) and hands one CallEntry per call
 * to its targets (the pipelines). The AI handler publishes its event just before or just after the
 * call's: the two are joined by request id through a bounded buffer, each side held at most
 * `joinWindowMs`, then passed on alone. A call waits for an AI event only when its service is an
 * `ai` service. Subscribers run on the hot path: O(1) work, one small object per call, a map entry
 * while waiting for the other half.
 */
import diagnostics_channel from 'node:diagnostics_channel';
import { AI_CALL_CHANNEL, type AiCallEvent } from '../ai/events.js';
import { CALL_CHANNEL } from '../gateway/events.js';
import { CallEntry, type CallEventInput } from './record.js';

export interface CallTarget {
  push(entry: CallEntry): void;
}

export interface CollectorOptions {
  targets: readonly CallTarget[];
  /** How long one half of an AI call waits for the other; default 5000 ms. */
  joinWindowMs?: number;
  /** Most halves waiting at once (each side); beyond it the oldest goes on alone. Default 10 000. */
  maxPending?: number;
  /** How often waiting halves are checked; default 1000 ms. */
  sweepMs?: number;
}

export interface CollectorStats {
  calls: number;
  ai_calls: number;
  joined: number;
  /** AI halves passed on alone after the window (or evicted). */
  unjoined_ai: number;
  /** Calls of `ai` services passed on without their AI event. */
  unjoined_calls: number;
  pending: number;
}

interface Waiting<T> {
  event: T;
  at: number;
}

export class CallCollector {
  readonly #targets: readonly CallTarget[];
  readonly #window: number;
  readonly #max: number;
  readonly #sweepMs: number;
  /** Insertion order is arrival order, so expiry scans from the front and stops at the first fresh one. */
  readonly #calls = new Map<string, Waiting<CallEventInput>>();
  readonly #ais = new Map<string, Waiting<AiCallEvent>>();
  #timer: NodeJS.Timeout | null = null;
  #started = false;
  readonly #stats = { calls: 0, ai_calls: 0, joined: 0, unjoined_ai: 0, unjoined_calls: 0 };

  readonly #onCall = (message: unknown): void => this.call(message as CallEventInput);
  readonly #onAi = (message: unknown): void => this.aiCall(message as AiCallEvent);

  constructor(opts: CollectorOptions) {
    this.#targets = opts.targets;
    this.#window = opts.joinWindowMs ?? 5000;
    this.#max = opts.maxPending ?? 10_000;
    this.#sweepMs = opts.sweepMs ?? 1000;
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    diagnostics_channel.subscribe(CALL_CHANNEL, this.#onCall);
    diagnostics_channel.subscribe(AI_CALL_CHANNEL, this.#onAi);
    this.#timer = setInterval(() => this.sweep(), this.#sweepMs);
    this.#timer.unref();
  }

  /** Unsubscribes and passes on every half still waiting. */
  stop(): void {
    if (!this.#started) return;
    this.#started = false;
    diagnostics_channel.unsubscribe(CALL_CHANNEL, this.#onCall);
    diagnostics_channel.unsubscribe(AI_CALL_CHANNEL, this.#onAi);
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.sweep(Infinity);
  }

  /** A `gantry:call` event (the channel subscriber; public for producers outside the channel). */
  call(event: CallEventInput): void {
    this.#stats.calls++;
    const id = event.requestId;
    const ai = this.#ais.get(id);
    if (ai !== undefined && ai.event.routeId === event.routeId) {
      this.#ais.delete(id);
      this.#stats.joined++;
      this.#emit(new CallEntry(event, ai.event));
      return;
    }
    if (event.serviceKind !== 'ai') {
      this.#emit(new CallEntry(event, null));
      return;
    }
    const seen = this.#calls.get(id);
    if (seen !== undefined) {
      // Two calls with one request id (a client reusing X-Request-Id): the older one goes alone.
      this.#calls.delete(id);
      this.#stats.unjoined_calls++;
      this.#emit(new CallEntry(seen.event, null));
    }
    this.#calls.set(id, { event, at: Date.now() });
    if (this.#calls.size > this.#max) this.#evictOldest(this.#calls, true);
  }

  /** A `gantry:ai-call` event. */
  aiCall(event: AiCallEvent): void {
    this.#stats.ai_calls++;
    const id = event.requestId;
    const call = this.#calls.get(id);
    if (call !== undefined && call.event.routeId === event.routeId) {
      this.#calls.delete(id);
      this.#stats.joined++;
      this.#emit(new CallEntry(call.event, event));
      return;
    }
    const seen = this.#ais.get(id);
    if (seen !== undefined) {
      this.#ais.delete(id);
      this.#stats.unjoined_ai++;
      this.#emit(new CallEntry(null, seen.event));
    }
    this.#ais.set(id, { event, at: Date.now() });
    if (this.#ais.size > this.#max) this.#evictOldest(this.#ais, false);
  }

  /** Passes on the halves that waited longer than the window (all of them with `olderThan` Infinity). */
  sweep(olderThan = this.#window): void {
    const limit = olderThan === Infinity ? Infinity : Date.now() - olderThan;
    for (const [id, w] of this.#calls) {
      if (olderThan !== Infinity && w.at > limit) break;
      this.#calls.delete(id);
      this.#stats.unjoined_calls++;
      this.#emit(new CallEntry(w.event, null));
    }
    for (const [id, w] of this.#ais) {
      if (olderThan !== Infinity && w.at > limit) break;
      this.#ais.delete(id);
      this.#stats.unjoined_ai++;
      this.#emit(new CallEntry(null, w.event));
    }
  }

  stats(): CollectorStats {
    return { ...this.#stats, pending: this.#calls.size + this.#ais.size };
  }

  #evictOldest(map: Map<string, Waiting<CallEventInput>> | Map<string, Waiting<AiCallEvent>>, isCall: boolean): void {
    const first = map.keys().next();
    if (first.done) return;
    const w = map.get(first.value)!;
    map.delete(first.value);
    if (isCall) {
      this.#stats.unjoined_calls++;
      this.#emit(new CallEntry(w.event as CallEventInput, null));
    } else {
      this.#stats.unjoined_ai++;
      this.#emit(new CallEntry(null, w.event as AiCallEvent));
    }
  }

  #emit(entry: CallEntry): void {
    for (let i = 0; i < this.#targets.length; i++) this.#targets[i]!.push(entry);
  }
}
