/**
 * Cache keys and tags for REST responses. Pure functions, shared by the policy (on the request path)
 * and by purges (admin API, data planes), which must compute the same key tag for a URL.
 *
 * The primary key is route + (host) + path + normalized query (+ the values of `key.headers`); Vary
 * adds a secondary key (see index.ts). Every entry carries tags: its route, service and team, its key
 * tag (route + host + path + query: what a purge by URL removes, every Vary variant included), and
 * its surrogate keys namespaced by the route's team, so a team can only ever purge its own.
 */
import { createHash } from 'node:crypto';
import type { CacheKeyOptions } from './schema.js';

/** Tag namespaces, shared with the AI cache so that purges by route, service or team reach both. */
export const cacheTags = {
  route: (routeId: string): string => `route:${routeId}`,
  service: (serviceId: string): string => `service:${serviceId}`,
  team: (teamId: string): string => `team:${teamId}`,
  surrogate: (teamId: string, tag: string): string => `sk:${teamId}:${tag}`,
  url: (routeId: string, host: string, pathAndQuery: string): string =>
    `url:${createHash('sha256').update(`${routeId}\n${host}\n${pathAndQuery}`).digest('base64url').slice(0, 32)}`,
};

export interface KeyShape {
  query: 'all' | 'none';
  include: ReadonlySet<string> | null;
  exclude: ReadonlySet<string>;
  headers: readonly string[];
  host: boolean;
}

export function keyShape(opts: CacheKeyOptions): KeyShape {
  return {
    query: opts.query,
    include: opts.query_params === undefined ? null : new Set(opts.query_params),
    exclude: new Set(opts.ignore_query_params ?? []),
    headers: opts.headers.map((h) => h.toLowerCase()),
    host: opts.host,
  };
}

export const DEFAULT_KEY_SHAPE: KeyShape = keyShape({ query: 'all', headers: [], host: true });

function paramName(pair: string): string {
  const eq = pair.indexOf('=');
  const raw = eq === -1 ? pair : pair.slice(0, eq);
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

/**
 * The query as it joins the key: `''` or `?` + the kept `name=value` pairs as sent (not decoded), in
 * sorted order, so `?b=2&a=1` and `?a=1&b=2` share an entry.
 */
export function normalizeQuery(query: string, shape: KeyShape): string {
  if (shape.query === 'none' || query.length <= 1) return '';
  const pairs: string[] = [];
  for (const pair of query.slice(1).split('&')) {
    if (pair === '') continue;
    const name = paramName(pair);
    if (shape.exclude.has(name)) continue;
    if (shape.include !== null && !shape.include.has(name)) continue;
    pairs.push(pair);
  }
  if (pairs.length === 0) return '';
  pairs.sort();
  return `?${pairs.join('&')}`;
}

/** Lower-cased host without port, as the key sees it (`''` when the key ignores the host). */
export function keyHost(host: string | undefined, shape: KeyShape): string {
  if (!shape.host || host === undefined) return '';
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end === -1 ? h : h.slice(0, end + 1);
  }
  const colon = h.indexOf(':');
  return colon === -1 ? h : h.slice(0, colon);
}

/** Splits `/path?query` into its parts. */
export function splitPath(pathAndQuery: string): { path: string; query: string } {
  const q = pathAndQuery.indexOf('?');
  return q === -1 ? { path: pathAndQuery, query: '' } : { path: pathAndQuery.slice(0, q), query: pathAndQuery.slice(q) };
}

/** Surrogate keys from the response header: space-separated, bounded in number and length. */
export function surrogateKeys(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const joined = typeof value === 'string' ? value : value.join(' ');
  const out = new Set<string>();
  for (const t of joined.split(/\s+/)) {
    if (t === '' || t.length > 256) continue;
    out.add(t);
    if (out.size === 64) break;
  }
  return [...out];
}
