/**
 * Reading and writing REST cache entries, Vary included. A response without Vary is stored under
 * its primary key. A response with Vary is stored under `<primary>\n<secondary key>` (RFC 9111 §4.1),
 * and the primary key holds a small marker (status 0) naming the Vary fields, so one lookup says
 * which variant to read. Store failures are misses: nothing here throws.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { entryVaryKey, storableHeaders, varyKey, varyNames, type HttpRequestLike } from '../../../cache/http-semantics.js';
import type { CacheEntry, CacheStore, MaybePromise, RawHeaders } from '../../../cache/types.js';

const VARY_MARKER = 0;
const EMPTY = Buffer.alloc(0);

/** Never stored: the gateway sets its own, and the surrogate key header is for the gateway only. */
const DROP_ON_STORE = new Set(['x-request-id', 'x-gantry-cache']);

function variantKey(key: string, secondary: string): string {
  return `${key}\n${secondary}`;
}

function isPromise<T>(v: MaybePromise<T>): v is Promise<T> {
  return v instanceof Promise;
}

function missOnError(): undefined {
  return undefined;
}

/** A store's `get`, failures as misses; synchronous when the store is (memory), so a hit costs no promise. */
function read(store: CacheStore, key: string): MaybePromise<CacheEntry | undefined> {
  try {
    const got = store.get(key);
    return isPromise(got) ? got.catch(missOnError) : got;
  } catch {
    return undefined;
  }
}

function variantOf(store: CacheStore, key: string, req: HttpRequestLike, found: CacheEntry | undefined): MaybePromise<CacheEntry | undefined> {
  if (found === undefined || found.status !== VARY_MARKER) return found;
  const secondary = entryVaryKey(req, found);
  if (secondary === null) return undefined;
  return read(store, variantKey(key, secondary));
}

export function lookup(store: CacheStore, key: string, req: HttpRequestLike): MaybePromise<CacheEntry | undefined> {
  const found = read(store, key);
  return isPromise(found) ? found.then((f) => variantOf(store, key, req, f)) : variantOf(store, key, req, found);
}

export async function save(store: CacheStore, key: string, entry: CacheEntry, ttlMs: number): Promise<void> {
  try {
    const names = varyNames(entry);
    if (names === null) return;
    if (names.length === 0) {
      await store.set(key, entry, ttlMs);
      return;
    }
    const marker: CacheEntry = { status: VARY_MARKER, headers: ['vary', names.join(', ')], body: EMPTY, storedAt: entry.storedAt, tags: entry.tags };
    await store.set(key, marker, ttlMs);
    await store.set(variantKey(key, entry.varyKey ?? ''), entry, ttlMs);
  } catch {
    // a store that cannot take it: the response was served, the next request is a miss
  }
}

/** The header lines kept with a response: RFC 9111 §3.1's, less the gateway's own and the surrogate key header. */
export function headersToStore(status: number, headers: IncomingHttpHeaders, receivedAt: number, surrogateHeader: string): RawHeaders {
  const lines = storableHeaders({ status, headers }, receivedAt);
  const out: string[] = [];
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const name = lines[i].toLowerCase();
    if (DROP_ON_STORE.has(name) || name === surrogateHeader) continue;
    out.push(lines[i], lines[i + 1]);
  }
  return out;
}

/** Drops the lines a 304 merge may have brought back (surrogate key, gateway headers). */
export function cleanMerged(entry: CacheEntry, surrogateHeader: string): CacheEntry {
  const out: string[] = [];
  const h = entry.headers;
  for (let i = 0; i + 1 < h.length; i += 2) {
    const name = h[i].toLowerCase();
    if (DROP_ON_STORE.has(name) || name === surrogateHeader) continue;
    out.push(h[i], h[i + 1]);
  }
  return out.length === h.length ? entry : { ...entry, headers: out };
}

export interface EntryParts {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  requestTime: number;
  responseTime: number;
  tags: readonly string[];
  req: HttpRequestLike;
  surrogateHeader: string;
}

export function buildEntry(p: EntryParts): CacheEntry {
  const entry: CacheEntry = {
    status: p.status,
    headers: headersToStore(p.status, p.headers, p.responseTime, p.surrogateHeader),
    body: p.body,
    storedAt: p.responseTime,
    requestTime: p.requestTime,
    tags: p.tags,
  };
  const secondary = varyKey(p.req, entry);
  if (secondary !== null && secondary !== '') entry.varyKey = secondary;
  return entry;
}
