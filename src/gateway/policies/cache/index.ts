/**
 * cache: an RFC 9111 shared cache for REST responses (AI routes are the `ai-cache` policy's).
 *
 * `cache` phase: look the request up. Fresh → HIT from the store. Stale within stale-while-revalidate
 * → STALE, and one background refresh. Stale otherwise (or no-cache) → a conditional request goes
 * upstream through the normal proxy path (its validators replacing the client's), answered in the
 * `response` phase: a 304 is merged and served (REVALIDATED); with stale-if-error, an origin 5xx or
 * failure serves the stale entry (STALE). No entry → MISS; concurrent misses for one key are
 * coalesced: one goes upstream, the others wait for the entry it stores (or go upstream themselves
 * when it stores none). `response` phase: a storable response streams to the client while a body tap
 * collects it (up to max_entry_bytes) for the store. Unsafe methods that succeed invalidate the URL
 * (§4.4) on every node. Store failures are misses, never errors.
 */
import type { IncomingHttpHeaders } from 'node:http';
import {
  decide,
  invalidatedByUnsafeMethod,
  mergeNotModified,
  requestDirectives,
  retentionMs,
  type RequestDirectives,
  revalidationHeaders,
  whyNotStorable,
  type CacheOptions as HttpCacheOptions,
} from '../../../cache/http-semantics.js';
import type { CacheEntry, CacheStore } from '../../../cache/types.js';
import { GantryError } from '../../../core/errors.js';
import type { RequestContext } from '../../context.js';
import { sendLocal } from '../../respond.js';
import type { PolicyDefinition } from '../types.js';
import { cleanMerged, lookup, save } from './entries.js';
import { EntryFill } from './fill.js';
import { cacheTags, keyHost, keyShape, normalizeQuery, surrogateKeys, type KeyShape } from './key.js';
import { CLIENT_CONDITIONALS, refreshEntry } from './refresh.js';
import { CacheOptions } from './schema.js';
import { answerFromEntry, setCacheStatus } from './serve.js';
import type { CacheBackend } from './stores.js';

/** How long an entry with a validator is kept after it goes stale, to be revalidated rather than refetched. */
const KEEP_FOR_REVALIDATION_MS = 10 * 60_000;
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/** What the cache phase left for the response phase, per request (kept only for requests that go upstream). */
interface Pending {
  key: string;
  /** The key's host and path + query, for the URL tag. */
  host: string;
  pathAndQuery: string;
  /** The URL tag (what a purge by URL removes), once asked for: a hit never needs it. */
  urlTag: string | null;
  /** Epoch ms the request was looked up (§4.2.3 request_time). */
  requestTime: number;
  /** The entry being revalidated, if any. */
  stale: CacheEntry | null;
  staleIfError: boolean;
  /** GET without request no-store: the response may be stored. */
  mayStore: boolean;
  /** Set on the leader of coalesced misses: hands the stored entry (or null) to the waiters. */
  settle: ((entry: CacheEntry | null) => void) | null;
  /** An unsafe method: invalidate on success. */
  invalidate: boolean;
  /** The response is complete and being written to the store: the waiters get it once written. */
  storing: boolean;
}

const PENDING = new WeakMap<RequestContext, Pending>();

/** Validation without a node: a store that is never asked. */
const DETACHED: CacheStore = {
  get: () => undefined,
  set: () => undefined,
  delete: () => false,
  deleteByTag: () => 0,
  clear: () => undefined,
  stats: () => ({ hits: 0, misses: 0, sets: 0, deletes: 0, evictions: 0, errors: 0, entries: 0, bytes: 0 }),
  close: () => undefined,
};

function headerLine(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

function primaryKey(routeId: string, host: string, pathAndQuery: string, ctx: RequestContext, shape: KeyShape): string {
  let key = `http\n${routeId}\n${host}\n${pathAndQuery}`;
  for (const name of shape.headers) key += `\n${name}:${headerLine(ctx.headers, name) ?? ''}`;
  return key;
}

function urlTagOf(ctx: RequestContext, pending: Pending): string {
  return (pending.urlTag ??= cacheTags.url(ctx.route!.id, pending.host, pending.pathAndQuery));
}

function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return v instanceof Promise;
}

function isConditional(headers: IncomingHttpHeaders): boolean {
  return headers['if-none-match'] !== undefined || headers['if-modified-since'] !== undefined;
}

export const cachePolicy: PolicyDefinition<typeof CacheOptions, RequestContext> = {
  type: 'cache',
  description: 'Cache REST responses per RFC 9111 (memory or Redis): freshness, Vary, revalidation, stale-while-revalidate, stale-if-error, coalescing, purge by URL, route, service or tag.',
  schema: CacheOptions,
  priority: 500,
  phases: ['cache', 'response'],
  create(options, env) {
    const backend: CacheBackend = options.store;
    // Throws the registry's validation error for `redis` on a node without Redis.
    const store = env.cacheStores === null ? DETACHED : env.cacheStores.get(backend);
    const registry = env.cacheStores;
    const coalescer = registry?.coalescer<CacheEntry | null>(options.coalesce_wait_ms) ?? null;
    const methods = new Set<string>(options.methods);
    const statuses = options.statuses === undefined ? null : new Set(options.statuses);
    const shape = keyShape(options.key);
    const surrogateHeader = options.surrogate_key_header.toLowerCase();
    const dropSurrogate = [surrogateHeader];
    const maxEntryBytes = options.max_entry_bytes;
    const http: HttpCacheOptions = {
      ...(options.default_ttl_seconds === undefined ? {} : { defaultTtlMs: options.default_ttl_seconds * 1000 }),
      ...(options.heuristic ? {} : { heuristic: false as const }),
      storeSetCookie: options.store_set_cookie,
    };
    const retention = { ...http, keepForRevalidationMs: KEEP_FOR_REVALIDATION_MS };

    function tagsFor(ctx: RequestContext, pending: Pending, headers: IncomingHttpHeaders): string[] {
      const route = ctx.route!;
      const tags = [cacheTags.route(route.id), cacheTags.service(route.service.id), cacheTags.team(route.teamId), urlTagOf(ctx, pending)];
      for (const t of surrogateKeys(headers[surrogateHeader])) tags.push(cacheTags.surrogate(route.teamId, t));
      return tags;
    }

    function storeEntry(key: string, entry: CacheEntry): Promise<void> {
      const ttl = retentionMs(entry, Date.now(), retention);
      return ttl > 0 ? save(store, key, entry, ttl) : Promise.resolve();
    }

    function refreshInBackground(ctx: RequestContext, pending: Pending, entry: CacheEntry): void {
      const key = pending.key;
      // Its own key: one refresh at a time per entry, whatever else is in flight for the key (a miss
      // whose store write has not been acknowledged yet, while the entry is already readable).
      const refreshKey = `refresh\n${key}`;
      if (coalescer === null || coalescer.isInFlight(refreshKey)) return;
      coalescer
        .run(refreshKey, () =>
          refreshEntry(ctx, {
            entry,
            tagsFor: (headers) => tagsFor(ctx, pending, headers),
            maxEntryBytes,
            surrogateHeader,
            httpOptions: http,
            statuses,
            store: (fresh) => storeEntry(key, fresh),
          }),
        )
        .catch(() => undefined);
    }

    /** stale-if-error when the origin cannot be reached or times out (the gateway's own 5xx). */
    function serveStaleOnError(ctx: RequestContext, _err: GantryError): boolean {
      const pending = PENDING.get(ctx);
      const res = ctx.res;
      if (pending?.stale == null || res === null || res.headersSent || res.destroyed) return false;
      ctx.call?.abort(new Error('answered from the cache'));
      answerFromEntry(ctx, pending.stale, 'STALE', Date.now());
      sendLocal(ctx);
      return true;
    }

    function cacheLookup(ctx: RequestContext): void | Promise<void> {
      if (ctx.service!.kind === 'ai') return; // the ai-cache policy's
      const method = ctx.method;
      const now = Date.now();
      const routeId = ctx.route!.id;
      const host = keyHost(ctx.headers.host, shape);
      const pathAndQuery = ctx.rawPath + normalizeQuery(ctx.query, shape);
      const key = primaryKey(routeId, host, pathAndQuery, ctx, shape);
      ctx.dropResponseHeaders(dropSurrogate);
      if (!methods.has(method)) {
        setCacheStatus(ctx, 'BYPASS');
        if (!SAFE.has(method)) {
          PENDING.set(ctx, { key, host, pathAndQuery, urlTag: null, requestTime: now, stale: null, staleIfError: false, mayStore: false, settle: null, invalidate: true, storing: false });
        }
        return;
      }
      const directives = requestDirectives(ctx);
      const pending: Pending = {
        key,
        host,
        pathAndQuery,
        urlTag: null,
        requestTime: now,
        stale: null,
        staleIfError: false,
        mayStore: method === 'GET' && !directives.noStore,
        settle: null,
        invalidate: false,
        storing: false,
      };
      const found = lookup(store, key, ctx);
      return isPromise(found) ? found.then((entry) => answer(ctx, pending, directives, entry, 0)) : answer(ctx, pending, directives, found, 0);
    }

    /**
     * Answers from `entry` when it can, or sets the request up to go upstream (a revalidation or a
     * miss), coalesced with others. `round` counts the coalesced fetches this request already waited
     * for: a waiter handed a stale entry by a miss may join (or lead) its revalidation, and after
     * that goes upstream alone.
     */
    function answer(ctx: RequestContext, pending: Pending, directives: RequestDirectives, entry: CacheEntry | null | undefined, round: number): void | Promise<void> {
      const mayCoalesce = round < 2;
      const now = Date.now();
      const action = entry == null ? 'miss' : decide(entry, ctx, now, http, directives);
      if (entry != null) {
        if (action === 'fresh') return answerFromEntry(ctx, entry, 'HIT', now);
        if (action === 'stale-while-revalidate') {
          answerFromEntry(ctx, entry, 'STALE', now);
          refreshInBackground(ctx, pending, entry);
          return;
        }
      }
      // Not answered from the store: the request goes upstream (or waits for one that does), and
      // the response phase picks its state up.
      PENDING.set(ctx, pending);
      if (entry != null && action !== 'miss' && !directives.onlyIfCached) {
        if (pending.stale === null) {
          // Revalidate through the proxy: our validators replace the client's conditions, which
          // are answered from the merged entry.
          pending.stale = entry;
          pending.staleIfError = action === 'stale-if-error-allowed';
          ctx.dropUpstreamHeaders(CLIENT_CONDITIONALS);
          ctx.addUpstreamHeaders(revalidationHeaders(entry));
          if (pending.staleIfError) ctx.upstreamFallback = serveStaleOnError;
          setCacheStatus(ctx, 'MISS');
        }
        return mayCoalesce ? coalesce(ctx, pending, directives, round) : undefined;
      }
      if (pending.stale !== null) return; // a waiter whose revalidation found nothing better: its own
      if (directives.onlyIfCached) {
        setCacheStatus(ctx, 'MISS');
        throw new GantryError('GANTRY_ERR_NOT_CACHED');
      }
      setCacheStatus(ctx, 'MISS');
      // A conditional miss may be answered 304 by the origin, not a full response to share; a
      // no-cache request asked for its own trip to the origin.
      if (round > 0 || isConditional(ctx.headers) || directives.noCache) return;
      return coalesce(ctx, pending, directives, round);
    }

    /**
     * Concurrent misses (or revalidations) of one key: the first request goes upstream and leads;
     * the others wait for the entry it stores and are answered with it, or, when it stores none
     * (not storable, origin error, client gone) or takes longer than coalesce_wait_ms, carry on
     * upstream themselves. Only GET without Authorization takes part: a HEAD answer cannot be
     * stored, and answers to Authorization are rarely shareable.
     */
    async function coalesce(ctx: RequestContext, pending: Pending, directives: RequestDirectives, round: number): Promise<void> {
      if (coalescer === null || !options.coalesce || !pending.mayStore || ctx.headers.authorization !== undefined) return;
      // A client that left while this request waited (the call is finished): it goes nowhere, so it
      // must not lead, or the fetch it leads would never settle and hold every later one for the key.
      if (ctx.finished) return;
      let leader = false;
      let settle: (entry: CacheEntry | null) => void = () => {};
      const shared = coalescer.run(pending.key, () => {
        leader = true;
        return new Promise<CacheEntry | null>((resolve) => (settle = resolve));
      });
      if (leader) {
        let settled = false;
        pending.settle = (e) => {
          if (settled) return;
          settled = true;
          pending.settle = null;
          settle(e);
        };
        // Whatever happens to this request (error, client gone), the waiters are released.
        ctx.res?.once('close', () => {
          if (!pending.storing) pending.settle?.(null);
        });
        return;
      }
      let got: CacheEntry | null;
      try {
        got = await shared;
      } catch {
        got = null; // waited too long: go upstream
      }
      // The leader's entry: fresh → HIT; stale (max-age=0, an Age past it, this request's own
      // directives) → refreshed or revalidated like any stored entry.
      if (got !== null) return answer(ctx, pending, directives, got, round + 1);
    }

    function invalidateOnSuccess(ctx: RequestContext): void {
      if (registry === null || ctx.upstreamStatus < 200 || ctx.upstreamStatus >= 400) return;
      const host = keyHost(ctx.headers.host, shape);
      const target = `http://${host === '' ? 'gantry.invalid' : host}${ctx.rawPath}${ctx.query}`;
      const tags: string[] = [];
      for (const url of invalidatedByUnsafeMethod(ctx.method, target, { status: ctx.upstreamStatus, headers: ctx.upstreamHeaders! })) {
        const u = new URL(url);
        tags.push(cacheTags.url(ctx.route!.id, host, u.pathname + normalizeQuery(u.search, shape)));
      }
      if (tags.length > 0) void registry.invalidate(tags, backend);
    }

    function cacheResponse(ctx: RequestContext): void {
      const pending = PENDING.get(ctx);
      if (pending === undefined) return;
      if (pending.invalidate) return invalidateOnSuccess(ctx);
      const status = ctx.upstreamStatus;
      const headers = ctx.upstreamHeaders!;
      const now = Date.now();
      const stale = pending.stale;
      if (stale !== null) {
        ctx.upstreamFallback = null;
        if (status === 304) {
          const merged = mergeNotModified(stale, { status, headers }, { requestTime: pending.requestTime, responseTime: now });
          if (merged !== undefined) {
            const fresh = cleanMerged(merged, surrogateHeader);
            pending.storing = true;
            void storeEntry(pending.key, fresh).then(() => pending.settle?.(fresh));
            answerFromEntry(ctx, fresh, 'REVALIDATED', now);
            return;
          }
          // A 304 for another representation than ours (§4.3.4): the client did not ask for a 304;
          // the stored response is the closest answer there is.
          pending.settle?.(null);
          answerFromEntry(ctx, stale, 'STALE', now);
          return;
        } else if (status >= 500 && pending.staleIfError) {
          pending.settle?.(null);
          answerFromEntry(ctx, stale, 'STALE', now);
          return;
        }
      }
      const settle = pending.settle;
      if (
        !pending.mayStore ||
        (statuses !== null && !statuses.has(status)) ||
        whyNotStorable({ method: 'GET', headers: ctx.headers }, { status, headers }, http) !== null ||
        Number(headers['content-length'] ?? 0) > maxEntryBytes
      ) {
        settle?.(null);
        // The origin replaced the stale entry with a response we may not keep: drop the entry.
        if (stale !== null && status < 500) void Promise.resolve(store.delete(pending.key)).catch(() => undefined);
        return;
      }
      ctx.bodyTap = new EntryFill(ctx, pending, now, maxEntryBytes, (entryHeaders) => tagsFor(ctx, pending, entryHeaders), (entry) => {
        const ttl = retentionMs(entry, Date.now(), retention);
        if (ttl <= 0) return pending.settle?.(null);
        pending.storing = true;
        // Waiters are released once the entry is stored, so requests arriving meanwhile join them
        // rather than miss.
        void save(store, pending.key, entry, ttl).then(() => pending.settle?.(entry));
      }, surrogateHeader);
    }

    return { cache: cacheLookup, response: cacheResponse };
  },
};
