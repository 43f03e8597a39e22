/**
 * AWS Signature Version 4 (header form), as Bedrock runtime expects it.
 *
 * The canonical URI is built from the path exactly as it goes on the wire, URI-encoded once
 * more. For every service but S3 that makes it "encoded twice": a Bedrock model id is sent as
 * `anthropic.claude-3-5-sonnet-20240620-v1%3A0` and signed as `...-v1%253A0`. Build such paths
 * with `encodeAwsPathSegment()` so that `:` and `/` (inference-profile ARNs) are escaped on the wire.
 */
import { createHash, createHmac } from 'node:crypto';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export type SigV4HeaderValue = string | number | readonly string[] | undefined;

export interface SignRequestInput {
  method: string;
  /** The URL the request is sent to; its path and query are signed as serialized (as sent). */
  url: string | URL;
  /** Headers that will be sent; all are signed except hop-by-hop ones. `host` defaults to the URL's. */
  headers?: Readonly<Record<string, SigV4HeaderValue>>;
  body?: string | Uint8Array;
  region: string;
  /** `bedrock` for Bedrock runtime. */
  service: string;
  credentials: AwsCredentials;
  now?: Date;
  /** Add and sign `x-amz-content-sha256` (default true). */
  contentSha256?: boolean;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';

/** Headers a proxy or the HTTP client may add, drop or rewrite: signing them breaks signatures. */
const UNSIGNED_HEADERS = new Set([
  'authorization',
  'connection',
  'expect',
  'keep-alive',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'x-amzn-trace-id',
]);

/** RFC 3986 percent-encoding as SigV4 wants it: everything but `A-Z a-z 0-9 - _ . ~`, upper-case hex. */
function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * A path segment for an AWS URL, e.g. a Bedrock model id or ARN, escaped as the AWS SDKs do:
 * `/model/${encodeAwsPathSegment(id)}/converse`.
 */
export function encodeAwsPathSegment(value: string): string {
  return uriEncode(value);
}

function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function canonicalUri(pathname: string, service: string): string {
  if (service === 's3') {
    // S3 signs the path encoded once and keeps empty and dot segments (they are part of keys).
    return pathname.split('/').map((s) => uriEncode(safeDecode(s))).join('/') || '/';
  }
  const segments: string[] = [];
  for (const segment of pathname.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(uriEncode(segment));
  }
  if (segments.length === 0) return '/';
  return `/${segments.join('/')}${pathname.endsWith('/') ? '/' : ''}`;
}

function canonicalQuery(search: string): string {
  if (search.length <= 1) return '';
  const pairs: Array<[string, string]> = [];
  for (const part of search.slice(1).split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq === -1 ? part : part.slice(0, eq);
    const value = eq === -1 ? '' : part.slice(eq + 1);
    pairs.push([uriEncode(safeDecode(name)), uriEncode(safeDecode(value))]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([n, v]) => `${n}=${v}`).join('&');
}

function normalizeValue(value: string): string {
  return value.trim().replace(/\s+/g, ' ');
}

function amzDateOf(now: Date): string {
  // 2015-08-30T12:36:00.000Z → 20150830T123600Z
  const iso = now.toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

interface Prepared {
  canonicalRequest: string;
  signedHeaders: string;
  amzDate: string;
  added: Record<string, string>;
}

function prepare(input: SignRequestInput): Prepared {
  const url = typeof input.url === 'string' ? new URL(input.url) : input.url;
  const amzDate = amzDateOf(input.now ?? new Date());
  const payloadHash = sha256Hex(input.body ?? '');

  const added: Record<string, string> = { 'x-amz-date': amzDate };
  if (input.contentSha256 !== false) added['x-amz-content-sha256'] = payloadHash;
  if (input.credentials.sessionToken) added['x-amz-security-token'] = input.credentials.sessionToken;

  const values = new Map<string, string[]>();
  for (const [rawName, raw] of Object.entries(input.headers ?? {})) {
    if (raw === undefined) continue;
    const name = rawName.trim().toLowerCase();
    if (UNSIGNED_HEADERS.has(name) || Object.hasOwn(added, name)) continue;
    const list = values.get(name) ?? [];
    if (typeof raw === 'string' || typeof raw === 'number') list.push(normalizeValue(String(raw)));
    else for (const v of raw) list.push(normalizeValue(v));
    values.set(name, list);
  }
  if (!values.has('host')) values.set('host', [url.host]);
  for (const [name, value] of Object.entries(added)) values.set(name, [value]);

  const names = [...values.keys()].sort();
  let canonicalHeaders = '';
  for (const name of names) canonicalHeaders += `${name}:${values.get(name)!.join(',')}\n`;
  const signedHeaders = names.join(';');

  const canonicalRequest = [
    input.method.toUpperCase(),
    canonicalUri(url.pathname, input.service),
    canonicalQuery(url.search),
    canonicalHeaders,
    signedHeaders,
    payloadHash,
  ].join('\n');
  return { canonicalRequest, signedHeaders, amzDate, added };
}

/** Signing keys by secret, date, region and service: four HMACs saved per request. Bounded. */
const signingKeys = new Map<string, Buffer>();
const MAX_SIGNING_KEYS = 64;

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** `kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`. */
export function deriveSigningKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  const cacheKey = `${date}\n${region}\n${service}\n${secretAccessKey}`;
  let key = signingKeys.get(cacheKey);
  if (key === undefined) {
    key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), 'aws4_request');
    if (signingKeys.size >= MAX_SIGNING_KEYS) signingKeys.delete(signingKeys.keys().next().value!);
    signingKeys.set(cacheKey, key);
  }
  return key;
}

/** The canonical request that `signRequest` signs, for tests and for debugging a 403. */
export function canonicalRequest(input: SignRequestInput): string {
  return prepare(input).canonicalRequest;
}

/**
 * Signs a request. Returns the headers to add to it: `authorization`, `x-amz-date`,
 * `x-amz-content-sha256` (unless disabled) and `x-amz-security-token` with temporary credentials.
 * The request must then be sent with exactly the URL, headers and body that were signed.
 */
export function signRequest(input: SignRequestInput): Record<string, string> {
  const { canonicalRequest: creq, signedHeaders, amzDate, added } = prepare(input);
  const date = amzDate.slice(0, 8);
  const scope = `${date}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = `${ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(creq)}`;
  const key = deriveSigningKey(input.credentials.secretAccessKey, date, input.region, input.service);
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex');
  return {
    authorization: `${ALGORITHM} Credential=${input.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    ...added,
  };
}
