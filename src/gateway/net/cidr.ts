/**
 * IPv4/IPv6 addresses and CIDR ranges, precomputed to uint32 / bigint network + mask pairs.
 * An IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) matches IPv4 rules, and an IPv4 address matches
 * IPv6 rules through its mapped form.
 */

const MAPPED_PREFIX = 0xffffn << 32n;
const V6_ALL = (1n << 128n) - 1n;

/** Dotted quad → uint32, or -1. No leading zeros (they would read as octal elsewhere). */
export function parseIPv4(s: string): number {
  let value = 0;
  let octets = 0;
  let i = 0;
  const n = s.length;
  while (i <= n) {
    let j = i;
    let octet = 0;
    while (j < n) {
      const c = s.charCodeAt(j);
      if (c < 48 || c > 57) break;
      octet = octet * 10 + (c - 48);
      j++;
    }
    const len = j - i;
    if (len === 0 || len > 3 || octet > 255 || (len > 1 && s.charCodeAt(i) === 48)) return -1;
    value = value * 256 + octet;
    octets++;
    if (j === n) break;
    if (s.charCodeAt(j) !== 46 || octets === 4) return -1;
    i = j + 1;
  }
  return octets === 4 ? value : -1;
}

/** IPv6 text (with `::`, an embedded IPv4 tail, an optional `%zone`) → 128-bit bigint, or null. */
export function parseIPv6(input: string): bigint | null {
  const zone = input.indexOf('%');
  const s = zone === -1 ? input : input.slice(0, zone);
  if (s.length < 2 || s.length > 45) return null;
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] === '' ? [] : halves[0].split(':');
  const tail = halves.length === 2 ? (halves[1] === '' ? [] : halves[1].split(':')) : [];
  const groups: number[] = [];
  const parseGroups = (parts: string[], allowV4Tail: boolean): boolean => {
    for (let k = 0; k < parts.length; k++) {
      const part = parts[k];
      if (allowV4Tail && k === parts.length - 1 && part.includes('.')) {
        const v4 = parseIPv4(part);
        if (v4 === -1) return false;
        groups.push(v4 >>> 16, v4 & 0xffff);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return false;
        groups.push(parseInt(part, 16));
      }
    }
    return true;
  };
  if (!parseGroups(head, halves.length === 1)) return null;
  const headCount = groups.length;
  if (!parseGroups(tail, true)) return null;
  const tailGroups = groups.splice(headCount);
  if (halves.length === 1) {
    if (groups.length !== 8) return null;
  } else {
    if (groups.length + tailGroups.length > 7) return null;
    while (groups.length + tailGroups.length < 8) groups.push(0);
  }
  groups.push(...tailGroups);
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(g);
  return value;
}

interface V4Range {
  net: number;
  mask: number;
}
interface V6Range {
  net: bigint;
  mask: bigint;
}

export type ParsedCidr = { family: 4; range: V4Range } | { family: 6; range: V6Range };

/** `10.0.0.0/8`, `2001:db8::/32`, or a single address. Host bits are cleared. Null when invalid. */
export function parseCidr(text: string): ParsedCidr | null {
  const slash = text.indexOf('/');
  const addr = slash === -1 ? text : text.slice(0, slash);
  const bitsText = slash === -1 ? null : text.slice(slash + 1);
  if (bitsText !== null && !/^[0-9]{1,3}$/.test(bitsText)) return null;
  if (addr.includes(':')) {
    if (addr.includes('%')) return null;
    const value = parseIPv6(addr);
    const bits = bitsText === null ? 128 : Number(bitsText);
    if (value === null || bits > 128) return null;
    const mask = bits === 0 ? 0n : (V6_ALL << BigInt(128 - bits)) & V6_ALL;
    return { family: 6, range: { net: value & mask, mask } };
  }
  const value = parseIPv4(addr);
  const bits = bitsText === null ? 32 : Number(bitsText);
  if (value === -1 || bits > 32) return null;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { family: 4, range: { net: (value & mask) >>> 0, mask } };
}

/** A set of ranges answering `contains(address)`. */
export class CidrSet {
  readonly #v4: V4Range[] = [];
  readonly #v6: V6Range[] = [];

  add(cidr: ParsedCidr): void {
    if (cidr.family === 4) this.#v4.push(cidr.range);
    else this.#v6.push(cidr.range);
  }

  get size(): number {
    return this.#v4.length + this.#v6.length;
  }

  contains(address: string): boolean {
    if (address.includes(':')) {
      const v6 = parseIPv6(address);
      if (v6 === null) return false;
      if (this.#v4.length !== 0 && v6 >> 32n === 0xffffn && this.#matchV4(Number(v6 & 0xffffffffn))) return true;
      return this.#matchV6(v6);
    }
    const v4 = parseIPv4(address);
    if (v4 === -1) return false;
    if (this.#matchV4(v4)) return true;
    return this.#v6.length !== 0 && this.#matchV6(MAPPED_PREFIX | BigInt(v4));
  }

  #matchV4(ip: number): boolean {
    const ranges = this.#v4;
    for (let i = 0; i < ranges.length; i++) if (((ip & ranges[i].mask) >>> 0) === ranges[i].net) return true;
    return false;
  }

  #matchV6(ip: bigint): boolean {
    const ranges = this.#v6;
    for (let i = 0; i < ranges.length; i++) if ((ip & ranges[i].mask) === ranges[i].net) return true;
    return false;
  }
}
