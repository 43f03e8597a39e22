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

let lastTime = -1;
const lastRandom = new Uint8Array(10);

/**
 * Time-sortable id: 48-bit millisecond time + 80 random bits, base32. Within one millisecond the
 * random part is incremented instead of redrawn, so ids made by one process sort in creation order,
 * which cursor pagination relies on.
 */
export function newId(kind: IdKind, now = Date.now()): string {
  const bytes = new Uint8Array(16);
  let t = now;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = t % 256;
    t = Math.floor(t / 256);
  }
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

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const uuidPool = new Uint8Array(4096);
let uuidPoolAt = uuidPool.length;

/**
 * A request id made by Gantry: a UUID version 7 (RFC 9562): the first 48 bits are the time in ms,
 * the other 74 (after version and variant) random. Ids made later sort later, so they are easy to
 * read in logs, and the call-log store indexes them near each other instead of at random places.
 */
export function newRequestId(now = Date.now()): string {
  if (uuidPoolAt + 10 > uuidPool.length) {
    randomFillSync(uuidPool);
    uuidPoolAt = 0;
  }
  const r = uuidPool;
  const i = uuidPoolAt;
  uuidPoolAt += 10;
  const high = Math.floor(now / 0x10000); // top 32 of the 48 time bits
  const low = now % 0x10000;
  return (
    HEX[(high >>> 24) & 255]! +
    HEX[(high >>> 16) & 255]! +
    HEX[(high >>> 8) & 255]! +
    HEX[high & 255]! +
    '-' +
    HEX[low >>> 8]! +
    HEX[low & 255]! +
    '-' +
    HEX[0x70 | (r[i]! & 0x0f)]! +
    HEX[r[i + 1]!]! +
    '-' +
    HEX[0x80 | (r[i + 2]! & 0x3f)]! +
    HEX[r[i + 3]!]! +
    '-' +
    HEX[r[i + 4]!]! +
    HEX[r[i + 5]!]! +
    HEX[r[i + 6]!]! +
    HEX[r[i + 7]!]! +
    HEX[r[i + 8]!]! +
    HEX[r[i + 9]!]!
  );
}
