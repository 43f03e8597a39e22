import { createHash, randomBytes, randomFillSync, timingSafeEqual } from 'node:crypto';

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += CROCKFORD[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += CROCKFORD[(value << (5 - bits)) & 31];
  return out;
}

/** Resource id prefixes; an id says what it names (`svc_...`, `rt_...`). */
export const IdPrefix = {
  team: 'team',
  upstream: 'ups',
  service: 'svc',
  route: 'rt',
  app: 'app',
  apiKey: 'key',
  policy: 'pol',
  adminToken: 'adm',
  aiProvider: 'aip',
  aiProviderKey: 'aik',
  aiAlias: 'ali',
} as const;
export type IdKind = keyof typeof IdPrefix;

/** Writes `ms` as 48 bits, most significant first, into bytes 0–5: the prefix of time-sortable ids. */
export function writeTime48(bytes: Uint8Array, ms: number): void {
  let t = Math.max(0, Math.floor(ms));
  for (let i = 5; i >= 0; i--) {
    bytes[i] = t % 256;
    t = Math.floor(t / 256);
  }
}

const randomPool = new Uint8Array(4096);
let randomPoolAt = randomPool.length;

/** Fills `out` with random bytes from a pool refilled 4 KiB at a time: for ids made per request. */
export function fillRandom(out: Uint8Array): void {
  if (randomPoolAt + out.length > randomPool.length) {
    randomFillSync(randomPool);
    randomPoolAt = 0;
  }
  out.set(randomPool.subarray(randomPoolAt, randomPoolAt + out.length));
  randomPoolAt += out.length;
}

let lastTime = -1;
const lastRandom = new Uint8Array(10);

/**
 * Time-sortable id: 48-bit millisecond time + 80 random bits, base32. Within one millisecond the
 * random part is incremented instead of redrawn, so ids made by one process sort in creation order,
 * which cursor pagination relies on.
 */
export function newId(kind: IdKind, now = Date.now()): string {
  const bytes = new Uint8Array(16);
  writeTime48(bytes, now);
  if (now === lastTime) {
    for (let i = 9; i >= 0; i--) {
      lastRandom[i] = (lastRandom[i]! + 1) & 0xff;
      if (lastRandom[i] !== 0) break;
    }
  } else {
    lastTime = now;
    lastRandom.set(randomBytes(10));
  }
  bytes.set(lastRandom, 6);
  return `${IdPrefix[kind]}_${base32(bytes)}`;
}

/** A secret: `<prefix>_<43 chars of base64url>` (256 bits). Shown once, stored only as a hash. */
export function newSecret(prefix: 'gk' | 'gadm'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/** SHA-256 hex of a secret: how API keys and admin tokens are stored and looked up. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** What may be shown of a secret after creation: enough to tell keys apart, too little to use. */
export function secretHint(secret: string): string {
  const underscore = secret.indexOf('_');
  return secret.slice(0, underscore + 1 + 6);
}

export function safeEqualHex(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}

const uuid = new Uint8Array(16);

/**
 * A request id made by Gantry: a UUID version 7 (RFC 9562): the first 48 bits are the time in ms,
 * the other 74 (after version and variant) random. Ids made later sort later, so they are easy to
 * read in logs, and the call-log store indexes them near each other instead of at random places.
 */
export function newRequestId(now = Date.now()): string {
  writeTime48(uuid, now);
  fillRandom(uuid.subarray(6));
  uuid[6] = 0x70 | (uuid[6]! & 0x0f);
  uuid[8] = 0x80 | (uuid[8]! & 0x3f);
  const hex = Buffer.from(uuid.buffer, uuid.byteOffset, uuid.length).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
