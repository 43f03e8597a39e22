import { describe, expect, it } from 'vitest';
import { isStorable, whyNotStorable } from '../../src/cache/index.js';
import { req, res } from './http-helpers.js';

type Row = [title: string, method: string, reqHeaders: Record<string, string>, status: number, resHeaders: Record<string, string>, reason: string | null];

const ROWS: Row[] = [
  // §3: a response to GET is storable when its status is heuristically cacheable (RFC 9110 §15.1).
  ['GET 200 with no cache directives', 'GET', {}, 200, {}, null],
  ['HEAD 200', 'HEAD', {}, 200, {}, null],
  ...[203, 204, 300, 301, 308, 404, 405, 410, 414, 501].map((s): Row => [`GET ${s} (heuristically cacheable)`, 'GET', {}, s, {}, null]),
  // §3: the method must be understood; Gantry caches GET and HEAD only.
  ['POST 200 even with max-age', 'POST', {}, 200, { 'cache-control': 'max-age=60' }, 'method'],
  ['PUT 200', 'PUT', {}, 200, { 'cache-control': 'max-age=60' }, 'method'],
  // §3: final statuses only; 206 and 304 need handling Gantry does not do (§3.3, §4.3.4).
  ['206 Partial Content', 'GET', {}, 206, { 'cache-control': 'max-age=60' }, 'status'],
  ['304 Not Modified', 'GET', {}, 304, {}, 'status'],
  ['1xx', 'GET', {}, 103, {}, 'status'],
  // §3: other statuses only with explicit freshness or public.
  ['302 without directives', 'GET', {}, 302, {}, 'not-cacheable-status'],
  ['500 without directives', 'GET', {}, 500, {}, 'not-cacheable-status'],
  ['302 with max-age', 'GET', {}, 302, { 'cache-control': 'max-age=60' }, null],
  ['500 with Expires', 'GET', {}, 500, { expires: 'Thu, 01 Jan 2099 00:00:00 GMT' }, null],
  ['307 with public', 'GET', {}, 307, { 'cache-control': 'public' }, null],
  ['503 with s-maxage', 'GET', {}, 503, { 'cache-control': 's-maxage=5' }, null],
  // §5.2.2.5 and §5.2.1.5: no-store in the response or the request; directive names are case-insensitive.
  ['response no-store', 'GET', {}, 200, { 'cache-control': 'max-age=60, no-store' }, 'no-store'],
  ['response NO-STORE (case)', 'GET', {}, 200, { 'cache-control': 'NO-STORE' }, 'no-store'],
  ['request no-store', 'GET', { 'cache-control': 'no-store' }, 200, { 'cache-control': 'max-age=60' }, 'no-store (request)'],
  // §5.2.2.3: must-understand with an understood status overrides no-store; otherwise not storable.
  ['must-understand + no-store on 200', 'GET', {}, 200, { 'cache-control': 'must-understand, no-store, max-age=60' }, null],
  ['must-understand on a status not implemented', 'GET', {}, 302, { 'cache-control': 'must-understand, no-store, max-age=60' }, 'must-understand'],
  // §5.2.2.7: a shared cache must not store private; a qualified private only forbids the fields it names.
  ['private', 'GET', {}, 200, { 'cache-control': 'private, max-age=60' }, 'private'],
  ['private="x-user" (qualified)', 'GET', {}, 200, { 'cache-control': 'private="x-user", max-age=60' }, null],
  // §3.5: a request with Authorization only with public, s-maxage or must-revalidate.
  ['Authorization, max-age only', 'GET', { authorization: 'Bearer t' }, 200, { 'cache-control': 'max-age=60' }, 'authorization'],
  ['Authorization, no directives', 'GET', { authorization: 'Bearer t' }, 200, {}, 'authorization'],
  ['Authorization + public', 'GET', { authorization: 'Bearer t' }, 200, { 'cache-control': 'public, max-age=60' }, null],
  ['Authorization + s-maxage', 'GET', { authorization: 'Bearer t' }, 200, { 'cache-control': 's-maxage=60' }, null],
  ['Authorization + must-revalidate', 'GET', { authorization: 'Bearer t' }, 200, { 'cache-control': 'must-revalidate, max-age=60' }, null],
  // Gantry's choice (§7.3 allows storing): not a response that sets a cookie, unless configured.
  ['Set-Cookie', 'GET', {}, 200, { 'cache-control': 'max-age=60', 'set-cookie': 'sid=1' }, 'set-cookie'],
  // §4.1: Vary: * never matches, so storing it is pointless.
  ['Vary: *', 'GET', {}, 200, { 'cache-control': 'max-age=60', vary: '*' }, 'vary-star'],
  ['Vary: Accept-Encoding', 'GET', {}, 200, { 'cache-control': 'max-age=60', vary: 'Accept-Encoding' }, null],
];

describe('isStorable: RFC 9111 §3 for a shared cache', () => {
  it.each(ROWS)('%s', (_title, method, reqHeaders, status, resHeaders, reason) => {
    expect(whyNotStorable(req(method, reqHeaders), res(status, resHeaders))).toBe(reason);
    expect(isStorable(req(method, reqHeaders), res(status, resHeaders))).toBe(reason === null);
  });

  it('stores Set-Cookie responses when storeSetCookie is set', () => {
    expect(isStorable(req(), res(200, { 'set-cookie': 'a=1' }), { storeSetCookie: true })).toBe(true);
  });

  it('reads raw header pairs of any case as well as header records', () => {
    expect(whyNotStorable({ method: 'GET', headers: ['Authorization', 'x'] }, { status: 200, headers: ['Cache-Control', 'Public'] })).toBe(null);
    expect(whyNotStorable({ method: 'GET', headers: [] }, { status: 200, headers: ['CACHE-CONTROL', 'no-store'] })).toBe('no-store');
    expect(whyNotStorable(req(), { status: 200, headers: { 'cache-control': ['max-age=1', 'private'] } })).toBe('private');
  });
});
