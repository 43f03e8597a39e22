/**
 * WebSocket pass-through. After routing and the access/rewrite phases, the upgrade request goes to
 * a target through undici (`upgrade: 'websocket'`); its 101 answer is relayed to the client and the
 * two sockets are piped together until either side closes. A non-101 answer is relayed as is.
 */
import { STATUS_CODES, type IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { RequestContext } from '../context.js';
import { finishCall } from '../events.js';
import { HOP_BY_HOP } from '../headers.js';
import { upstreamPath } from '../paths.js';
import { answerFailure } from '../respond.js';
import type { GatewayRuntime } from '../runtime.js';
import { pickTarget } from './balancer.js';
import { upstreamRequestHeaders } from './forward-headers.js';
import { noHealthyTarget } from './http-proxy.js';
import { RetryHandler } from './retry-handler.js';
import { toGantryError } from './upstream-errors.js';

function headLines(ctx: RequestContext, headers: IncomingHttpHeaders): string {
  let out = '';
  for (const name in headers) {
    if (HOP_BY_HOP.has(name) || name === 'x-request-id') continue;
    const value = headers[name];
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) out += `${name}: ${v}\r\n`;
  }
  out += `x-request-id: ${ctx.requestId}\r\n`;
  const extra = ctx.responseExtra;
  if (extra !== null) for (let i = 0; i < extra.length; i += 2) out += `${extra[i]}: ${extra[i + 1]}\r\n`;
  return out;
}

function tunnel(gateway: GatewayRuntime, client: Duplex, upstream: Duplex): void {
  gateway.tunnels.add(client);
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    gateway.tunnels.delete(client);
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close).on('close', close);
  upstream.on('error', close).on('close', close);
  upstream.pipe(client);
  client.pipe(upstream);
}

class TunnelResponder implements Dispatcher.DispatchHandler {
  readonly ctx: RequestContext;
  readonly socket: Duplex;

  constructor(ctx: RequestContext) {
    this.ctx = ctx;
    this.socket = ctx.socket as Duplex;
  }

  onRequestUpgrade(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, upstream: Duplex): void {
    const ctx = this.ctx;
    const client = this.socket;
    if (client.destroyed) {
      upstream.destroy();
      return;
    }
    ctx.answered = true;
    ctx.status = statusCode;
    ctx.upstreamStatus = statusCode;
    ctx.headersAt = performance.now();
    const upgrade = typeof headers.upgrade === 'string' ? headers.upgrade : 'websocket';
    client.write(`HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nupgrade: ${upgrade}\r\n${headLines(ctx, headers)}\r\n`);
    const head = ctx.upgradeHead;
    if (head !== null && head.length !== 0) upstream.write(head);
    tunnel(ctx.gateway, client, upstream);
    finishCall(ctx);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    if (statusCode < 200) return;
    const ctx = this.ctx;
    ctx.answered = true;
    ctx.status = statusCode;
    ctx.upstreamStatus = statusCode;
    ctx.headersAt = performance.now();
    // Relayed as-is and delimited by closing the connection (the body is already de-chunked).
    this.socket.write(`HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode] ?? 'Unknown'}\r\n${headLines(ctx, headers)}connection: close\r\n\r\n`);
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.ctx.bytesOut += chunk.length;
    this.socket.write(chunk);
  }

  onResponseEnd(): void {
    this.socket.end(() => this.socket.destroy());
    finishCall(this.ctx);
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    const ctx = this.ctx;
    answerFailure(ctx, toGantryError(err, ctx.service!.upstream.name));
    finishCall(ctx);
  }
}

export function proxyUpgrade(ctx: RequestContext): void {
  const route = ctx.route!;
  const service = route.service;
  const index = pickTarget(service.upstream, 0);
  if (index === -1) throw noHealthyTarget(ctx);
  const opts: Dispatcher.DispatchOptions = {
    path: upstreamPath(route, ctx.matchedPath!, ctx.rawPath, ctx.query, ctx.params),
    method: 'GET',
    headers: upstreamRequestHeaders(ctx, undefined),
    body: null,
    upgrade: 'websocket',
    headersTimeout: service.headerMs,
  };
  const call = new RetryHandler(ctx, new TunnelResponder(ctx), opts, null);
  ctx.call = call;
  call.start(index, 0);
}
