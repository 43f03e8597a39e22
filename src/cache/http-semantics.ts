/**
 * HTTP caching for a shared cache (RFC 9111, with RFC 5861's stale-while-revalidate and
 * stale-if-error), as pure functions: no I/O, no clock (every `now` is an argument, epoch ms).
 * Section numbers are RFC 9111's unless another document is named. Validation (304 merging,
 * conditional requests) and invalidation live in http-validation.ts and are re-exported here.
 *
 * Choices where the RFC leaves room, all on the conservative side:
 * - 206 is not stored (Gantry does not combine partial content, §3.3–3.4); neither is 304.
 * - Set-Cookie responses are not stored unless `storeSetCookie` (§7.3 notes Set-Cookie does not
 *   inhibit caching; sharing one user's cookie with others is rarely what an operator wants).
 * - `s-maxage` implies `proxy-revalidate` (§5.2.2.10), so with it, as with `must-revalidate`, a
 *   stale entry is never served: not for stale-while-revalidate, max-stale nor stale-if-error.
 * - A request with Authorization is answered from the cache only when the stored response has
 *   `public`, `s-maxage` or `must-revalidate`: the rule §3.5 sets for storing, applied to reuse too.
 * - Pragma: no-cache in a request without Cache-Control still counts as no-cache (§5.4 deprecates it).
 */
import {
  deltaSecondsMs,
  fieldNames,
  headerValue,
  isRaw,
  parseCacheControl,
  parseHttpDate,
  splitList,
  toRaw,
  type Directives,
  type HeaderSource,
} from './http-headers.js';
import type { CacheEntry, RawHeaders } from './types.js';

export interface HttpRequestLike {
  method: string;
  headers: HeaderSource;
}

export interface HttpResponseLike {
  status: number;
  headers: HeaderSource;
}

export interface CacheOptions {
  /**
   * Freshness for responses with no explicit expiration, where the RFC allows a heuristic
   * (§4.2.2: a heuristically cacheable status, or `public`). Replaces the Last-Modified heuristic.
   */
  defaultTtlMs?: number;
  /** The Last-Modified heuristic (§4.2.2): a fraction (default 0.1) of Date − Last-Modified, capped (default 24 h). */
  heuristic?: false | { fraction?: number; maxMs?: number };
  /** Store responses carrying Set-Cookie. Default false. */
  storeSetCookie?: boolean;
}

/** RFC 9110 §15.1: status codes heuristically cacheable ("cacheable by default"). */
export const HEURISTICALLY_CACHEABLE: ReadonlySet<number> = new Set([200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501]);
/** Statuses whose caching requirements Gantry implements (for `must-understand`, §5.2.2.3). */
const UNDERSTOOD: ReadonlySet<number> = new Set([200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501]);

const DIRECTIVES = new WeakMap<object, Directives>();
const NO_DIRECTIVES = parseCacheControl(undefined);

/** The Cache-Control of a header source, parsed once per source object. */
export function cacheControl(h: HeaderSource): Directives {
  // Most requests have none: nothing to parse, nor to remember.
  if (!isRaw(h) && h['cache-control'] === undefined) return NO_DIRECTIVES;
  let d = DIRECTIVES.get(h);
  if (d === undefined) {
    d = parseCacheControl(headerValue(h, 'cache-control'));
    DIRECTIVES.set(h, d);
  }
  return d;
}

/** Why `res` (to `req`) may not be stored by a shared cache; null when it may. */
export function whyNotStorable(req: HttpRequestLike, res: HttpResponseLike, opts: CacheOptions = {}): string | null {
  // §3: "the request method is understood by the cache"; RFC 9110 §9.2.3: GET and HEAD.
  if (req.method !== 'GET' && req.method !== 'HEAD') return 'method';
  // §3: a final status; 206 and 304 need handling Gantry does not do.
  if (res.status < 200 || res.status === 206 || res.status === 304) return 'status';
  const cc = cacheControl(res.headers);
  // §5.2.2.3: must-understand limits caching to caches that implement the status; they then ignore no-store.
  const mustUnderstand = cc.has('must-understand');
  if (mustUnderstand && !UNDERSTOOD.has(res.status)) return 'must-understand';
  // §5.2.2.5 (response) and §5.2.1.5 (request): no-store.
  if (cc.has('no-store') && !mustUnderstand) return 'no-store';
  if (cacheControl(req.headers).has('no-store')) return 'no-store (request)';
  // §5.2.2.7: unqualified private forbids a shared cache to store; a qualified one only the fields it names.
  if (cc.get('private') === true) return 'private';
  // §3.5: a response to a request with Authorization only with public, s-maxage or must-revalidate.
  if (headerValue(req.headers, 'authorization') !== undefined && !sharedDespiteAuthorization(cc)) return 'authorization';
  if (!opts.storeSetCookie && headerValue(res.headers, 'set-cookie') !== undefined) return 'set-cookie';
  // §4.1: Vary: * never matches a later request; storing it would only take room.
  if (varyNames(res) === null) return 'vary-star';
  // §3: explicit freshness, public, or a heuristically cacheable status.
  const explicit = cc.has('public') || cc.has('max-age') || cc.has('s-maxage') || headerValue(res.headers, 'expires') !== undefined;
  if (!explicit && !HEURISTICALLY_CACHEABLE.has(res.status)) return 'not-cacheable-status';
  return null;
}

export function isStorable(req: HttpRequestLike, res: HttpResponseLike, opts: CacheOptions = {}): boolean {
  return whyNotStorable(req, res, opts) === null;
}

function sharedDespiteAuthorization(cc: Directives): boolean {
  return cc.has('public') || cc.has('s-maxage') || cc.has('must-revalidate');
}

/**
 * Freshness lifetime in ms (§4.2.1): s-maxage, else max-age, else Expires − Date; otherwise, only
 * where a heuristic is allowed (§4.2.2), the configured default TTL or the Last-Modified heuristic.
 * `now` is when the response was received, standing in for a missing Date (RFC 9110 §6.6.1).
 * Invalid values count as already expired (§4.2.1, §5.3).
 */
export function freshnessLifetime(res: HttpResponseLike, now: number, opts: CacheOptions = {}): number {
  const cc = cacheControl(res.headers);
  if (cc.has('s-maxage')) return deltaSecondsMs(cc.get('s-maxage')) ?? 0;
  if (cc.has('max-age')) return deltaSecondsMs(cc.get('max-age')) ?? 0;
  const date = dateHeader(res.headers, 'date', now) ?? now;
  if (headerValue(res.headers, 'expires') !== undefined) {
    const expires = dateHeader(res.headers, 'expires', now);
    return expires === null ? 0 : Math.max(0, expires - date);
  }
  if (!HEURISTICALLY_CACHEABLE.has(res.status) && !cc.has('public')) return 0;
  if (opts.defaultTtlMs !== undefined) return Math.max(0, opts.defaultTtlMs);
  if (opts.heuristic === false) return 0;
  const lastModified = dateHeader(res.headers, 'last-modified', now);
  if (lastModified === null || lastModified >= date) return 0;
  const fraction = opts.heuristic?.fraction ?? 0.1;
  const max = opts.heuristic?.maxMs ?? 86_400_000;
  return Math.min(max, Math.floor((date - lastModified) * fraction));
}

/**
 * A date field, in epoch ms. These are singletons; when one arrives twice (combined as a list) the
 * first wins (§4.2.1). An IMF-fixdate has a comma of its own, hence the second comma.
 */
export function dateHeader(h: HeaderSource, name: string, now: number): number | null {
  const v = headerValue(h, name);
  if (v === undefined) return null;
  const i = v.indexOf(',', v.indexOf(',') + 1);
  return parseHttpDate(i === -1 ? v : v.slice(0, i), now);
}

/** §4.2.3 corrected_initial_age in ms: from the stored Age and Date and the request and response times. */
function initialAge(entry: CacheEntry): number {
  const responseTime = entry.storedAt;
  const requestTime = entry.requestTime ?? responseTime;
  const date = dateHeader(entry.headers, 'date', responseTime) ?? responseTime;
  const ageHeader = headerValue(entry.headers, 'age');
  // §5.1: use the first member of a list; ignore an invalid value.
  const ageValue = ageHeader === undefined ? 0 : (deltaSecondsMs(ageHeader.split(',')[0].trim()) ?? 0);
  const apparentAge = Math.max(0, responseTime - date);
  const correctedAgeValue = ageValue + Math.max(0, responseTime - requestTime);
  return Math.max(apparentAge, correctedAgeValue);
}

/**
 * What reusing a stored entry depends on, read from its header lines once per entry object rather
 * than on every request: the memory store hands the same object to every hit (§4.2.3's dates and
 * Age, Cache-Control, Vary). Entries are never changed once built (a 304 merge makes a new one),
 * so what is read here stays true for the entry's life.
 */
interface EntryFacts {
  vary: string[] | null;
  initialAgeMs: number;
  /** §3.5, applied to reuse: may answer a request with Authorization. */
  sharedDespiteAuthorization: boolean;
  /** §5.2.2.7: a qualified private names a field the entry holds. */
  keepsPrivateField: boolean;
  /** §5.2.2.4: no-cache, unqualified or naming a field the entry holds. */
  noCache: boolean;
  /** must-revalidate, proxy-revalidate or s-maxage: never served stale (§4.2.4). */
  neverStale: boolean;
  staleWhileRevalidateMs: number | null;
  staleIfErrorMs: number | null;
  hasValidator: boolean;
  /** The freshness lifetime for the options it was last computed with (they rarely change). */
  lifetime: { defaultTtlMs: number | undefined; heuristic: CacheOptions['heuristic']; ms: number } | null;
}

const FACTS = new WeakMap<CacheEntry, EntryFacts>();

function factsOf(entry: CacheEntry): EntryFacts {
  let f = FACTS.get(entry);
  if (f !== undefined) return f;
  const cc = parseCacheControl(headerValue(entry.headers, 'cache-control'));
  const holds = (field: string) => headerValue(entry.headers, field) !== undefined;
  const noCache = cc.get('no-cache');
  f = {
    vary: varyNames(entry),
    initialAgeMs: initialAge(entry),
    sharedDespiteAuthorization: sharedDespiteAuthorization(cc),
    keepsPrivateField: fieldNames(cc.get('private')).some(holds),
    noCache: noCache === true || fieldNames(noCache).some(holds),
    neverStale: cc.has('must-revalidate') || cc.has('proxy-revalidate') || cc.has('s-maxage'),
    staleWhileRevalidateMs: deltaSecondsMs(cc.get('stale-while-revalidate')),
    staleIfErrorMs: deltaSecondsMs(cc.get('stale-if-error')),
    hasValidator: holds('etag') || holds('last-modified'),
    lifetime: null,
  };
  FACTS.set(entry, f);
  return f;
}

/** freshnessLifetime of a stored entry, as of when it was received. */
function entryLifetime(entry: CacheEntry, f: EntryFacts, opts: CacheOptions): number {
  const memo = f.lifetime;
  if (memo !== null && memo.defaultTtlMs === opts.defaultTtlMs && memo.heuristic === opts.heuristic) return memo.ms;
  const ms = freshnessLifetime(entry, entry.storedAt, opts);
  f.lifetime = { defaultTtlMs: opts.defaultTtlMs, heuristic: opts.heuristic, ms };
  return ms;
}

/** Current age in ms (§4.2.3), from the stored Age and Date and the request and response times. */
export function currentAge(entry: CacheEntry, now: number): number {
  return factsOf(entry).initialAgeMs + Math.max(0, now - entry.storedAt);
}

/** The `Age` header value to send with a stored response (§5.1): whole seconds. */
export function ageHeaderValue(entry: CacheEntry, now: number): string {
  return String(Math.floor(currentAge(entry, now) / 1000));
}

export interface RequestDirectives {
  noCache: boolean;
  noStore: boolean;
  onlyIfCached: boolean;
  /** ms; an invalid value counts as 0 (the most restrictive). */
  maxAge?: number;
  /** ms; Infinity for a bare `max-stale` (§5.2.1.2). */
  maxStale?: number;
  minFresh?: number;
  /** RFC 5861 §4, in a request. */
  staleIfError?: number;
}

/** The request's cache directives (§5.2.1). */
export function requestDirectives(req: HttpRequestLike): RequestDirectives {
  const cc = cacheControl(req.headers);
  const out: RequestDirectives = {
    noCache: cc.has('no-cache'),
    noStore: cc.has('no-store'),
    onlyIfCached: cc.has('only-if-cached'),
  };
  if (cc.size === 0 && headerValue(req.headers, 'cache-control') === undefined) {
    const pragma = headerValue(req.headers, 'pragma');
    if (pragma !== undefined && splitList(pragma.toLowerCase()).includes('no-cache')) out.noCache = true;
  }
  if (cc.has('max-age')) out.maxAge = deltaSecondsMs(cc.get('max-age')) ?? 0;
  if (cc.has('max-stale')) {
    const v = cc.get('max-stale');
    const ms = v === true ? Infinity : deltaSecondsMs(v);
    if (ms !== null) out.maxStale = ms;
  }
  const minFresh = deltaSecondsMs(cc.get('min-fresh'));
  if (minFresh !== null) out.minFresh = minFresh;
  const sie = deltaSecondsMs(cc.get('stale-if-error'));
  if (sie !== null) out.staleIfError = sie;
  return out;
}

/**
 * What to do with a stored entry for a request:
 * - `fresh`: serve it (HIT).
 * - `stale-while-revalidate`: serve it stale now (STALE) and refresh it in the background — RFC 5861
 *   §3, or the client's max-stale (§5.2.1.2).
 * - `must-revalidate`: ask the origin (conditionally, with `revalidationHeaders`) before answering;
 *   an origin error is the answer.
 * - `stale-if-error-allowed`: the same, but if the origin fails (5xx or unreachable), serve it stale (RFC 5861 §4).
 * - `miss`: the entry cannot answer this request at all (method, Vary, Authorization).
 */
export type CacheAction = 'fresh' | 'stale-while-revalidate' | 'must-revalidate' | 'stale-if-error-allowed' | 'miss';

/** `rq`: the request's directives, when the caller has them already. */
export function decide(entry: CacheEntry, req: HttpRequestLike, now: number, opts: CacheOptions = {}, rq: RequestDirectives = requestDirectives(req)): CacheAction {
  // §4: a stored GET response answers GET and HEAD.
  if (req.method !== 'GET' && req.method !== 'HEAD') return 'miss';
  const f = factsOf(entry);
  // §4.1: the selecting header fields must match; Vary: * never does.
  const vary = f.vary;
  if (vary === null || (vary.length > 0 && secondaryKey(req, vary) !== (entry.varyKey ?? ''))) return 'miss';
  if (headerValue(req.headers, 'authorization') !== undefined && !f.sharedDespiteAuthorization) return 'miss';
  // §5.2.2.7: fields a qualified private names must not have been kept by a shared cache.
  if (f.keepsPrivateField) return 'miss';
  // §5.2.2.4: no-cache — qualified, only while the fields it names are in the stored response.
  if (f.noCache) return 'must-revalidate';
  // §5.2.1.4: the client asks for validation.
  if (rq.noCache) return 'must-revalidate';
  const lifetime = entryLifetime(entry, f, opts);
  const age = f.initialAgeMs + Math.max(0, now - entry.storedAt);
  // §5.2.1.1: not older than the client's max-age (max-stale relaxes staleness, not age).
  if (rq.maxAge !== undefined && age > rq.maxAge) return 'must-revalidate';
  // §4.2: fresh when the lifetime exceeds the age; §5.2.1.3: and still will be for min-fresh.
  if (lifetime > age) return rq.minFresh !== undefined && lifetime - age < rq.minFresh ? 'must-revalidate' : 'fresh';
  // §4.2.4: never stale against must-revalidate (§5.2.2.2), proxy-revalidate (§5.2.2.8) or s-maxage (§5.2.2.10).
  if (f.neverStale) return 'must-revalidate';
  if (rq.minFresh !== undefined) return 'must-revalidate';
  const staleness = age - lifetime;
  if (rq.maxStale !== undefined && staleness <= rq.maxStale) return 'stale-while-revalidate';
  const swr = f.staleWhileRevalidateMs;
  if (swr !== null && staleness <= swr) return 'stale-while-revalidate';
  const sie = Math.max(f.staleIfErrorMs ?? -1, rq.staleIfError ?? -1);
  if (sie >= 0 && staleness <= sie) return 'stale-if-error-allowed';
  return 'must-revalidate';
}

/**
 * How long a store should keep an entry, in ms: its remaining freshness plus the longest window in
 * which it may still be served stale (stale-while-revalidate, stale-if-error) or revalidated
 * (`keepForRevalidationMs`, only for entries with a validator). 0: not worth storing.
 */
export function retentionMs(entry: CacheEntry, now: number, opts: CacheOptions & { keepForRevalidationMs?: number } = {}): number {
  const f = factsOf(entry);
  const left = Math.max(0, entryLifetime(entry, f, opts) - currentAge(entry, now));
  const stale = f.neverStale ? 0 : Math.max(f.staleWhileRevalidateMs ?? 0, f.staleIfErrorMs ?? 0);
  const revalidate = f.hasValidator ? (opts.keepForRevalidationMs ?? 0) : 0;
  return left + Math.max(stale, revalidate);
}

/** The Vary field names (lower-case, sorted, unique); null for `Vary: *` (§4.1). */
export function varyNames(res: HttpResponseLike): string[] | null {
  const v = headerValue(res.headers, 'vary');
  if (v === undefined) return [];
  const names = [...new Set(splitList(v.toLowerCase()))].sort();
  return names.includes('*') ? null : names;
}

/**
 * The secondary cache key (§4.1): the request's values of the fields the response's Vary names,
 * whitespace around list commas normalized. '' without Vary; null for `Vary: *` (never matches).
 */
export function varyKey(req: HttpRequestLike, res: HttpResponseLike): string | null {
  const names = varyNames(res);
  return names === null ? null : secondaryKey(req, names);
}

/** varyKey for a stored entry, its Vary read once per entry. */
export function entryVaryKey(req: HttpRequestLike, entry: CacheEntry): string | null {
  const names = factsOf(entry).vary;
  return names === null ? null : secondaryKey(req, names);
}

function secondaryKey(req: HttpRequestLike, names: readonly string[]): string {
  if (names.length === 0) return '';
  return JSON.stringify(names.map((n) => [n, normalizeValue(headerValue(req.headers, n))]));
}

function normalizeValue(v: string | undefined): string | null {
  return v === undefined ? null : v.trim().replace(/\s*,\s*/g, ',');
}

const NOT_STORED = new Set([
  // RFC 9110 §7.6.1: hop-by-hop fields, removed before forwarding (§3.1 allows doing so before storage).
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  // §3.1: fields specific to the proxy a cache forwards through.
  'proxy-authenticate',
  'proxy-authentication-info',
  'proxy-authorization',
]);

/**
 * The header lines to store with a response (§3.1): all received lines except hop-by-hop ones,
 * those the Connection field names, proxy-specific ones and those a qualified `private` or
 * `no-cache` names; plus a Date when the response had none (RFC 9110 §6.6.1).
 */
export function storableHeaders(res: HttpResponseLike, receivedAt: number): RawHeaders {
  const raw = toRaw(res.headers);
  const cc = cacheControl(res.headers);
  const drop = new Set(NOT_STORED);
  for (const n of splitList((headerValue(res.headers, 'connection') ?? '').toLowerCase())) drop.add(n);
  for (const n of fieldNames(cc.get('private'))) drop.add(n);
  for (const n of fieldNames(cc.get('no-cache'))) drop.add(n);
  const out: string[] = [];
  let hasDate = false;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (drop.has(name)) continue;
    if (name === 'date') hasDate = true;
    out.push(raw[i], raw[i + 1]);
  }
  if (!hasDate) out.push('date', new Date(receivedAt).toUTCString());
  return out;
}

export {
  invalidatedByUnsafeMethod,
  mergeNotModified,
  notModifiedForClient,
  notModifiedHeaders,
  revalidationHeaders,
} from './http-validation.js';
