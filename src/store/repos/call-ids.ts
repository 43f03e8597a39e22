/**
 * Call record ids: `call_` + 26 base32 characters (Crockford alphabet, lower case) of 128 bits, the
 * first 48 the arrival time in ms and the other 80 random; like ULIDs, they sort as strings in time
 * order, so the store pages and ranges by id alone. Within one millisecond a process increments the
 * random part instead of redrawing it, so its ids also sort in the order they were made.
 */
import { fillRandom, writeTime48 } from '../../core/ids.js';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const PREFIX = 'call_';
export const CALL_ID = /^call_[0-9a-hjkmnp-tv-z]{26}$/;

/** 128 bits as 26 characters of 5 bits; the last character holds the final 3 bits, zero-padded. */
function encode(bytes: Uint8Array): string {
  let out = PREFIX;
  let bits = 0;
  let value = 0;
  for (let i = 0; i < 16; i++) {
    value = ((value << 8) | bytes[i]!) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out + ALPHABET[(value << (5 - bits)) & 31];
}

const TAIL_LO = 2 ** 48;
const tailBytes = new Uint8Array(10);

/**
 * The 80 bits after the time, as two numbers (`hi` the first 32, `lo` the last 48): a call's id can be
 * held as three numbers and spelled out later, anywhere (`callIdOf`), the same on every thread.
 */
export class CallIdSequence {
  #lastMs = -1;
  hi = 0;
  lo = 0;

  /** Moves to the tail of the next id made at `ms` (epoch ms, whole). */
  next(ms: number): void {
    if (ms === this.#lastMs) {
      if (++this.lo === TAIL_LO) {
        this.lo = 0;
        this.hi = (this.hi + 1) >>> 0;
      }
      return;
    }
    this.#lastMs = ms;
    fillRandom(tailBytes);
    this.hi = ((tailBytes[0]! << 24) | (tailBytes[1]! << 16) | (tailBytes[2]! << 8) | tailBytes[3]!) >>> 0;
    let lo = 0;
    for (let i = 4; i < 10; i++) lo = lo * 256 + tailBytes[i]!;
    this.lo = lo;
  }
}

const scratch = new Uint8Array(16);

/** The id of a call that arrived at `ms` with the tail `hi`, `lo` (CallIdSequence). */
export function callIdOf(ms: number, hi: number, lo: number): string {
  writeTime48(scratch, ms);
  for (let i = 9; i >= 6; i--) {
    scratch[i] = hi & 0xff;
    hi >>>= 8;
  }
  for (let i = 15; i >= 10; i--) {
    scratch[i] = lo % 256;
    lo = Math.floor(lo / 256);
  }
  return encode(scratch);
}

/** The process's sequence: ids made in this thread sort in the order they were made. */
export const callIdSequence = new CallIdSequence();

/** A new id for a call that arrived at `ms` (epoch). */
export function newCallId(ms: number): string {
  callIdSequence.next(ms);
  return callIdOf(ms, callIdSequence.hi, callIdSequence.lo);
}

/** The smallest id of a call at or after `ms`: `id >= callIdFloor(t)` means "arrived at t or later". */
export function callIdFloor(ms: number): string {
  const bytes = new Uint8Array(16);
  writeTime48(bytes, ms);
  return encode(bytes);
}

/** Arrival time encoded in an id. */
export function callIdTime(id: string): number {
  let ms = 0;
  // The first 48 bits are the first 9 characters (45 bits) and the top 3 bits of the tenth.
  for (let i = 0; i < 9; i++) ms = ms * 32 + ALPHABET.indexOf(id[PREFIX.length + i]!);
  return ms * 8 + (ALPHABET.indexOf(id[PREFIX.length + 9]!) >>> 2);
}
