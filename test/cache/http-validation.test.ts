import { describe, expect, it } from 'vitest';
import {
  currentAge,
  invalidatedByUnsafeMethod,
  mergeNotModified,
  notModifiedForClient,
  notModifiedHeaders,
  revalidationHeaders,
  storableHeaders,
} from '../../src/cache/index.js';
import { date, NOW, req, S, stored } from './http-helpers.js';

const times = { requestTime: NOW - 100, responseTime: NOW };

describe('revalidationHeaders (§4.3.1)', () => {
  it('sends If-None-Match from ETag and If-Modified-Since from Last-Modified', () => {
    const e = stored(100, ['ETag', 'W/"v1"', 'Last-Modified', 'Mon, 05 Jan 2026 00:00:00 GMT']);
    expect(revalidationHeaders(e)).toEqual(['if-none-match', 'W/"v1"', 'if-modified-since', 'Mon, 05 Jan 2026 00:00:00 GMT']);
  });

  it('sends nothing for an entry without validators (the origin answers in full)', () => {
    expect(revalidationHeaders(stored(100))).toEqual([]);
  });
});

describe('mergeNotModified (§4.3.4, §3.2)', () => {
  const entry = stored(100, ['Cache-Control', 'max-age=60', 'Content-Length', '1', 'ETag', '"v1"', 'X-Kept', 'yes']);

  it('replaces the stored lines the 304 carries, keeps the others and the framing, and restarts the age', () => {
    const merged = mergeNotModified(entry, { status: 304, headers: { 'cache-control': 'max-age=120', date: date(NOW), etag: '"v1"', 'content-length': '0' } }, times);
    expect(merged).toBeDefined();
    expect(merged!.headers).toEqual(['Content-Length', '1', 'X-Kept', 'yes', 'cache-control', 'max-age=120', 'date', date(NOW), 'etag', '"v1"']);
    expect(merged!.body).toBe(entry.body);
    expect(merged!.storedAt).toBe(NOW);
    expect(currentAge(merged!, NOW + 5 * S)).toBe(5 * S + 100);
  });

  it('does not take hop-by-hop lines or those its Connection names', () => {
    const merged = mergeNotModified(entry, { status: 304, headers: ['ETag', '"v1"', 'Connection', 'x-hop', 'X-Hop', '1', 'Keep-Alive', 'timeout=5'] }, times);
    expect(merged!.headers.map((h) => h.toLowerCase())).not.toContain('x-hop');
    expect(merged!.headers.map((h) => h.toLowerCase())).not.toContain('keep-alive');
  });

  it('is undefined when the 304 names another representation (a different ETag)', () => {
    expect(mergeNotModified(entry, { status: 304, headers: { etag: '"v2"' } }, times)).toBeUndefined();
  });

  it('matches a strong validator only to a strong one, a weak one by weak comparison', () => {
    const weak = stored(10, ['ETag', 'W/"v1"']);
    expect(mergeNotModified(weak, { status: 304, headers: { etag: '"v1"' } }, times)).toBeUndefined();
    expect(mergeNotModified(entry, { status: 304, headers: { etag: 'W/"v1"' } }, times)).toBeDefined();
  });

  it('matches by Last-Modified when the 304 has no ETag', () => {
    const lm = 'Mon, 05 Jan 2026 00:00:00 GMT';
    const e = stored(10, ['Last-Modified', lm]);
    expect(mergeNotModified(e, { status: 304, headers: { 'last-modified': lm } }, times)).toBeDefined();
    expect(mergeNotModified(e, { status: 304, headers: { 'last-modified': 'Tue, 06 Jan 2026 00:00:00 GMT' } }, times)).toBeUndefined();
  });

  it('uses a 304 without validators only for an entry without validators', () => {
    expect(mergeNotModified(entry, { status: 304, headers: {} }, times)).toBeUndefined();
    expect(mergeNotModified(stored(10), { status: 304, headers: {} }, times)).toBeDefined();
  });

  it('ignores anything but a 304', () => {
    expect(mergeNotModified(entry, { status: 200, headers: { etag: '"v1"' } }, times)).toBeUndefined();
  });
});

describe("answering a client's conditional request from the cache (§4.3.2)", () => {
  const e = stored(10, ['ETag', '"v1"', 'Last-Modified', 'Mon, 05 Jan 2026 00:00:00 GMT', 'Cache-Control', 'max-age=60', 'Content-Type', 'text/plain']);

  it('If-None-Match: weak comparison against any listed tag, or *', () => {
    expect(notModifiedForClient(req('GET', { 'if-none-match': '"x", W/"v1"' }), e)).toBe(true);
    expect(notModifiedForClient(req('GET', { 'if-none-match': '*' }), e)).toBe(true);
    expect(notModifiedForClient(req('GET', { 'if-none-match': '"v2"' }), e)).toBe(false);
  });

  it('If-Modified-Since: not modified when Last-Modified is at or before it; ignored next to If-None-Match', () => {
    expect(notModifiedForClient(req('GET', { 'if-modified-since': 'Mon, 05 Jan 2026 00:00:00 GMT' }), e)).toBe(true);
    expect(notModifiedForClient(req('GET', { 'if-modified-since': 'Sun, 04 Jan 2026 00:00:00 GMT' }), e)).toBe(false);
    expect(notModifiedForClient(req('GET', { 'if-modified-since': 'yesterday' }), e)).toBe(false);
    expect(notModifiedForClient(req('GET', { 'if-none-match': '"v2"', 'if-modified-since': 'Mon, 05 Jan 2026 00:00:00 GMT' }), e)).toBe(false);
  });

  it('only for GET and HEAD', () => {
    expect(notModifiedForClient(req('POST', { 'if-none-match': '*' }), e)).toBe(false);
    expect(notModifiedForClient(req('HEAD', { 'if-none-match': '"v1"' }), e)).toBe(true);
  });

  it('a 304 carries Cache-Control, Content-Location, Date, ETag, Expires and Vary (RFC 9110 §15.4.5)', () => {
    expect(notModifiedHeaders(e)).toEqual(['Date', e.headers[1], 'ETag', '"v1"', 'Cache-Control', 'max-age=60']);
  });
});

describe('invalidatedByUnsafeMethod (§4.4)', () => {
  const target = 'https://api.example.com/items/1?x=1';

  it('invalidates the target URI and same-origin Location / Content-Location after a 2xx or 3xx', () => {
    expect(invalidatedByUnsafeMethod('POST', target, { status: 201, headers: { location: '/items/2', 'content-location': 'https://api.example.com/items/1' } })).toEqual([
      target,
      'https://api.example.com/items/2',
      'https://api.example.com/items/1',
    ]);
    expect(invalidatedByUnsafeMethod('DELETE', target, { status: 204, headers: {} })).toEqual([target]);
    expect(invalidatedByUnsafeMethod('PUT', target, { status: 303, headers: {} })).toEqual([target]);
  });

  it('treats a method of unknown safety as unsafe', () => {
    expect(invalidatedByUnsafeMethod('PURGEALL', target, { status: 200, headers: {} })).toEqual([target]);
  });

  it('never invalidates another origin named by Location or Content-Location', () => {
    expect(invalidatedByUnsafeMethod('POST', target, { status: 200, headers: { location: 'https://other.example/x', 'content-location': 'http://api.example.com/x' } })).toEqual([target]);
  });

  it('invalidates nothing for safe methods or error answers', () => {
    for (const m of ['GET', 'HEAD', 'OPTIONS', 'TRACE']) expect(invalidatedByUnsafeMethod(m, target, { status: 200, headers: {} })).toEqual([]);
    expect(invalidatedByUnsafeMethod('POST', target, { status: 404, headers: {} })).toEqual([]);
    expect(invalidatedByUnsafeMethod('POST', target, { status: 500, headers: {} })).toEqual([]);
  });
});

describe('storableHeaders (§3.1)', () => {
  it('drops hop-by-hop and Connection-named lines, proxy fields, and fields a qualified private / no-cache names', () => {
    const raw = [
      'Content-Type', 'text/plain',
      'Connection', 'close, X-Hop',
      'X-Hop', '1',
      'Keep-Alive', 'timeout=5',
      'Transfer-Encoding', 'chunked',
      'Proxy-Authenticate', 'Basic',
      'Cache-Control', 'private="X-User", no-cache="X-Debug", max-age=60',
      'X-User', 'ann',
      'X-Debug', 'on',
      'Set-Cookie', 'a=1',
      'set-cookie', 'b=2',
      'Date', date(NOW),
    ];
    expect(storableHeaders({ status: 200, headers: raw }, NOW)).toEqual([
      'Content-Type', 'text/plain',
      'Cache-Control', 'private="X-User", no-cache="X-Debug", max-age=60',
      'Set-Cookie', 'a=1',
      'set-cookie', 'b=2',
      'Date', date(NOW),
    ]);
  });

  it('adds a Date when the response had none (RFC 9110 §6.6.1)', () => {
    expect(storableHeaders({ status: 200, headers: { 'content-type': 'a/b' } }, NOW)).toEqual(['content-type', 'a/b', 'date', date(NOW)]);
  });
});
