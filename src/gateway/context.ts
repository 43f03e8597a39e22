/**
 * The per-request context every phase handler receives. One object per request with every field
 * initialised in the constructor (one hidden class for V8); policies read and write it, the
 * pipeline and the proxy act on what they leave there.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { AiCacheSettings } from '../ai/gateway/cache/settings.js';
import type { CacheStatus } from '../core/call-record.js';
import type { ErrorCode, GantryError } from '../core/errors.js';
import type { CallCapture } from './capture-tap.js';
import type { GatewayRuntime } from './runtime.js';
import type { CompiledPath, CompiledRoute, CompiledService, Snapshot } from './snapshot/types.js';
import type { TraceContext } from './trace-context.js';

/** Who is calling, once an authentication policy has identified them. */
export interface Consumer {
  appId: string;
  teamId: string;
  keyId: string;
}

/** A response produced by the gateway itself (e.g. a CORS preflight), short-circuiting the pipeline. */
export interface LocalResponse {
  status: number;
  /** Flat `[name, value, name, value...]`. */
  headers: readonly string[];
  body: string | Buffer | null;
}

/** Sees an upstream response body as it streams to the client (a cache filling an entry). */
export interface BodyTap {
  onData(chunk: Buffer): void;
  onEnd(): void;
  onError(err: Error): void;
}

/** What a rate-limit policy decided for the request; null when none applied. */
export type RateLimitOutcome = 'allowed' | 'limited' | 'failed_open' | 'failed_closed';

const NO_PARAMS: Readonly<Record<string, string | undefined>> = Object.freeze(Object.create(null));

export class RequestContext {
  readonly gateway: GatewayRuntime;
  readonly req: IncomingMessage;
  /** Null for WebSocket upgrades, which answer on `socket`. */
  readonly res: ServerResponse | null;
  readonly socket: Duplex | null;
  /** Bytes the client sent after an upgrade request's headers. */
  upgradeHead: Buffer | null = null;
  readonly snapshot: Snapshot;
  /** `performance.now()` at arrival. */
  readonly startedAt: number;
  requestId: string;
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  /** Request path as received, not decoded, without the query. */
  rawPath: string;
  /** `''` or the raw query including its leading `?`. */
  query: string;
  /** Lower-cased Host without port; `''` when absent. */
  host: string;
  clientIp: string;

  route: CompiledRoute | null = null;
  matchedPath: CompiledPath | null = null;
  params: Readonly<Record<string, string | undefined>> = NO_PARAMS;
  service: CompiledService | null = null;
  consumer: Consumer | null = null;
  /** Matched only as a CORS preflight for another method: answered by cors or 404, never proxied. */
  preflightOnly = false;

  /** Largest request body accepted; a request-size-limit policy lowers or raises the node default. */
  maxBodyBytes: number;
  /** Lower-case request header names not to send upstream (shared arrays: replace, never mutate). */
  upstreamDrop: readonly string[] | null = null;
  /** Flat header pairs appended to the upstream request. */
  upstreamExtra: readonly string[] | null = null;
  /** Lower-case upstream response header names not to pass to the client. */
  responseDrop: readonly string[] | null = null;
  /** Flat header pairs added to the client response, gateway errors included. */
  responseExtra: readonly string[] | null = null;

  /** Set by a handler to answer without proxying. */
  response: LocalResponse | null = null;

  /** Upstream response, available to response-phase handlers. */
  upstreamStatus = 0;
  upstreamHeaders: IncomingHttpHeaders | null = null;
  /** Controller of the upstream request in flight (pause/resume/abort). */
  controller: Dispatcher.DispatchController | null = null;
  /** The running upstream call, to abort it (client gone, timeout, body too large). */
  call: { abort(reason: Error): void } | null = null;

  /** Set in the response phase to see the body streamed to the client (ClientResponder calls it). */
  bodyTap: BodyTap | null = null;
  /**
   * Offered an upstream failure (5xx answer the gateway makes, target unreachable, timeout) before it
   * is answered; returns true when it answered instead (a cache serving a stale entry).
   */
  upstreamFallback: ((ctx: RequestContext, err: GantryError) => boolean) | null = null;

  rateLimit: RateLimitOutcome | null = null;
  /** What a cache policy did with the request (HIT, MISS...); null on routes without one. */
  cacheStatus: CacheStatus = null;
  /** Set by a `call-log` policy: what the call log keeps of this call beyond its record. */
  capture: CallCapture | null = null;
  /** W3C trace context sent upstream, made once per call (trace-context.ts). */
  trace: TraceContext | null = null;
  /** Left by an ai-cache policy for the AI handler, which does the lookup once it has the body. */
  aiCache: AiCacheSettings | null = null;
  status = 0;
  errorCode: ErrorCode | null = null;
  target: string | null = null;
  retries = 0;
  bytesIn = 0;
  bytesOut = 0;
  headersAt = 0;
  /** The call has been accounted for (log phase ran, event published). */
  finished = false;
  /** The client response has been committed (headers written or an error answer sent). */
  answered = false;

  constructor(
    gateway: GatewayRuntime,
    req: IncomingMessage,
    res: ServerResponse | null,
    socket: Duplex | null,
    clientIp: string,
    requestId: string,
  ) {
    this.gateway = gateway;
    this.snapshot = gateway.snapshot;
    this.req = req;
    this.res = res;
    this.socket = socket;
    this.startedAt = performance.now();
    this.method = req.method as string;
    this.headers = req.headers;
    this.rawPath = '';
    this.query = '';
    this.host = '';
    this.clientIp = clientIp;
    this.maxBodyBytes = gateway.options.maxBodyBytes;
    this.requestId = requestId;
  }

  /** Answer from the gateway; the pipeline stops after the current handler. */
  respond(status: number, headers: readonly string[], body: string | Buffer | null = null): void {
    this.response = { status, headers, body };
  }

  /** Never send these request headers upstream (lower-case names). */
  dropUpstreamHeaders(names: readonly string[]): void {
    this.upstreamDrop = this.upstreamDrop === null ? names : this.upstreamDrop.concat(names);
  }

  addUpstreamHeaders(pairs: readonly string[]): void {
    this.upstreamExtra = this.upstreamExtra === null ? pairs : this.upstreamExtra.concat(pairs);
  }

  dropResponseHeaders(names: readonly string[]): void {
    this.responseDrop = this.responseDrop === null ? names : this.responseDrop.concat(names);
  }

  addResponseHeaders(pairs: readonly string[]): void {
    this.responseExtra = this.responseExtra === null ? pairs : this.responseExtra.concat(pairs);
  }
}
