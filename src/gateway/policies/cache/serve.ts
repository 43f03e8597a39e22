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

export function setCacheStatus(ctx: RequestContext, status: NonNullable<CacheStatus>): void {
  ctx.cacheStatus = status;
  const extra = ctx.responseExtra;
  if (extra === null) {
    ctx.responseExtra = [CACHE_HEADER, status];
    return;
  }
  const out: string[] = [];
  for (let i = 0; i + 1 < extra.length; i += 2) if (extra[i] !== CACHE_HEADER) out.push(extra[i], extra[i + 1]);
  out.push(CACHE_HEADER, status);
  ctx.responseExtra = out;
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
  const drop = ctx.responseDrop;
  const out: string[] = [];
  const h = entry.headers;
  for (let i = 0; i + 1 < h.length; i += 2) {
    const name = h[i].toLowerCase();
    if (NOT_SERVED.has(name) || (drop !== null && drop.includes(name))) continue;
    out.push(h[i], h[i + 1]);
  }
  out.push('age', age);
  ctx.respond(entry.status, out, entry.body);
}
