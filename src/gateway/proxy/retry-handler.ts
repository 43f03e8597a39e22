/**
 * A dispatch handler wrapping the one that answers the client (interceptor style, STYLE.md rule 9):
 * it picks targets, keeps passive health and in-flight counts, bounds the call with the service's
 * total timeout, and re-dispatches to another target when that is safe:
 *  - the request never reached a connection (connect refused/timed out, DNS) and no body byte was read;
 *  - or the connection broke before response headers, for an idempotent method without a body.
 * Never after response headers, never for a timeout of a request already sent.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { RequestContext } from '../context.js';
import type { CompiledService } from '../snapshot/types.js';
import { markTried, pickTarget } from './balancer.js';
import { isFailureStatus, recordFailure, recordSuccess } from './target-state.js';
import { isLocalError, isResetError } from './upstream-errors.js';
import { GantryError } from '../../core/errors.js';

const IDEMPOTENT: Record<string, boolean> = { GET: true, HEAD: true, OPTIONS: true, PUT: true, DELETE: true };

function onTotalTimeout(call: RetryHandler): void {
  call.timer = null;
  call.timedOut();
}

export class RetryHandler implements Dispatcher.DispatchHandler {
  readonly ctx: RequestContext;
  readonly service: CompiledService;
  readonly inner: Dispatcher.DispatchHandler;
  readonly opts: Dispatcher.DispatchOptions;
  readonly body: Readable | null;
  timer: NodeJS.Timeout | null = null;
  #index = -1;
  #tried = 0;
  #leased = false;
  #started = false;
  #responded = false;
  #settled = false;
  #controller: Dispatcher.DispatchController | null = null;
  #abortReason: Error | null = null;

  constructor(ctx: RequestContext, inner: Dispatcher.DispatchHandler, opts: Dispatcher.DispatchOptions, body: Readable | null) {
    this.ctx = ctx;
    this.service = ctx.service as CompiledService;
    this.inner = inner;
    this.opts = opts;
    this.body = body;
  }

  /** Dispatch to target `index`; `totalMs` 0 means no overall deadline (upgrades). */
  start(index: number, totalMs: number): void {
    if (totalMs > 0) this.timer = setTimeout(onTotalTimeout, totalMs, this);
    this.#attempt(index);
  }

  #attempt(index: number): void {
    const service = this.service;
    const target = service.upstream.targets[index];
    this.#index = index;
    this.#tried = markTried(this.#tried, index);
    this.#started = false;
    this.#controller = null;
    target.state.inflight++;
    this.#leased = true;
    this.ctx.target = target.origin;
    service.pools[index].dispatch(this.opts, this);
  }

  #release(): void {
    if (this.#leased) {
      this.#leased = false;
      this.service.upstream.targets[this.#index].state.inflight--;
    }
  }

  #settle(): void {
    this.#settled = true;
    this.#release();
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  /**
   * End the call now with `reason` (total timeout, client gone, body too large): the client is
   * answered (or its response cut) and the upstream request aborted.
   */
  fail(reason: Error, countsAgainstTarget = false): void {
    if (this.#settled) return;
    if (countsAgainstTarget) recordFailure(this.service.upstream.targets[this.#index].state, this.service.upstream.passive);
    this.#settle();
    this.#abortReason = reason;
    const controller = this.#controller;
    if (controller !== null) controller.abort(reason);
    this.inner.onResponseError?.(controller as Dispatcher.DispatchController, reason);
  }

  abort(reason: Error): void {
    this.fail(reason);
  }

  /** The service's total timeout passed. It counts against the target only if no response had started. */
  timedOut(): void {
    const err = new GantryError('GANTRY_ERR_UPSTREAM_TIMEOUT', `The upstream did not complete the response within ${this.service.totalMs} ms`);
    this.fail(err, !this.#responded);
  }

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.#started = true;
    this.#controller = controller;
    if (this.#settled) {
      controller.abort(this.#abortReason ?? new Error('aborted'));
      return;
    }
    this.inner.onRequestStart?.(controller, context);
  }

  onRequestUpgrade(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, socket: Duplex): void {
    if (this.#settled) {
      socket.destroy();
      return;
    }
    this.#responded = true;
    recordSuccess(this.service.upstream.targets[this.#index].state);
    this.#settle();
    this.inner.onRequestUpgrade?.(controller, statusCode, headers, socket);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    if (this.#settled) return;
    if (statusCode >= 200) {
      this.#responded = true;
      const state = this.service.upstream.targets[this.#index].state;
      const passive = this.service.upstream.passive;
      if (isFailureStatus(passive, statusCode)) recordFailure(state, passive);
      else recordSuccess(state);
    }
    this.inner.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.#settled) this.inner.onResponseData?.(controller, chunk);
  }

  onResponseEnd(controller: Dispatcher.DispatchController, trailers: IncomingHttpHeaders): void {
    if (this.#settled) return;
    this.#settle();
    this.inner.onResponseEnd?.(controller, trailers);
  }

  onResponseError(controller: Dispatcher.DispatchController, err: Error): void {
    if (this.#settled) return;
    this.#release();
    if (!isLocalError(err) && !this.#clientGone()) {
      const upstream = this.service.upstream;
      recordFailure(upstream.targets[this.#index].state, upstream.passive);
      if (this.#canRetry(err)) {
        const next = pickTarget(upstream, this.#tried);
        if (next !== -1) {
          this.ctx.retries++;
          this.#attempt(next);
          return;
        }
      }
    }
    this.#settle();
    this.inner.onResponseError?.(controller, err);
  }

  /** The client left: its failures say nothing about the target. (undici may have detached `req.socket`.) */
  #clientGone(): boolean {
    const ctx = this.ctx;
    return ctx.res !== null ? ctx.res.destroyed : (ctx.socket as Duplex).destroyed;
  }

  #canRetry(err: Error): boolean {
    if (this.#responded || this.ctx.retries >= this.service.retries) return false;
    const body = this.body;
    if (!this.#started) return body === null || !body.readableDidRead;
    return body === null && IDEMPOTENT[this.ctx.method] === true && isResetError(err);
  }
}
