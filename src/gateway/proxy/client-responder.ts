/**
 * The innermost dispatch handler of a proxied HTTP call: runs the response phase, then streams the
 * upstream response to the client as it arrives (no buffering, no per-chunk timer), pausing the
 * upstream while the client's socket is full.
 */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { RequestContext } from '../context.js';
import { runChain } from '../pipeline.js';
import { answerFailure, sendLocal } from '../respond.js';
import { clientResponseHeaders } from './forward-headers.js';
import { toGantryError } from './upstream-errors.js';

const kResponder = Symbol('gantry.responder');
type TaggedResponse = ServerResponse & { [kResponder]?: ClientResponder };

/** `drain` listener shared by every response (no closure per request). */
function onClientDrain(this: TaggedResponse): void {
  this[kResponder]?.resumeUpstream();
}

function afterResponsePhase(ctx: RequestContext): void {
  (ctx.res as TaggedResponse)[kResponder]!.writeHead();
}

function responsePhaseFailed(ctx: RequestContext, err: unknown): void {
  answerFailure(ctx, err);
  ctx.call?.abort(err instanceof Error ? err : new Error(String(err)));
}

export class ClientResponder implements Dispatcher.DispatchHandler {
  readonly ctx: RequestContext;
  readonly res: TaggedResponse;
  #controller: Dispatcher.DispatchController | null = null;
  #drainHooked = false;
  #headPending = false;

  constructor(ctx: RequestContext) {
    this.ctx = ctx;
    this.res = ctx.res as TaggedResponse;
    this.res[kResponder] = this;
  }

  resumeUpstream(): void {
    const controller = this.#controller;
    if (controller !== null && controller.paused && !this.#headPending) controller.resume();
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    this.ctx.controller = controller;
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    if (statusCode < 200) return; // 1xx: Node already answered Expect; others are not forwarded
    const ctx = this.ctx;
    this.#controller = controller;
    ctx.upstreamStatus = statusCode;
    ctx.upstreamHeaders = headers;
    ctx.headersAt = performance.now();
    const chain = ctx.route!.chains.response;
    if (chain.length === 0) {
      this.writeHead();
      return;
    }
    this.#headPending = true;
    runChain(ctx, chain, 0, afterResponsePhase, responsePhaseFailed);
    // An async handler is still running: hold the body until the head is written.
    if (this.#headPending && !ctx.answered) controller.pause();
  }

  writeHead(): void {
    this.#headPending = false;
    const ctx = this.ctx;
    const res = this.res;
    if (ctx.answered || res.destroyed) return;
    if (ctx.response !== null) {
      // A response-phase handler replaced the upstream response.
      sendLocal(ctx);
      ctx.call?.abort(new Error('response replaced by a policy'));
      return;
    }
    // Throws before writing anything if an upstream header is not acceptable to Node: undici then
    // aborts the call and onResponseError answers 502.
    res.writeHead(ctx.upstreamStatus, clientResponseHeaders(ctx, ctx.upstreamHeaders as IncomingHttpHeaders));
    ctx.answered = true;
    ctx.status = ctx.upstreamStatus;
    this.resumeUpstream();
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.ctx.bytesOut += chunk.length;
    this.ctx.bodyTap?.onData(chunk);
    if (!this.res.write(chunk)) {
      controller.pause();
      if (!this.#drainHooked) {
        this.#drainHooked = true;
        this.res.on('drain', onClientDrain);
      }
    }
  }

  onResponseEnd(): void {
    this.ctx.bodyTap?.onEnd();
    this.res.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    const ctx = this.ctx;
    ctx.bodyTap?.onError(err);
    const gantryError = toGantryError(err, ctx.service!.upstream.name);
    if (ctx.answered && !this.res.writableEnded && !this.res.destroyed) {
      // Headers are out: the only honest signal left is cutting the connection.
      ctx.errorCode = gantryError.code;
      ctx.gateway.logger.debug({ err, requestId: ctx.requestId }, 'upstream failed mid-response');
    }
    // undici does not guard this callback: nothing may escape from it.
    answerFailure(ctx, gantryError);
  }
}
