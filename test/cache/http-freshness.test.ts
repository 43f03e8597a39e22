import { describe, expect, it } from 'vitest';
import { currentAge, freshnessLifetime, parseCacheControl, parseHttpDate, type CacheOptions } from '../../src/cache/index.js';
import { date, DAY, HOUR, NOW, res, S, stored } from './http-helpers.js';

type Row = [title: string, status: number, headers: Record<string, string>, opts: CacheOptions, expectedMs: number];

const ROWS: Row[] = [
  // §4.2.1: a shared cache uses s-maxage first, then max-age, then Expires − Date.
  ['s-maxage wins over max-age', 200, { 'cache-control': 'max-age=30, s-maxage=60' }, {}, 60 * S],
  ['max-age', 200, { 'cache-control': 'max-age=30' }, {}, 30 * S],
  // §5.3: with max-age (or s-maxage) present, Expires is ignored.
  ['max-age wins over Expires', 200, { 'cache-control': 'max-age=30', date: date(NOW), expires: date(NOW + HOUR) }, {}, 30 * S],
  ['Expires − Date', 200, { date: date(NOW), expires: date(NOW + 120 * S) }, {}, 120 * S],
  // RFC 9110 §6.6.1: no Date → the time the response was received.
  ['Expires without Date: Expires − receive time', 200, { expires: date(NOW + 90 * S) }, {}, 90 * S],
  // §5.3: invalid dates, "0" especially, mean already expired.
  ['Expires: 0', 200, { date: date(NOW), expires: '0' }, {}, 0],
  ['Expires in the past', 200, { date: date(NOW), expires: date(NOW - HOUR) }, {}, 0],
  // §4.2.1: invalid freshness information is stale; §1.2.2: delta-seconds overflow is 2^31.
  ['max-age=abc', 200, { 'cache-control': 'max-age=abc' }, {}, 0],
  ['max-age=-5', 200, { 'cache-control': 'max-age=-5' }, {}, 0],
  ['max-age past 2^31', 200, { 'cache-control': 'max-age=99999999999' }, {}, 2147483648 * S],
  ['quoted max-age="60"', 200, { 'cache-control': 'max-age="60"' }, {}, 60 * S],
  // §4.2.1: the first of duplicated directives is used.
  ['duplicate max-age: first wins', 200, { 'cache-control': 'max-age=10, max-age=20' }, {}, 10 * S],
  // §4.2.2: heuristic (10% of Date − Last-Modified, capped at 24 h) only without explicit expiration.
  ['heuristic: 10% of 5 days', 200, { date: date(NOW), 'last-modified': date(NOW - 5 * DAY) }, {}, 12 * HOUR],
  ['heuristic capped at 24 h', 200, { date: date(NOW), 'last-modified': date(NOW - 100 * DAY) }, {}, DAY],
  ['heuristic with a custom fraction and cap', 200, { date: date(NOW), 'last-modified': date(NOW - 10 * DAY) }, { heuristic: { fraction: 0.05, maxMs: 10 * HOUR } }, 10 * HOUR],
  ['heuristic off', 200, { date: date(NOW), 'last-modified': date(NOW - DAY) }, { heuristic: false }, 0],
  ['no heuristic with explicit max-age=0', 200, { 'cache-control': 'max-age=0', date: date(NOW), 'last-modified': date(NOW - DAY) }, {}, 0],
  ['no heuristic for 302 (not heuristically cacheable)', 302, { date: date(NOW), 'last-modified': date(NOW - DAY) }, {}, 0],
  ['heuristic for 302 marked public', 302, { 'cache-control': 'public', date: date(NOW), 'last-modified': date(NOW - DAY) }, {}, 0.1 * DAY],
  ['no heuristic when Last-Modified is after Date', 200, { date: date(NOW), 'last-modified': date(NOW + HOUR) }, {}, 0],
  ['no Last-Modified, no default: 0', 200, {}, {}, 0],
  // The configured default TTL stands in for the heuristic, and only where one is allowed.
  ['default TTL for a 200 without expiration', 200, { date: date(NOW), 'last-modified': date(NOW - 5 * DAY) }, { defaultTtlMs: 5000 }, 5000],
  ['explicit max-age beats the default TTL', 200, { 'cache-control': 'max-age=10' }, { defaultTtlMs: 5000 }, 10 * S],
  ['Expires beats the default TTL', 200, { date: date(NOW), expires: date(NOW) }, { defaultTtlMs: 5000 }, 0],
  ['no default TTL for a 302 without public', 302, {}, { defaultTtlMs: 5000 }, 0],
  ['default TTL for a 500 marked public', 500, { 'cache-control': 'public' }, { defaultTtlMs: 5000 }, 5000],
];

describe('freshnessLifetime: RFC 9111 §4.2.1–4.2.2', () => {
  it.each(ROWS)('%s', (_t, status, headers, opts, expected) => {
    expect(freshnessLifetime(res(status, headers), NOW, opts)).toBe(expected);
  });
});

describe('currentAge: RFC 9111 §4.2.3', () => {
  it('is the resident time for a response received as its Date says and without Age', () => {
    expect(currentAge(stored(30), NOW)).toBe(30 * S);
  });

  it('adds the Age the response arrived with', () => {
    expect(currentAge(stored(30, ['Age', '100']), NOW)).toBe(130 * S);
  });

  it('takes the apparent age when Date lags the receive time more than Age says', () => {
    const e = stored(0, ['Age', '3'], { headers: ['Date', date(NOW - 10 * S), 'Age', '3'] });
    expect(currentAge(e, NOW)).toBe(10 * S);
  });

  it('adds the response delay (request to response) to Age: corrected_age_value', () => {
    const e = stored(0, ['Age', '5'], { requestTime: NOW - 2 * S });
    expect(currentAge(e, NOW + 1000)).toBe(8 * S);
  });

  it('ignores an invalid Age and uses the first member of a list (§5.1)', () => {
    expect(currentAge(stored(0, ['Age', 'abc']), NOW)).toBe(0);
    expect(currentAge(stored(0, ['Age', '30, 40']), NOW)).toBe(30 * S);
  });

  it('uses the receive time when the stored response has no Date', () => {
    const e = { ...stored(20), headers: [] };
    expect(currentAge(e, NOW)).toBe(20 * S);
  });
});

describe('HTTP-date (RFC 9110 §5.6.7)', () => {
  const t = Date.UTC(1994, 10, 6, 8, 49, 37);
  it('reads IMF-fixdate, RFC 850 and asctime', () => {
    expect(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT')).toBe(t);
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT', Date.UTC(2026, 0, 1))).toBe(t);
    expect(parseHttpDate('Sun Nov  6 08:49:37 1994')).toBe(t);
  });

  it('puts a two-digit year no more than 50 years ahead', () => {
    expect(parseHttpDate('Monday, 06-Nov-73 08:49:37 GMT', Date.UTC(2026, 0, 1))).toBe(Date.UTC(2073, 10, 6, 8, 49, 37));
    expect(parseHttpDate('Monday, 06-Nov-77 08:49:37 GMT', Date.UTC(2026, 0, 1))).toBe(Date.UTC(1977, 10, 6, 8, 49, 37));
  });

  it('rejects anything else, impossible days included', () => {
    for (const bad of ['0', '-1', '', 'tomorrow', '2026-01-01T00:00:00Z', 'Mon, 30 Feb 2026 00:00:00 GMT', 'Sun, 06 Nov 1994 25:00:00 GMT']) {
      expect(parseHttpDate(bad)).toBeNull();
    }
  });
});

describe('Cache-Control parsing (RFC 9111 §5.2)', () => {
  it('reads tokens and quoted strings, with commas inside quotes, case-insensitive names', () => {
    const d = parseCacheControl('No-Cache="Set-Cookie, X-Foo", MAX-AGE=5, public, ext="a\\"b"');
    expect(d.get('no-cache')).toBe('Set-Cookie, X-Foo');
    expect(d.get('max-age')).toBe('5');
    expect(d.get('public')).toBe(true);
    expect(d.get('ext')).toBe('a"b');
  });

  it('skips empty members', () => {
    expect([...parseCacheControl(' , max-age=1 ,, ').keys()]).toEqual(['max-age']);
  });
});
