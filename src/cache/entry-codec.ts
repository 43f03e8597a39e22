/**
 * A cache entry as one binary-safe value: a version byte, the metadata as length-prefixed JSON, then
 * the body bytes as they are (no base64). Used by the Redis store; decoding never throws.
 */
import type { CacheEntry } from './types.js';

const VERSION = 1;

interface Meta {
  s: number;
  h: readonly string[];
  t: number;
  r?: number;
  g: readonly string[];
  v?: string;
}

export function encodeEntry(entry: CacheEntry): Buffer {
  const meta: Meta = { s: entry.status, h: entry.headers, t: entry.storedAt, g: entry.tags };
  if (entry.requestTime !== undefined) meta.r = entry.requestTime;
  if (entry.varyKey !== undefined) meta.v = entry.varyKey;
  const json = Buffer.from(JSON.stringify(meta), 'utf8');
  const head = Buffer.allocUnsafe(5);
  head.writeUInt8(VERSION, 0);
  head.writeUInt32BE(json.length, 1);
  return Buffer.concat([head, json, entry.body]);
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

export function decodeEntry(buf: Buffer): CacheEntry | undefined {
  if (buf.length < 5 || buf.readUInt8(0) !== VERSION) return undefined;
  const len = buf.readUInt32BE(1);
  if (5 + len > buf.length) return undefined;
  let meta: Partial<Meta>;
  try {
    meta = JSON.parse(buf.toString('utf8', 5, 5 + len)) as Partial<Meta>;
  } catch {
    return undefined;
  }
  if (typeof meta.s !== 'number' || typeof meta.t !== 'number' || !isStringArray(meta.h) || !isStringArray(meta.g)) return undefined;
  const entry: CacheEntry = { status: meta.s, headers: meta.h, body: buf.subarray(5 + len), storedAt: meta.t, tags: meta.g };
  if (typeof meta.r === 'number') entry.requestTime = meta.r;
  if (typeof meta.v === 'string') entry.varyKey = meta.v;
  return entry;
}
