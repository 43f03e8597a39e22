/**
 * Header facts shared by the proxy and the policies: hop-by-hop names (RFC 9110 §7.6.1) and the
 * `Connection` header's extra hop-by-hop names.
 */

/** Hop-by-hop headers, removed in both directions. */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-authorization',
  'proxy-authenticate',
]);

/** Headers a policy may not set or remove: hop-by-hop ones, plus the framing and routing ones. */
export const PROTECTED_HEADERS: ReadonlySet<string> = new Set([...HOP_BY_HOP, 'host', 'content-length']);

export const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Names listed in a `Connection` header other than the usual `keep-alive`/`close`; null if none. */
export function connectionTokens(value: string | string[] | undefined): string[] | null {
  if (value === undefined) return null;
  const v = (Array.isArray(value) ? value.join(',') : value).toLowerCase();
  if (v === 'keep-alive' || v === 'close' || v === 'upgrade') return null;
  let out: string[] | null = null;
  for (const part of v.split(',')) {
    const t = part.trim();
    if (t === '' || t === 'keep-alive' || t === 'close' || t === 'upgrade') continue;
    (out ??= []).push(t);
  }
  return out;
}

/** Whether a client-sent X-Request-Id may be kept: 1..200 visible ASCII characters. */
export function isValidRequestId(id: string): boolean {
  const n = id.length;
  if (n === 0 || n > 200) return false;
  for (let i = 0; i < n; i++) {
    const c = id.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}
