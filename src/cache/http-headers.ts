/**
 * Reading the header fields HTTP caching depends on, from either shape Gantry has: flat raw pairs
 * (`[name, value, ...]`, any case) or a lower-case record (Node's IncomingHttpHeaders, undici's).
 * Parsers here are total: malformed input gives `null` or an empty result, never a throw.
 */
import type { RawHeaders } from './types.js';

export type HeaderSource = RawHeaders | Readonly<Record<string, string | readonly string[] | undefined>>;

/** All lines of `name` (lower-case) combined with ", " (RFC 9110 §5.3); undefined when absent. */
export function headerValue(h: HeaderSource, name: string): string | undefined {
  if (isRaw(h)) {
    let out: string | undefined;
    for (let i = 0; i + 1 < h.length; i += 2) {
      if (h[i].length === name.length && h[i].toLowerCase() === name) out = out === undefined ? h[i + 1] : `${out}, ${h[i + 1]}`;
    }
    return out;
  }
  const v = h[name];
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : v.join(', ');
}

export function isRaw(h: HeaderSource): h is RawHeaders {
  return Array.isArray(h);
}

/** Flat pairs from either shape (records expand array values to one line each). */
export function toRaw(h: HeaderSource): string[] {
  if (isRaw(h)) return [...h];
  const out: string[] = [];
  for (const [name, v] of Object.entries(h)) {
    if (v === undefined) continue;
    if (typeof v === 'string') out.push(name, v);
    else for (const line of v) out.push(name, line);
  }
  return out;
}

/** Directive name (lower-case) → its argument, unquoted, or `true` when it has none. First one wins (RFC 9111 §4.2.1). */
export type Directives = ReadonlyMap<string, string | true>;

const EMPTY: Directives = new Map();

/** Splits on commas that are not inside a quoted string. */
export function splitList(value: string): string[] {
  const out: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (quoted) {
      if (c === 0x5c) i++;
      else if (c === 0x22) quoted = false;
    } else if (c === 0x22) quoted = true;
    else if (c === 0x2c) {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(value.slice(start).trim());
  return out.filter((s) => s !== '');
}

function unquote(v: string): string {
  if (v.length < 2 || v[0] !== '"' || v[v.length - 1] !== '"') return v;
  return v.slice(1, -1).replace(/\\(.)/g, '$1');
}

/** Cache-Control (RFC 9111 §5.2): `token [ "=" ( token / quoted-string ) ]`, comma-separated. */
export function parseCacheControl(value: string | undefined): Directives {
  if (value === undefined || value === '') return EMPTY;
  const out = new Map<string, string | true>();
  for (const part of splitList(value)) {
    const eq = part.indexOf('=');
    const name = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (name === '' || out.has(name)) continue;
    out.set(name, eq === -1 ? true : unquote(part.slice(eq + 1).trim()));
  }
  return out;
}

const MAX_DELTA = 2147483648;

/**
 * delta-seconds (RFC 9111 §1.2.2) in ms: non-negative digits only; values past 2^31 s are 2^31 s.
 * `null` for anything else (a directive without argument included).
 */
export function deltaSecondsMs(v: string | true | undefined): number | null {
  if (typeof v !== 'string' || !/^[0-9]+$/.test(v)) return null;
  const n = Number(v);
  return (n > MAX_DELTA ? MAX_DELTA : n) * 1000;
}

/** Field names listed in a qualified `private="..."` or `no-cache="..."`, lower-case. */
export function fieldNames(v: string | true | undefined): string[] {
  if (typeof v !== 'string') return [];
  return splitList(v).map((n) => n.toLowerCase());
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const IMF = /^[a-z]{3}, (\d{2}) ([a-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) gmt$/;
const RFC850 = /^[a-z]{6,9}, (\d{2})-([a-z]{3})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) gmt$/;
const ASCTIME = /^[a-z]{3} ([a-z]{3}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/;

function utc(year: number, month: string, day: number, h: string, m: string, s: string): number | null {
  const mi = MONTHS.indexOf(month);
  const hh = Number(h);
  const mm = Number(m);
  const ss = Number(s);
  if (mi === -1 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60) return null;
  const t = Date.UTC(year, mi, day, hh, mm, ss);
  return new Date(t).getUTCDate() === day ? t : null;
}

/**
 * HTTP-date (RFC 9110 §5.6.7) in epoch ms: IMF-fixdate, and the obsolete RFC 850 and asctime forms
 * recipients must still accept. `now` resolves RFC 850's two-digit year (no more than 50 years ahead).
 */
export function parseHttpDate(value: string | undefined, now = Date.now()): number | null {
  if (value === undefined) return null;
  const v = value.trim().toLowerCase();
  let m = IMF.exec(v);
  if (m) return utc(Number(m[3]), m[2], Number(m[1]), m[4], m[5], m[6]);
  m = RFC850.exec(v);
  if (m) {
    const thisYear = new Date(now).getUTCFullYear();
    let year = Math.floor(thisYear / 100) * 100 + Number(m[3]);
    if (year > thisYear + 50) year -= 100;
    return utc(year, m[2], Number(m[1]), m[4], m[5], m[6]);
  }
  m = ASCTIME.exec(v);
  if (m) return utc(Number(m[6]), m[1], Number(m[2].trim()), m[3], m[4], m[5]);
  return null;
}

export function formatHttpDate(ms: number): string {
  return new Date(ms).toUTCString();
}
