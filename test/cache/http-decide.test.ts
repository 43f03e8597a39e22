import { describe, expect, it } from 'vitest';
import { decide, requestDirectives, retentionMs, varyKey, type CacheAction, type CacheEntry } from '../../src/cache/index.js';
import { date, DAY, HOUR, NOW, req, S, stored } from './http-helpers.js';

type Row = [title: string, entry: CacheEntry, method: string, reqHeaders: Record<string, string>, expected: CacheAction];

const cc = (v: string) => ['Cache-Control', v];

const ROWS: Row[] = [
  // §4.2: fresh while the freshness lifetime exceeds the current age (strictly).
  ['max-age=60 at age 30', stored(30, cc('max-age=60')), 'GET', {}, 'fresh'],
  ['max-age=60 at age 60 (no longer fresh)', stored(60, cc('max-age=60')), 'GET', {}, 'must-revalidate'],
  ['max-age=60 at age 61', stored(61, cc('max-age=60')), 'GET', {}, 'must-revalidate'],
  ['s-maxage=60 at age 30', stored(30, cc('s-maxage=60')), 'GET', {}, 'fresh'],
  ['Expires an hour after Date, at age 30 min', stored(1800, ['Expires', date(NOW - 1800 * S + HOUR)]), 'GET', {}, 'fresh'],
  // §4: a stored GET response answers HEAD too; other methods never.
  ['HEAD on a fresh entry', stored(30, cc('max-age=60')), 'HEAD', {}, 'fresh'],
  ['POST', stored(30, cc('max-age=60')), 'POST', {}, 'miss'],
  // RFC 5861 §3: stale-while-revalidate, up to its window.
  ['stale by 20 s within stale-while-revalidate=30', stored(80, cc('max-age=60, stale-while-revalidate=30')), 'GET', {}, 'stale-while-revalidate'],
  ['stale by 31 s beyond stale-while-revalidate=30', stored(91, cc('max-age=60, stale-while-revalidate=30')), 'GET', {}, 'must-revalidate'],
  // RFC 5861 §4: stale-if-error in the response or in the request.
  ['stale by 140 s within stale-if-error=300', stored(200, cc('max-age=60, stale-if-error=300')), 'GET', {}, 'stale-if-error-allowed'],
  ['stale beyond stale-if-error', stored(400, cc('max-age=60, stale-if-error=300')), 'GET', {}, 'must-revalidate'],
  ['request stale-if-error=300', stored(100, cc('max-age=60')), 'GET', { 'cache-control': 'stale-if-error=300' }, 'stale-if-error-allowed'],
  ['swr window over, stale-if-error still open', stored(100, cc('max-age=60, stale-while-revalidate=10, stale-if-error=100')), 'GET', {}, 'stale-if-error-allowed'],
  // §4.2.4 with §5.2.2.2, §5.2.2.8, §5.2.2.10: never serve stale against must-revalidate, proxy-revalidate, s-maxage.
  ['must-revalidate overrides stale-while-revalidate', stored(70, cc('max-age=60, must-revalidate, stale-while-revalidate=30')), 'GET', {}, 'must-revalidate'],
  ['proxy-revalidate overrides stale-if-error', stored(70, cc('max-age=60, proxy-revalidate, stale-if-error=300')), 'GET', {}, 'must-revalidate'],
  ['s-maxage implies proxy-revalidate', stored(70, cc('s-maxage=60, stale-while-revalidate=30')), 'GET', {}, 'must-revalidate'],
  ['must-revalidate still fresh', stored(30, cc('max-age=60, must-revalidate')), 'GET', {}, 'fresh'],
  // §5.2.2.4: no-cache in the response: validate before every use; qualified only while its fields are stored.
  ['response no-cache', stored(0, cc('max-age=60, no-cache')), 'GET', {}, 'must-revalidate'],
  ['no-cache="x-secret" with x-secret stored', stored(0, [...cc('max-age=60, no-cache="x-secret"'), 'X-Secret', '1']), 'GET', {}, 'must-revalidate'],
  ['no-cache="x-secret" with x-secret stripped', stored(0, cc('max-age=60, no-cache="x-secret"')), 'GET', {}, 'fresh'],
  // §5.2.1.4: request no-cache; §5.4: Pragma: no-cache only without Cache-Control.
  ['request no-cache', stored(0, cc('max-age=60')), 'GET', { 'cache-control': 'no-cache' }, 'must-revalidate'],
  ['request Pragma: no-cache', stored(0, cc('max-age=60')), 'GET', { pragma: 'no-cache' }, 'must-revalidate'],
  ['Pragma ignored next to Cache-Control', stored(0, cc('max-age=60')), 'GET', { pragma: 'no-cache', 'cache-control': 'max-age=100' }, 'fresh'],
  // §5.2.1.1: request max-age bounds the age.
  ['request max-age=10 at age 30', stored(30, cc('max-age=60')), 'GET', { 'cache-control': 'max-age=10' }, 'must-revalidate'],
  ['request max-age=40 at age 30', stored(30, cc('max-age=60')), 'GET', { 'cache-control': 'max-age=40' }, 'fresh'],
  ['request max-age=0', stored(0, cc('max-age=60')), 'GET', { 'cache-control': 'max-age=0' }, 'fresh'],
  ['request max-age=0 at age 1', stored(1, cc('max-age=60')), 'GET', { 'cache-control': 'max-age=0' }, 'must-revalidate'],
  // §5.2.1.3: min-fresh.
  ['request min-fresh=40 with 30 s left', stored(30, cc('max-age=60')), 'GET', { 'cache-control': 'min-fresh=40' }, 'must-revalidate'],
  ['request min-fresh=20 with 30 s left', stored(30, cc('max-age=60')), 'GET', { 'cache-control': 'min-fresh=20' }, 'fresh'],
  // §5.2.1.2: max-stale, bare (any staleness) or bounded; never against must-revalidate.
  ['bare max-stale, very stale', stored(10_000, cc('max-age=60')), 'GET', { 'cache-control': 'max-stale' }, 'stale-while-revalidate'],
  ['max-stale=100, stale by 90 s', stored(150, cc('max-age=60')), 'GET', { 'cache-control': 'max-stale=100' }, 'stale-while-revalidate'],
  ['max-stale=100, stale by 140 s', stored(200, cc('max-age=60')), 'GET', { 'cache-control': 'max-stale=100' }, 'must-revalidate'],
  ['max-stale against must-revalidate', stored(70, cc('max-age=60, must-revalidate')), 'GET', { 'cache-control': 'max-stale' }, 'must-revalidate'],
  // §4.1: Vary: the selecting request fields must match; * never does.
  ['Vary match', stored(0, [...cc('max-age=60'), 'Vary', 'Accept-Encoding'], { varyKey: '[["accept-encoding","gzip"]]' }), 'GET', { 'accept-encoding': 'gzip' }, 'fresh'],
  ['Vary mismatch', stored(0, [...cc('max-age=60'), 'Vary', 'Accept-Encoding'], { varyKey: '[["accept-encoding","gzip"]]' }), 'GET', { 'accept-encoding': 'br' }, 'miss'],
  ['Vary: field absent from the new request', stored(0, [...cc('max-age=60'), 'Vary', 'Accept-Encoding'], { varyKey: '[["accept-encoding","gzip"]]' }), 'GET', {}, 'miss'],
  ['Vary: *', stored(0, [...cc('max-age=60'), 'Vary', '*']), 'GET', {}, 'miss'],
  // §3.5, applied to reuse: a request with Authorization only gets responses marked shareable.
  ['Authorization, entry with max-age only', stored(0, cc('max-age=60')), 'GET', { authorization: 'Bearer x' }, 'miss'],
  ['Authorization, entry public', stored(0, cc('public, max-age=60')), 'GET', { authorization: 'Bearer x' }, 'fresh'],
  // §5.2.2.7: a field named by a qualified private must not have been kept.
  ['private="x-user" with x-user stored', stored(0, [...cc('private="x-user", max-age=60'), 'X-User', 'ann']), 'GET', {}, 'miss'],
  // §4.2.2: heuristic freshness from Last-Modified (24 h cap here).
  ['heuristic, age 1 h', stored(3600, ['Last-Modified', date(NOW - 3600 * S - 10 * DAY)]), 'GET', {}, 'fresh'],
  ['heuristic, age 25 h', stored(25 * 3600, ['Last-Modified', date(NOW - 25 * HOUR - 10 * DAY)]), 'GET', {}, 'must-revalidate'],
];

describe('decide: RFC 9111 §4 (and RFC 5861) for a shared cache', () => {
  it.each(ROWS)('%s', (_t, entry, method, headers, expected) => {
    expect(decide(entry, req(method, headers), NOW)).toBe(expected);
  });

  it('applies the configured default TTL where the response allows one', () => {
    const e = stored(30);
    expect(decide(e, req(), NOW)).toBe('must-revalidate');
    expect(decide(e, req(), NOW, { defaultTtlMs: 60_000 })).toBe('fresh');
  });

  it('reads one entry again under other options and at other times alike (what it parsed once is not stale)', () => {
    const e = stored(30, ['Last-Modified', date(NOW - 30 * S - 10 * DAY)]);
    expect(decide(e, req(), NOW, { defaultTtlMs: 10_000 })).toBe('must-revalidate');
    expect(decide(e, req(), NOW, { defaultTtlMs: 60_000 })).toBe('fresh');
    expect(decide(e, req(), NOW + 31 * S, { defaultTtlMs: 60_000 })).toBe('must-revalidate');
    expect(decide(e, req(), NOW, { heuristic: false })).toBe('must-revalidate');
    expect(decide(e, req(), NOW)).toBe('fresh'); // a tenth of 10 days, from Last-Modified
  });
});

describe('requestDirectives (§5.2.1)', () => {
  it('reads each directive, with bare max-stale as any staleness and an invalid max-age as 0', () => {
    expect(requestDirectives(req('GET', { 'cache-control': 'no-cache, no-store, only-if-cached, max-age=x, max-stale, min-fresh=5, stale-if-error=9' }))).toEqual({
      noCache: true,
      noStore: true,
      onlyIfCached: true,
      maxAge: 0,
      maxStale: Infinity,
      minFresh: 5000,
      staleIfError: 9000,
    });
    expect(requestDirectives(req())).toEqual({ noCache: false, noStore: false, onlyIfCached: false });
  });
});

describe('varyKey (§4.1)', () => {
  const res = (vary?: string) => ({ status: 200, headers: vary === undefined ? {} : { vary } });
  it('is empty without Vary and null for Vary: *', () => {
    expect(varyKey(req(), res())).toBe('');
    expect(varyKey(req(), res('Accept, *'))).toBeNull();
  });

  it('depends on the named fields only, whatever their order and case in Vary', () => {
    const r = req('GET', { accept: 'text/html', 'accept-encoding': 'gzip', 'user-agent': 'x' });
    expect(varyKey(r, res('Accept-Encoding, Accept'))).toBe(varyKey(r, res('accept,ACCEPT-ENCODING')));
    expect(varyKey(r, res('Accept'))).not.toBe(varyKey({ ...r, headers: { ...r.headers, accept: 'application/json' } }, res('Accept')));
    expect(varyKey(r, res('Accept'))).toBe(varyKey({ ...r, headers: { ...r.headers, 'user-agent': 'y' } }, res('Accept')));
  });

  it('normalizes whitespace around list commas, and tells an absent field from an empty one', () => {
    const a = varyKey(req('GET', { 'accept-encoding': ' gzip ,  br' }), res('Accept-Encoding'));
    expect(a).toBe(varyKey(req('GET', { 'accept-encoding': 'gzip,br' }), res('Accept-Encoding')));
    expect(varyKey(req('GET', {}), res('Accept-Encoding'))).not.toBe(varyKey(req('GET', { 'accept-encoding': '' }), res('Accept-Encoding')));
  });
});

describe('retentionMs', () => {
  it('keeps an entry for its remaining freshness plus its stale windows', () => {
    expect(retentionMs(stored(10, cc('max-age=60, stale-while-revalidate=30, stale-if-error=20')), NOW)).toBe(80 * S);
  });

  it('gives no stale window where stale serving is forbidden', () => {
    expect(retentionMs(stored(10, cc('max-age=60, must-revalidate, stale-while-revalidate=30')), NOW)).toBe(50 * S);
  });

  it('keeps an entry with a validator for revalidation when asked', () => {
    expect(retentionMs(stored(100, [...cc('max-age=60'), 'ETag', '"a"']), NOW, { keepForRevalidationMs: HOUR })).toBe(HOUR);
    expect(retentionMs(stored(100, cc('max-age=60')), NOW, { keepForRevalidationMs: HOUR })).toBe(0);
  });
});
