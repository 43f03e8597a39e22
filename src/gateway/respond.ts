/**
 * Answers produced by the gateway itself: errors as `{"error":{code,message,request_id}}` JSON
 * (never a stack), and local responses set by policies. Works on a ServerResponse or, for
 * upgrade requests, on the raw socket.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { aiErrorBody } from '../ai/gateway/errors.js';
import { GantryError, isGantryError } from '../core/errors.js';
import type { RequestContext } from './context.js';

function pushAll(target: string[], pairs: readonly string[] | null): void {
  if (pairs !== null) for (let i = 0; i < pairs.length; i++) target.push(pairs[i]);
}

function rawHead(status: number, headers: readonly string[]): string {
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
  for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return head + '\r\n';
}

/** Write a complete response on a raw socket, then close it once flushed. */
export function endSocket(socket: Duplex, status: number, headers: readonly string[], body: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(rawHead(status, headers) + body, () => socket.destroy());
}

export function errorBody(err: GantryError, requestId: string): string {
  return JSON.stringify(err.toBody(requestId));
}

/** Answer `err` to the client unless an answer is already on its way; then only close. */
export function sendError(ctx: RequestContext, err: GantryError): void {
  if (ctx.errorCode === null || !ctx.answered) {
    ctx.status = err.status;
    ctx.errorCode = err.code;
  }
  const res = ctx.res;
  if (res === null) {
    const socket = ctx.socket as Duplex;
    if (ctx.answered) {
      socket.destroy();
      return;
    }
    ctx.answered = true;
    const body = errorBody(err, ctx.requestId);
    const headers = ['content-type', 'application/json', 'content-length', String(Buffer.byteLength(body)), 'x-request-id', ctx.requestId, 'connection', 'close'];
    pushAll(headers, ctx.responseExtra);
    endSocket(socket, err.status, headers, body);
    return;
  }
  if (res.writableEnded || res.destroyed) return;
  if (ctx.answered || res.headersSent) {
    res.destroy();
    return;
  }
  ctx.answered = true;
  // On AI endpoints errors keep the inbound protocol's shape (OpenAI or Anthropic) so SDKs parse them.
  const body = ctx.service?.kind === 'ai' ? aiErrorBody(ctx, err) : errorBody(err, ctx.requestId);
  const headers = ['content-type', 'application/json', 'content-length', String(Buffer.byteLength(body)), 'x-request-id', ctx.requestId, 'cache-control', 'no-store'];
  pushAll(headers, ctx.responseExtra);
  const req = ctx.req;
  if (err.status === 413 || (req.readableDidRead && !req.complete)) {
    // A body we refuse or stopped forwarding: ask the client to close, and drain what it still
    // sends so it reads this answer instead of a connection reset.
    headers.push('connection', 'close');
    req.unpipe();
    req.resume();
  } else if (ctx.gateway.closing) {
    headers.push('connection', 'close');
  }
  res.writeHead(err.status, headers);
  res.end(body);
}

/** Send the response a handler set with `ctx.respond`. */
export function sendLocal(ctx: RequestContext): void {
  const local = ctx.response as NonNullable<RequestContext['response']>;
  ctx.status = local.status;
  ctx.answered = true;
  const headers = local.headers.slice();
  headers.push('x-request-id', ctx.requestId);
  if (local.body !== null) headers.push('content-length', String(Buffer.byteLength(local.body)));
  pushAll(headers, ctx.responseExtra);
  const res = ctx.res;
  if (res === null) {
    endSocket(ctx.socket as Duplex, local.status, headers.concat('connection', 'close'), local.body === null ? '' : local.body.toString());
    return;
  }
  if (ctx.gateway.closing) headers.push('connection', 'close');
  res.writeHead(local.status, headers);
  res.end(local.body ?? undefined);
}

/** Any failure in the pipeline becomes an answer; unexpected ones are logged and become a 500. */
export function answerFailure(ctx: RequestContext, err: unknown): void {
  try {
    if (isGantryError(err)) {
      const fallback = ctx.upstreamFallback;
      if (fallback !== null && err.status >= 500 && !ctx.answered) {
        ctx.upstreamFallback = null;
        if (fallback(ctx, err)) return;
      }
      sendError(ctx, err);
      return;
    }
    ctx.gateway.logger.error({ err, requestId: ctx.requestId, routeId: ctx.route?.id }, 'gateway request handler failed');
    sendError(ctx, new GantryError('GANTRY_ERR_INTERNAL', undefined, { cause: err }));
  } catch (fatal) {
    ctx.gateway.logger.error({ err: fatal, requestId: ctx.requestId }, 'could not answer a failed request');
    ctx.res?.destroy();
    ctx.socket?.destroy();
  }
}
