/**
 * The body tap of a storable response: collects the chunks streamed to the client (the client is
 * never held back) and builds the entry when the response completes. Past `max` bytes, or on an
 * upstream error, it gives up: nothing is stored and coalesced waiters are released.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { CacheEntry } from '../../../cache/types.js';
import type { BodyTap, RequestContext } from '../../context.js';
import { buildEntry } from './entries.js';

/** What the fill reads and releases of the request's cache state. */
export interface FillOwner {
  requestTime: number;
  settle: ((entry: CacheEntry | null) => void) | null;
}

/** Collects a streamed response for the store; gives up (the client still gets it all) past the bound. */
export class EntryFill implements BodyTap {
  readonly #ctx: RequestContext;
  readonly #pending: FillOwner;
  readonly #responseTime: number;
  readonly #max: number;
  readonly #tagsFor: (headers: IncomingHttpHeaders) => string[];
  readonly #done: (entry: CacheEntry) => void;
  readonly #surrogateHeader: string;
  #chunks: Buffer[] = [];
  #size = 0;
  #over = false;

  constructor(
    ctx: RequestContext,
    pending: FillOwner,
    responseTime: number,
    max: number,
    tagsFor: (headers: IncomingHttpHeaders) => string[],
    done: (entry: CacheEntry) => void,
    surrogateHeader: string,
  ) {
    this.#ctx = ctx;
    this.#pending = pending;
    this.#responseTime = responseTime;
    this.#max = max;
    this.#tagsFor = tagsFor;
    this.#done = done;
    this.#surrogateHeader = surrogateHeader;
  }

  onData(chunk: Buffer): void {
    if (this.#over) return;
    this.#size += chunk.length;
    if (this.#size > this.#max) return this.#giveUp();
    this.#chunks.push(chunk);
  }

  onEnd(): void {
    if (this.#over) return;
    this.#over = true;
    const ctx = this.#ctx;
    const headers = ctx.upstreamHeaders!;
    const entry = buildEntry({
      status: ctx.upstreamStatus,
      headers,
      body: this.#chunks.length === 1 ? this.#chunks[0] : Buffer.concat(this.#chunks, this.#size),
      requestTime: this.#pending.requestTime,
      responseTime: this.#responseTime,
      tags: this.#tagsFor(headers),
      req: ctx,
      surrogateHeader: this.#surrogateHeader,
    });
    this.#chunks = [];
    this.#done(entry);
  }

  onError(): void {
    this.#giveUp();
  }

  #giveUp(): void {
    this.#over = true;
    this.#chunks = [];
    this.#ctx.bodyTap = null;
    this.#pending.settle?.(null);
  }
}
