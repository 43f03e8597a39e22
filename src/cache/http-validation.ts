/**
 * Validation and invalidation (RFC 9111 §4.3, §4.4; conditional requests from RFC 9110 §8.8.3, §13):
 * building the conditional request that revalidates a stored response, folding a 304 into it,
 * answering a client's own conditional request from the cache, and the URIs an unsafe request
 * invalidates. Pure functions, like http-semantics.ts.
 */
import { headerValue, parseHttpDate, splitList, toRaw, type HeaderSource } from './http-headers.js';
import type { HttpRequestLike, HttpResponseLike } from './http-semantics.js';
import type { CacheEntry, RawHeaders } from './types.js';

interface EntityTag {
  weak: boolean;
  opaque: string;
}

/** RFC 9110 §8.8.3: `[W/]"opaque"`; null when malformed. */
function parseEtag(v: string | undefined): EntityTag | null {
  if (v === undefined) return null;
  const t = v.trim();
  const weak = t.startsWith('W/');
  const q = weak ? t.slice(2) : t;
  if (q.length < 2 || q[0] !== '"' || q[q.length - 1] !== '"') return null;
  return { weak, opaque: q.slice(1, -1) };
}

/** §4.3.1: If-None-Match from the stored ETag, If-Modified-Since from its Last-Modified. Flat pairs. */
export function revalidationHeaders(entry: CacheEntry): string[] {
  const out: string[] = [];
  const etag = headerValue(entry.headers, 'etag');
  if (etag !== undefined) out.push('if-none-match', etag);
  const lastModified = headerValue(entry.headers, 'last-modified');
  if (lastModified !== undefined) out.push('if-modified-since', lastModified);
  return out;
}

/** Lines a 304 never replaces in a stored response (§3.2): framing, and what §3.1 does not store. */
const NOT_UPDATED = new Set([
  'content-length',
  'content-encoding',
  'content-range',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'upgrade',
  'proxy-authenticate',
  'proxy-authentication-info',
  'proxy-authorization',
]);

/** §4.3.4: whether a 304 identifies this stored response. */
function identifies(entry: CacheEntry, res304: HttpResponseLike): boolean {
  const newTag = parseEtag(headerValue(res304.headers, 'etag'));
  const oldTag = parseEtag(headerValue(entry.headers, 'etag'));
  if (newTag !== null) {
    if (oldTag === null || oldTag.opaque !== newTag.opaque) return false;
    // A strong validator identifies only a stored response with the same strong validator.
    return newTag.weak || !oldTag.weak;
  }
  const newLm = headerValue(res304.headers, 'last-modified');
  const oldLm = headerValue(entry.headers, 'last-modified');
  if (newLm !== undefined) return oldLm !== undefined && parseHttpDate(newLm) === parseHttpDate(oldLm) && parseHttpDate(oldLm) !== null;
  // No validator in the 304: only a stored response without one either.
  return oldTag === null && oldLm === undefined;
}

/**
 * Freshens a stored response with a 304 (§4.3.4): when the 304 identifies it, its header lines
 * replace the stored ones of the same name (§3.2), and the entry's request and response times become
 * the revalidation's, so its age restarts. Undefined when the 304 does not identify the entry: the
 * caller must then fetch the resource without conditions.
 */
export function mergeNotModified(
  entry: CacheEntry,
  res304: HttpResponseLike,
  times: { requestTime: number; responseTime: number },
): CacheEntry | undefined {
  if (res304.status !== 304 || !identifies(entry, res304)) return undefined;
  const fresh = toRaw(res304.headers);
  const connection = new Set(splitList((headerValue(res304.headers, 'connection') ?? '').toLowerCase()));
  const replace = new Set<string>();
  for (let i = 0; i + 1 < fresh.length; i += 2) {
    const name = fresh[i].toLowerCase();
    if (!NOT_UPDATED.has(name) && !connection.has(name)) replace.add(name);
  }
  const headers: string[] = [];
  for (let i = 0; i + 1 < entry.headers.length; i += 2) {
    if (!replace.has(entry.headers[i].toLowerCase())) headers.push(entry.headers[i], entry.headers[i + 1]);
  }
  for (let i = 0; i + 1 < fresh.length; i += 2) {
    if (replace.has(fresh[i].toLowerCase())) headers.push(fresh[i], fresh[i + 1]);
  }
  return { ...entry, headers, storedAt: times.responseTime, requestTime: times.requestTime };
}

/**
 * Whether a client's own conditional GET/HEAD can be answered 304 from a stored response
 * (§4.3.2): If-None-Match by weak comparison (RFC 9110 §13.1.2), else If-Modified-Since against
 * Last-Modified (§13.1.3, ignored when not a single valid HTTP-date).
 */
export function notModifiedForClient(req: HttpRequestLike, entry: CacheEntry): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const inm = headerValue(req.headers, 'if-none-match');
  if (inm !== undefined) {
    if (inm.trim() === '*') return true;
    const stored = parseEtag(headerValue(entry.headers, 'etag'));
    if (stored === null) return false;
    return splitList(inm).some((t) => parseEtag(t)?.opaque === stored.opaque);
  }
  const ims = parseHttpDate(headerValue(req.headers, 'if-modified-since'));
  if (ims === null) return false;
  const lastModified = parseHttpDate(headerValue(entry.headers, 'last-modified'));
  return lastModified !== null && lastModified <= ims;
}

/** RFC 9110 §15.4.5: the stored lines a 304 to a client carries. */
export function notModifiedHeaders(entry: CacheEntry): RawHeaders {
  const keep = new Set(['cache-control', 'content-location', 'date', 'etag', 'expires', 'vary']);
  const out: string[] = [];
  for (let i = 0; i + 1 < entry.headers.length; i += 2) {
    if (keep.has(entry.headers[i].toLowerCase())) out.push(entry.headers[i], entry.headers[i + 1]);
  }
  return out;
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/**
 * §4.4: the URIs whose stored responses an unsafe request invalidates once it got a non-error
 * (2xx/3xx) answer — the target URI, and the Location and Content-Location URIs when they have the
 * target's origin (never another origin's: that would let one origin purge another's entries).
 * Absolute URLs, normalized by WHATWG URL parsing.
 */
export function invalidatedByUnsafeMethod(method: string, targetUrl: string, res: { status: number; headers: HeaderSource }): string[] {
  if (SAFE.has(method.toUpperCase()) || res.status < 200 || res.status >= 400) return [];
  let target: URL;
  try {
    target = new URL(targetUrl);
  } catch {
    return [];
  }
  const out = new Set([target.href]);
  for (const name of ['location', 'content-location']) {
    const v = headerValue(res.headers, name);
    if (v === undefined) continue;
    try {
      const u = new URL(v.trim(), target);
      if (u.origin === target.origin) out.add(u.href);
    } catch {
      // not a URI reference: nothing to invalidate
    }
  }
  return [...out];
}
