/**
 * Header arrays for both directions, flat `[name, value, ...]` (undici and `res.writeHead` take
 * them as is). Hop-by-hop headers and those named in `Connection` are dropped; the client's
 * framing headers never pass unchecked (Node's strict parser validated them; the proxy re-frames).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { RequestContext } from '../context.js';
import { connectionTokens, HOP_BY_HOP } from '../headers.js';
import { appendTraceHeaders } from '../trace-context.js';

function table(names: Iterable<string>): Record<string, 1> {
  const t: Record<string, 1> = Object.create(null);
  for (const n of names) t[n] = 1;
  return t;
}

/** Request headers the proxy never copies: it sets its own or re-frames. */
const SKIP_REQUEST = table([
  ...HOP_BY_HOP,
  'host',
  'content-length',
  'expect',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-request-id',
  // Replaced by Gantry's own hop of the trace (trace-context.ts).
  'traceparent',
  'tracestate',
]);

/** Response headers not passed to the client; the gateway's X-Request-Id replaces the upstream's. */
const SKIP_RESPONSE = table([...HOP_BY_HOP, 'x-request-id']);

function copy(
  out: string[],
  headers: IncomingHttpHeaders,
  skip: Record<string, 1>,
  drop: readonly string[] | null,
  connection: string[] | null,
): void {
  for (const name in headers) {
    if (skip[name] === 1) continue;
    if (drop !== null && drop.includes(name)) continue;
    if (connection !== null && connection.includes(name)) continue;
    const value = headers[name];
    if (typeof value === 'string') out.push(name, value);
    else if (value !== undefined) for (let i = 0; i < value.length; i++) out.push(name, value[i]);
  }
}

/**
 * Headers sent upstream. `contentLength`: the validated Content-Length to forward, or undefined
 * (no body, or a chunked body undici frames itself).
 */
export function upstreamRequestHeaders(ctx: RequestContext, contentLength: string | undefined): string[] {
  const h = ctx.headers;
  const out: string[] = [];
  const drop = ctx.upstreamDrop;
  copy(out, h, SKIP_REQUEST, drop, h.connection === undefined ? null : connectionTokens(h.connection));
  if (contentLength !== undefined) out.push('content-length', contentLength);
  // Without a host header undici sends the target's.
  if (ctx.service!.preserveHost && h.host !== undefined) out.push('host', h.host);

  const trust = ctx.gateway.options.trustProxy;
  if (drop === null || !drop.includes('x-forwarded-for')) {
    const peer = ctx.req.socket.remoteAddress ?? '';
    const incoming = h['x-forwarded-for'];
    out.push('x-forwarded-for', trust && incoming !== undefined && incoming !== '' ? `${incoming}, ${peer}` : peer);
  }
  if (drop === null || !drop.includes('x-forwarded-proto')) {
    const proto = trust ? h['x-forwarded-proto'] : undefined;
    out.push('x-forwarded-proto', typeof proto === 'string' && proto !== '' ? proto : 'http');
  }
  if (drop === null || !drop.includes('x-forwarded-host')) {
    const fwdHost = trust ? h['x-forwarded-host'] : undefined;
    const host = typeof fwdHost === 'string' && fwdHost !== '' ? fwdHost : h.host;
    if (host !== undefined) out.push('x-forwarded-host', host);
  }
  out.push('x-request-id', ctx.requestId);
  appendTraceHeaders(out, ctx);
  const extra = ctx.upstreamExtra;
  if (extra !== null) for (let i = 0; i < extra.length; i++) out.push(extra[i]);
  return out;
}

/** Headers sent to the client with an upstream response. */
export function clientResponseHeaders(ctx: RequestContext, headers: IncomingHttpHeaders): string[] {
  const out: string[] = [];
  const connection = headers.connection;
  copy(out, headers, SKIP_RESPONSE, ctx.responseDrop, connection === undefined ? null : connectionTokens(connection));
  out.push('x-request-id', ctx.requestId);
  const extra = ctx.responseExtra;
  if (extra !== null) for (let i = 0; i < extra.length; i++) out.push(extra[i]);
  if (ctx.gateway.closing) out.push('connection', 'close');
  return out;
}
