/**
 * Background revalidation for stale-while-revalidate (RFC 5861 §3): the client got the stale entry;
 * one conditional request goes to the origin outside the client's pipeline, and its answer (a 304
 * merged into the entry, or a new response) replaces the entry. Failures keep the stale entry.
 * The request is built like the proxied one (same path, same upstream headers) on the route's pool.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { mergeNotModified, revalidationHeaders, whyNotStorable, type CacheOptions } from '../../../cache/http-semantics.js';
import type { CacheEntry } from '../../../cache/types.js';
import type { RequestContext } from '../../context.js';
import { upstreamPath } from '../../paths.js';
import { pickTarget } from '../../proxy/balancer.js';
import { upstreamRequestHeaders } from '../../proxy/forward-headers.js';
import { buildEntry, cleanMerged } from './entries.js';

/** Request headers the cache replaces with its own validators, or that would change what the origin sends. */
export const CLIENT_CONDITIONALS: readonly string[] = ['if-none-match', 'if-modified-since', 'if-match', 'if-unmodified-since', 'if-range', 'range'];

export interface RefreshParams {
  entry: CacheEntry;
  /** The entry's tags, from a response's headers (its surrogate keys). */
  tagsFor(headers: IncomingHttpHeaders): string[];
  maxEntryBytes: number;
  surrogateHeader: string;
  httpOptions: CacheOptions;
  statuses: ReadonlySet<number> | null;
  /** Stores the new entry (its retention computed by the caller). */
  store(entry: CacheEntry): Promise<void>;
}

function withoutConditionals(headers: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < headers.length; i += 2) {
    if (!CLIENT_CONDITIONALS.includes(headers[i].toLowerCase())) out.push(headers[i], headers[i + 1]);
  }
  return out;
}

/** Resolves with the refreshed entry, or null when the origin failed or the answer may not be stored. */
export async function refreshEntry(ctx: RequestContext, p: RefreshParams): Promise<CacheEntry | null> {
  const route = ctx.route!;
  const service = route.service;
  const index = pickTarget(service.upstream, 0);
  if (index === -1) return null;
  const requestTime = Date.now();
  const headers = withoutConditionals(upstreamRequestHeaders(ctx, undefined)).concat(revalidationHeaders(p.entry));
  try {
    const res = await service.pools[index].request({
      path: upstreamPath(route, ctx.matchedPath!, ctx.rawPath, ctx.query, ctx.params),
      method: 'GET',
      headers,
      headersTimeout: service.headerMs,
      bodyTimeout: service.totalMs,
      signal: AbortSignal.timeout(service.totalMs),
    });
    const responseTime = Date.now();
    if (res.statusCode === 304) {
      await res.body.dump();
      const merged = mergeNotModified(p.entry, { status: 304, headers: res.headers }, { requestTime, responseTime });
      if (merged === undefined) return null;
      const fresh = cleanMerged(merged, p.surrogateHeader);
      await p.store(fresh);
      return fresh;
    }
    const response = { status: res.statusCode, headers: res.headers };
    if (
      res.statusCode >= 500 ||
      (p.statuses !== null && !p.statuses.has(res.statusCode)) ||
      whyNotStorable({ method: 'GET', headers: ctx.headers }, response, p.httpOptions) !== null
    ) {
      await res.body.dump();
      return null;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > p.maxEntryBytes) {
        res.body.destroy();
        return null;
      }
      chunks.push(chunk as Buffer);
    }
    const entry = buildEntry({
      status: res.statusCode,
      headers: res.headers,
      body: Buffer.concat(chunks),
      requestTime,
      responseTime,
      tags: p.tagsFor(res.headers),
      req: ctx,
      surrogateHeader: p.surrogateHeader,
    });
    await p.store(entry);
    return entry;
  } catch {
    return null;
  }
}
