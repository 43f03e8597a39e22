/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) for upstream calls. Gantry is one hop of
 * the trace: a valid incoming `traceparent` is continued (same trace id and flags, Gantry's own span
 * id as the parent id) with its `tracestate`; a missing or invalid one is replaced by a new trace
 * (and any `tracestate` dropped, as the spec requires). Made once per call and reused by every
 * attempt; the trace id goes into the call record.
 */
import { randomFillSync } from 'node:crypto';
import type { RequestContext } from './context.js';

export interface TraceContext {
  /** 32 lower-case hex digits. */
  traceId: string;
  /** `00-<trace id>-<our span id>-<flags>`. */
  traceparent: string;
  /** Passed on when the incoming traceparent was valid; otherwise null. */
  tracestate: string | null;
}

/**
 * Random ids drawn in blocks: 4 KiB of random bytes per fill, hex-encoded once, so a new id is a
 * slice of that string (about 170 traces per fill, one native call each instead of per call).
 */
const POOL = Buffer.alloc(4096);
let poolHex = '';
let offset = POOL.length;
const ZERO_SPAN = '0'.repeat(16);
const ZERO_TRACE = '0'.repeat(32);

function randomHex(bytes: number): string {
  for (;;) {
    if (offset + bytes > POOL.length) {
      randomFillSync(POOL);
      poolHex = POOL.toString('hex');
      offset = 0;
    }
    const hex = poolHex.slice(offset * 2, (offset + bytes) * 2);
    offset += bytes;
    // All-zero ids are invalid; with 64 random bits this loop practically never repeats.
    if (hex !== (bytes === 8 ? ZERO_SPAN : ZERO_TRACE)) return hex;
  }
}

export interface ParsedTraceparent {
  version: string;
  traceId: string;
  parentId: string;
  flags: string;
}

/** Lower-case hex digits only in [from, to); `nonZero` also asks for one digit other than 0. */
function isHex(s: string, from: number, to: number, nonZero: boolean): boolean {
  let seen = !nonZero;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (c !== 48) seen = true;
    } else if (c >= 97 && c <= 102) seen = true;
    else return false;
  }
  return seen;
}

/**
 * A traceparent as the spec reads it (future versions by their version-00 prefix); null when
 * invalid: malformed, version ff, all-zero ids, upper case, or several headers joined.
 */
export function parseTraceparent(value: string | string[] | undefined): ParsedTraceparent | null {
  if (typeof value !== 'string') return null;
  const v = value.length > 0 && (value.charCodeAt(0) === 32 || value.charCodeAt(value.length - 1) === 32) ? value.trim() : value;
  if (v.length < 55 || v[2] !== '-' || v[35] !== '-' || v[52] !== '-') return null;
  if (!isHex(v, 0, 2, false) || !isHex(v, 3, 35, true) || !isHex(v, 36, 52, true) || !isHex(v, 53, 55, false)) return null;
  const version = v.slice(0, 2);
  if (version === 'ff') return null;
  if (v.length > 55 && (version === '00' || v[55] !== '-')) return null;
  return { version, traceId: v.slice(3, 35), parentId: v.slice(36, 52), flags: v.slice(53, 55) };
}

/** This call's trace context, made on first use. */
export function traceContextOf(ctx: RequestContext): TraceContext {
  let trace = ctx.trace;
  if (trace !== null) return trace;
  const spanId = randomHex(8);
  const incoming = parseTraceparent(ctx.headers.traceparent);
  if (incoming !== null) {
    // Only the sampled bit is defined for version 00; other bits are not passed on.
    const flags = (parseInt(incoming.flags, 16) & 1).toString(16).padStart(2, '0');
    const state = ctx.headers.tracestate;
    const tracestate = typeof state === 'string' && state !== '' ? state : Array.isArray(state) && state.length > 0 ? state.join(',') : null;
    trace = { traceId: incoming.traceId, traceparent: `00-${incoming.traceId}-${spanId}-${flags}`, tracestate };
  } else {
    const traceId = randomHex(16);
    trace = { traceId, traceparent: `00-${traceId}-${spanId}-01`, tracestate: null };
  }
  ctx.trace = trace;
  return trace;
}

/** Appends `traceparent` (and `tracestate`) to flat upstream headers, unless a policy drops them. */
export function appendTraceHeaders(out: string[], ctx: RequestContext): void {
  const drop = ctx.upstreamDrop;
  if (drop !== null && drop.includes('traceparent')) return;
  const trace = traceContextOf(ctx);
  out.push('traceparent', trace.traceparent);
  if (trace.tracestate !== null) out.push('tracestate', trace.tracestate);
}

/** The trace id for the call record: ours if the call went upstream, else a valid incoming one. */
export function traceIdOf(ctx: RequestContext): string | null {
  if (ctx.trace !== null) return ctx.trace.traceId;
  return parseTraceparent(ctx.headers.traceparent)?.traceId ?? null;
}
