/**
 * The proxy step of the pipeline for plain HTTP: choose a target, frame the body, dispatch through
 * the target's undici pool with a RetryHandler around a ClientResponder. The request body streams
 * upstream as the client sends it (backpressure both ways).
 */
import { Transform, type TransformCallback } from 'node:stream';
import type { Dispatcher } from 'undici';
import { GantryError } from '../../core/errors.js';
import type { RequestContext } from '../context.js';
import { tapRequestBody } from '../capture-tap.js';
import { upstreamPath } from '../paths.js';
import { pickTarget } from './balancer.js';
import { ClientResponder } from './client-responder.js';
import { upstreamRequestHeaders } from './forward-headers.js';
import { RetryHandler } from './retry-handler.js';

function bodyTooLarge(max: number): GantryError {
  return new GantryError('GANTRY_ERR_BODY_TOO_LARGE', `The request body is larger than ${max} bytes`);
}

/** Counts a chunked body on its way upstream and fails it once it passes the limit. */
class BodyLimit extends Transform {
  readonly #ctx: RequestContext;
  readonly #max: number;

  constructor(ctx: RequestContext) {
    super();
    this.#ctx = ctx;
    this.#max = ctx.maxBodyBytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const ctx = this.#ctx;
    ctx.bytesIn += chunk.length;
    if (ctx.bytesIn > this.#max) {
      const err = bodyTooLarge(this.#max);
      ctx.req.unpipe(this);
      ctx.call?.abort(err);
      callback(err);
      return;
    }
    callback(null, chunk);
  }
}

export function noHealthyTarget(ctx: RequestContext): GantryError {
  return new GantryError('GANTRY_ERR_NO_HEALTHY_TARGET', `No healthy target is available in upstream "${ctx.service!.upstream.name}"`);
}

export function proxyHttp(ctx: RequestContext): void {
  const route = ctx.route!;
  const service = route.service;
  const index = pickTarget(service.upstream, 0);
  if (index === -1) throw noHealthyTarget(ctx);

  const h = ctx.headers;
  let body: Dispatcher.DispatchOptions['body'] = null;
  let contentLength: string | undefined;
  if (h['transfer-encoding'] !== undefined) {
    const limit = new BodyLimit(ctx);
    ctx.req.pipe(limit);
    body = limit;
  } else {
    const declared = h['content-length'];
    if (declared !== undefined && declared !== '0') {
      const length = Number(declared);
      if (length > ctx.maxBodyBytes) throw bodyTooLarge(ctx.maxBodyBytes);
      ctx.bytesIn = length;
      contentLength = declared;
      body = ctx.req;
    }
  }

  if (ctx.capture !== null) body = tapRequestBody(ctx, body);
  const opts: Dispatcher.DispatchOptions = {
    path: upstreamPath(route, ctx.matchedPath!, ctx.rawPath, ctx.query, ctx.params),
    method: ctx.method,
    headers: upstreamRequestHeaders(ctx, contentLength),
    body,
    headersTimeout: service.headerMs,
    bodyTimeout: 0,
  };
  const call = new RetryHandler(ctx, new ClientResponder(ctx), opts, body as RetryHandler['body']);
  ctx.call = call;
  call.start(index, service.totalMs);
}
