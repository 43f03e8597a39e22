/**
 * node:http entry points: requests, WebSocket upgrades and parser-level client errors. A request
 * takes the current snapshot (kept until it ends), is routed, runs its route's phases and is
 * proxied. Nothing thrown here may reach the event loop: every failure becomes an answer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { handleAi } from '../ai/gateway/handler.js';
import { GantryError, type ErrorCode } from '../core/errors.js';
import { newRequestId } from '../core/ids.js';
import { RequestContext } from './context.js';
import { callChannel, finishCall } from './events.js';
import { isValidRequestId } from './headers.js';
import { runChain } from './pipeline.js';
import { proxyHttp } from './proxy/http-proxy.js';
import { proxyUpgrade } from './proxy/websocket.js';
import { answerFailure, endSocket, errorBody, sendLocal } from './respond.js';
import { lookupConstraints, normalizeHost } from './router.js';
import type { GatewayRuntime } from './runtime.js';
import type { RouteEntry } from './snapshot/types.js';

const kContext = Symbol('gantry.context');
type TaggedResponse = ServerResponse & { [kContext]?: RequestContext };

function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && isValidRequestId(given) ? given : newRequestId();
}

function clientIpOf(gateway: GatewayRuntime, req: IncomingMessage): string {
  if (gateway.options.trustProxy) {
    const xff = req.headers['x-forwarded-for'];
    if (typeof xff === 'string' && xff !== '') {
      const comma = xff.indexOf(',');
      return (comma === -1 ? xff : xff.slice(0, comma)).trim();
    }
  }
  return req.socket.remoteAddress ?? '';
}

/** `/a/../b`, `/./`, and their `%2e` spellings: refused rather than passed to an upstream that may resolve them. */
function hasDotSegment(path: string): boolean {
  if (path.indexOf('/.') === -1 && path.indexOf('%2') === -1) return false;
  for (const segment of path.split('/')) {
    if (segment.length === 0 || segment.length > 6) continue;
    const s = segment.replace(/%2e/gi, '.');
    if (s === '.' || s === '..') return true;
  }
  return false;
}

/** Sets path, query, route and params on the context; throws 400/404. */
function route(ctx: RequestContext): void {
  let url = ctx.req.url as string;
  if (url.charCodeAt(0) !== 47 /* / */) {
    // absolute-form (`GET http://host/path`): keep the path and query
    const scheme = url.indexOf('://');
    if (scheme === -1) throw new GantryError('GANTRY_ERR_BAD_REQUEST', 'The request target must be a path');
    const slash = url.indexOf('/', scheme + 3);
    url = slash === -1 ? '/' : url.slice(slash);
  }
  const q = url.indexOf('?');
  ctx.rawPath = q === -1 ? url : url.slice(0, q);
  ctx.query = q === -1 ? '' : url.slice(q);
  if (hasDotSegment(ctx.rawPath)) throw new GantryError('GANTRY_ERR_BAD_REQUEST', 'Paths with . or .. segments are not accepted');

  const snapshot = ctx.snapshot;
  if (snapshot.usesHosts) ctx.host = normalizeHost(ctx.headers.host);
  // One tree holds every route; the method is a constraint (see router.ts).
  const router = snapshot.router;
  let found = router.find('GET', url, lookupConstraints(ctx.method, snapshot.usesHosts, ctx.host));
  if (found === null && ctx.method === 'OPTIONS') {
    // A CORS preflight for a route that does not list OPTIONS: let its cors policy answer.
    const wanted = ctx.headers['access-control-request-method'];
    if (typeof wanted === 'string' && ctx.headers.origin !== undefined) {
      const forMethod = router.find('GET', url, lookupConstraints(wanted.toUpperCase(), snapshot.usesHosts, ctx.host));
      if (forMethod !== null && (forMethod.store as RouteEntry).route.hasCors) {
        found = forMethod;
        ctx.preflightOnly = true;
      }
    }
  }
  if (found === null) throw new GantryError('GANTRY_ERR_ROUTE_NOT_FOUND', `No route matches ${ctx.method} ${ctx.rawPath}`);
  const entry = found.store as RouteEntry;
  ctx.route = entry.route;
  ctx.matchedPath = entry.path;
  ctx.params = found.params;
  ctx.service = entry.route.service;
}

function notRouted(ctx: RequestContext): GantryError {
  return new GantryError('GANTRY_ERR_ROUTE_NOT_FOUND', `No route matches ${ctx.method} ${ctx.rawPath}`);
}

function afterRequestPhases(ctx: RequestContext): void {
  if (ctx.finished) return; // the client left while an async handler ran
  if (ctx.response !== null) sendLocal(ctx);
  else if (ctx.preflightOnly) answerFailure(ctx, notRouted(ctx));
  else if (ctx.service!.kind === 'ai') handleAi(ctx);
  else proxyHttp(ctx);
}

/** The response is over, completely or not: abort what is still running, account for the call. */
function onResponseClose(this: TaggedResponse): void {
  const ctx = this[kContext] as RequestContext;
  if (!this.writableFinished) {
    if (!ctx.answered || ctx.errorCode === null) {
      ctx.status = 499;
      ctx.errorCode = 'GANTRY_ERR_CLIENT_CLOSED';
    }
    ctx.call?.abort(new GantryError('GANTRY_ERR_CLIENT_CLOSED'));
  }
  finishCall(ctx);
}

export function handleRequest(gateway: GatewayRuntime, req: IncomingMessage, res: ServerResponse): void {
  gateway.snapshot.inflight++;
  const ctx = new RequestContext(gateway, req, res, null, clientIpOf(gateway, req), requestIdOf(req));
  (res as TaggedResponse)[kContext] = ctx;
  res.on('close', onResponseClose);
  try {
    route(ctx);
    runChain(ctx, ctx.route!.chains.request, 0, afterRequestPhases, answerFailure);
  } catch (err) {
    answerFailure(ctx, err);
  }
}

function upgradeFailed(ctx: RequestContext, err: unknown): void {
  answerFailure(ctx, err);
  finishCall(ctx);
}

function afterUpgradePhases(ctx: RequestContext): void {
  if (ctx.finished) return;
  if (ctx.response !== null) {
    sendLocal(ctx);
    finishCall(ctx);
  } else if (ctx.service!.kind === 'ai') {
    upgradeFailed(ctx, new GantryError('GANTRY_ERR_BAD_REQUEST', 'AI services do not accept WebSocket upgrades'));
  } else {
    proxyUpgrade(ctx);
  }
}

function ignoreSocketError(): void {}

export function handleUpgrade(gateway: GatewayRuntime, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  socket.on('error', ignoreSocketError);
  gateway.snapshot.inflight++;
  const ctx = new RequestContext(gateway, req, null, socket, clientIpOf(gateway, req), requestIdOf(req));
  ctx.upgradeHead = head;
  socket.once('close', () => {
    if (!ctx.answered) {
      ctx.status = 499;
      ctx.errorCode = 'GANTRY_ERR_CLIENT_CLOSED';
      ctx.call?.abort(new GantryError('GANTRY_ERR_CLIENT_CLOSED'));
      finishCall(ctx);
    }
  });
  try {
    const kind = req.headers.upgrade;
    if (typeof kind !== 'string' || kind.toLowerCase() !== 'websocket') {
      throw new GantryError('GANTRY_ERR_BAD_REQUEST', 'Only WebSocket upgrades are supported');
    }
    route(ctx);
    runChain(ctx, ctx.route!.chains.upgrade, 0, afterUpgradePhases, upgradeFailed);
  } catch (err) {
    upgradeFailed(ctx, err);
  }
}

/** Errors Node's parser raises before a request exists: answer in JSON and close. */
export function handleClientError(gateway: GatewayRuntime, err: Error & { code?: string }, socket: Duplex): void {
  const inProgress = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || (inProgress && inProgress.headersSent)) {
    socket.destroy();
    return;
  }
  let code: ErrorCode = 'GANTRY_ERR_BAD_REQUEST';
  if (err.code === 'HPE_HEADER_OVERFLOW') code = 'GANTRY_ERR_HEADERS_TOO_LARGE';
  else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') code = 'GANTRY_ERR_REQUEST_TIMEOUT';
  else if (err.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') code = 'GANTRY_ERR_BODY_TOO_LARGE';
  const error = new GantryError(code, undefined, { cause: err });
  const requestId = newRequestId();
  const body = errorBody(error, requestId);
  endSocket(
    socket,
    error.status,
    ['content-type', 'application/json', 'content-length', String(Buffer.byteLength(body)), 'x-request-id', requestId, 'connection', 'close'],
    body,
  );
  gateway.logger.debug({ err, code }, 'client error answered');
  if (callChannel.hasSubscribers) {
    callChannel.publish({
      requestId,
      timestamp: Date.now(),
      method: '',
      path: '',
      clientIp: (socket as Duplex & { remoteAddress?: string }).remoteAddress ?? '',
      status: error.status,
      routeId: null,
      serviceId: null,
      appId: null,
      teamId: null,
      keyId: null,
      latencyMs: 0,
      upstreamLatencyMs: null,
      bytesIn: 0,
      bytesOut: 0,
      upstreamTarget: null,
      upstreamStatus: null,
      retries: 0,
      errorCode: error.code,
    });
  }
}
