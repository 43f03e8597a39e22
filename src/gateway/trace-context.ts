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

/** Random bytes drawn in blocks: one syscall per ~170 new traces instead of one per call. */
const POOL = Buffer.alloc(4096);
let offset = POOL.length;

function randomHex(bytes: number): string {
  for (;;) {
    if (offset + bytes > POOL.length) {
      randomFillSync(POOL);
      offset = 0;
    }
    const hex = POOL.toString('hex', offset, offset + bytes);
    offset += bytes;
    // All-zero ids are invalid; with 64 random bits this loop practically never repeats.
    if (!/^0+$/.test(hex)) return hex;
  }
}

const HEADER = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

export interface ParsedTraceparent {
  version: string;
  traceId: string;
  parentId: string;
  flags: string;
}

/** A traceparent as the spec reads it (future versions by their version-00 prefix); null when invalid. */
export function parseTraceparent(value: string | string[] | undefined): ParsedTraceparent | null {
  if (typeof value !== 'string') return null;
  const v = value.trim();
  const m = HEADER.exec(v);
  if (m === null) return null;
  const [, version, traceId, parentId, flags, rest] = m as unknown as [string, string, string, string, string, string | undefined];
  if (version === 'ff') return null;
  if (version === '00' && rest !== undefined) return null;
  if (traceId === ZERO_TRACE || parentId === ZERO_SPAN) return null;
  return { version, traceId, parentId, flags };
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
