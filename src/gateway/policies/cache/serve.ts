/**
 * Answering from a stored entry, and the X-Gantry-Cache header every response of a cached route
 * carries. The header goes in the context's response extras, so gateway errors carry it too; it is
 * replaced, never repeated, when the status changes along the way (MISS → REVALIDATED).
 */
import { ageHeaderValue, notModifiedForClient, notModifiedHeaders } from '../../../cache/http-semantics.js';
import type { CacheEntry } from '../../../cache/types.js';
import type { CacheStatus } from '../../../core/call-record.js';
import type { RequestContext } from '../../context.js';

export const CACHE_HEADER = 'x-gantry-cache';

/** Never sent from a stored entry: the gateway frames the body and stamps its own. */
const NOT_SERVED = new Set(['content-length', 'age', 'x-request-id', CACHE_HEADER]);

/** The header pair per status, shared by every request (response extras are replaced, never changed). */
const STATUS_LINES = new Map<string, readonly string[]>();

export function setCacheStatus(ctx: RequestContext, status: NonNullable<CacheStatus>): void {
  ctx.cacheStatus = status;
  const extra = ctx.responseExtra;
  if (extra === null) {
    let line = STATUS_LINES.get(status);
    if (line === undefined) STATUS_LINES.set(status, (line = [CACHE_HEADER, status]));
    ctx.responseExtra = line;
    return;
  }
  const out: string[] = [];
  for (let i = 0; i + 1 < extra.length; i += 2) if (extra[i] !== CACHE_HEADER) out.push(extra[i], extra[i + 1]);
  out.push(CACHE_HEADER, status);
  ctx.responseExtra = out;
}

/**
 * An entry's lines as a hit sends them, built once per entry (the memory store hands the same
 * entry to every hit): the stored lines less NOT_SERVED, and the same less the lines the request's
 * `responseDrop` names, kept for the last drop list seen (a route's requests all have the same one).
 */
interface ServedLines {
  lines: string[];
  /** Lower-case name of each pair in `lines`. */
  names: string[];
  drop: readonly string[] | null;
  dropped: string[];
}

const SERVED = new WeakMap<CacheEntry, ServedLines>();

function sameNames(a: readonly string[] | null, b: readonly string[] | null): boolean {
  if (a === b) return true;
  if (a === null || b === null || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function servedLines(entry: CacheEntry, drop: readonly string[] | null): string[] {
  let s = SERVED.get(entry);
  if (s === undefined) {
    const lines: string[] = [];
    const names: string[] = [];
    const h = entry.headers;
    for (let i = 0; i + 1 < h.length; i += 2) {
      const name = h[i].toLowerCase();
      if (NOT_SERVED.has(name)) continue;
      lines.push(h[i], h[i + 1]);
      names.push(name);
    }
    s = { lines, names, drop: null, dropped: lines };
    SERVED.set(entry, s);
  }
  if (sameNames(drop, s.drop)) return s.dropped;
  let dropped = s.lines;
  if (drop !== null && s.names.some((n) => drop.includes(n))) {
    dropped = [];
    for (let i = 0; i < s.names.length; i++) if (!drop.includes(s.names[i])) dropped.push(s.lines[2 * i], s.lines[2 * i + 1]);
  }
  s.drop = drop;
  s.dropped = dropped;
  return dropped;
}

/**
 * Answers the request with `entry` through `ctx.respond` (the pipeline, or the caller, sends it):
 * 304 when the client's own conditional request matches (RFC 9111 §4.3.2), the stored response
 * otherwise, with its current Age (§5.1). HEAD gets the GET's headers; Node sends no body.
 */
export function answerFromEntry(ctx: RequestContext, entry: CacheEntry, status: 'HIT' | 'STALE' | 'REVALIDATED', now: number): void {
  setCacheStatus(ctx, status);
  const age = ageHeaderValue(entry, now);
  if (notModifiedForClient(ctx, entry)) {
    ctx.respond(304, [...notModifiedHeaders(entry), 'age', age], null);
    return;
  }
  const lines = servedLines(entry, ctx.responseDrop).slice();
  lines.push('age', age);
  ctx.respond(entry.status, lines, entry.body);
}
