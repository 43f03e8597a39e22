/**
 * Token counting over js-tiktoken's rank tables (`o200k_base`, `cl100k_base`), loaded lazily once.
 *
 * Why not `new Tiktoken(ranks).encode(text)`: its byte-pair merge rebuilds a string key for every
 * adjacent pair on every step, which is quadratic with a large constant. Measured here: 2,100 Chinese
 * characters take ~200–400 ms and one 50,000-letter run takes minutes, on the hot path. This counter
 * uses the same rank tables and the same split pattern, merges the lowest-ranked pair per step
 * (the BPE rule tiktoken implements), and only counts; the tests check that its counts equal
 * js-tiktoken's. Building both rank maps takes ~0.5 s of CPU: call `loadTokenizers()` at start
 * so the first request does not pay it.
 */
import { createRequire } from 'node:module';
import type { TiktokenBPE } from 'js-tiktoken/lite';

export type EncodingName = 'o200k_base' | 'cl100k_base';

/**
 * A piece (one match of the split pattern) longer than this many bytes is counted in chunks of
 * LONG_PIECE_CHUNK bytes: the merge is quadratic in the piece length, and real text has short pieces
 * (words, numbers, punctuation runs). Only runs like 10,000 × "a" or a long CJK sentence reach it;
 * the count is then off by at most about one token per chunk.
 */
const LONG_PIECE_BYTES = 256;
const LONG_PIECE_CHUNK = 64;
/**
 * Multi-token pieces of at least CACHED_PIECE_BYTES bytes have their counts cached (chat clients
 * resend the whole conversation every turn); shorter ones merge in a few steps, cheaper than caching.
 */
const CACHED_PIECE_BYTES = 8;
const MERGED_CACHE_SIZE = 50_000;

const require = createRequire(import.meta.url);

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

export class TokenCounter {
  /** Token bytes as a latin1 string (one char per byte) → rank. */
  readonly #ranks = new Map<string, number>();
  readonly #split: RegExp;
  /** Counts of pieces that are not one token (words split in several), bounded by clearing. */
  readonly #merged = new Map<string, number>();

  constructor(bpe: TiktokenBPE) {
    // Each line: `<label> <first rank> <base64 token> <base64 token> …`, ranks consecutive.
    for (const line of bpe.bpe_ranks.split('\n')) {
      if (line === '') continue;
      const fields = line.split(' ');
      const offset = Number.parseInt(fields[1] ?? '', 10);
      for (let i = 2; i < fields.length; i++) {
        this.#ranks.set(Buffer.from(fields[i] as string, 'base64').toString('latin1'), offset + i - 2);
      }
    }
    this.#split = new RegExp(bpe.pat_str, 'gu');
  }

  /** Tokens in `text`. Special-token text (`<|endoftext|>`) counts as ordinary text, as the API treats it. */
  count(text: string): number {
    if (text.length === 0) return 0;
    const split = this.#split;
    split.lastIndex = 0;
    let total = 0;
    for (let m = split.exec(text); m !== null; m = split.exec(text)) {
      const piece = m[0];
      if (piece.length === 0) {
        split.lastIndex += 1;
        continue;
      }
      total += this.#countPiece(isAscii(piece) ? piece : Buffer.from(piece, 'utf8').toString('latin1'));
    }
    return total;
  }

  #countPiece(bytes: string): number {
    if (this.#ranks.has(bytes)) return 1;
    if (bytes.length < CACHED_PIECE_BYTES) return this.#merge(bytes);
    if (bytes.length <= LONG_PIECE_BYTES) {
      let n = this.#merged.get(bytes);
      if (n === undefined) {
        if (this.#merged.size >= MERGED_CACHE_SIZE) this.#merged.clear();
        n = this.#merge(bytes);
        this.#merged.set(bytes, n);
      }
      return n;
    }
    let total = 0;
    for (let at = 0; at < bytes.length; at += LONG_PIECE_CHUNK) {
      const chunk = bytes.slice(at, at + LONG_PIECE_CHUNK);
      total += this.#ranks.has(chunk) ? 1 : this.#merge(chunk);
    }
    return total;
  }

  /** Part boundaries and adjacent-pair ranks, reused by every merge (counting is synchronous). */
  #starts = new Int32Array(LONG_PIECE_BYTES + 1);
  #pairs = new Float64Array(LONG_PIECE_BYTES);

  /** Rank of the bytes from part `i` to the end of part `i + 1`, Infinity when that is not a token. */
  #pairRank(bytes: string, i: number, parts: number): number {
    if (i + 1 >= parts) return Infinity;
    return this.#ranks.get(bytes.slice(this.#starts[i], this.#starts[i + 2])) ?? Infinity;
  }

  /** Number of parts left after merging, lowest rank first, every adjacent pair that is a token. */
  #merge(bytes: string): number {
    const starts = this.#starts;
    const pairs = this.#pairs;
    let parts = bytes.length;
    for (let i = 0; i <= parts; i++) starts[i] = i;
    for (let i = 0; i < parts - 1; i++) pairs[i] = this.#pairRank(bytes, i, parts);
    while (parts > 1) {
      let min = Infinity;
      let at = -1;
      for (let i = 0; i < parts - 1; i++) {
        if ((pairs[i] as number) < min) {
          min = pairs[i] as number;
          at = i;
        }
      }
      if (at < 0) break;
      // Parts `at` and `at + 1` become one: drop the boundary between them and the pair rank.
      starts.copyWithin(at + 1, at + 2, parts + 1);
      pairs.copyWithin(at, at + 1, parts - 1);
      parts -= 1;
      if (at < parts - 1) pairs[at] = this.#pairRank(bytes, at, parts);
      if (at > 0) pairs[at - 1] = this.#pairRank(bytes, at - 1, parts);
    }
    return parts;
  }
}

const counters = new Map<EncodingName, TokenCounter>();

/** The counter for an encoding, built on first use and kept. */
export function tokenCounter(name: EncodingName): TokenCounter {
  let counter = counters.get(name);
  if (counter === undefined) {
    const path = require.resolve(`js-tiktoken/ranks/${name}`);
    counter = new TokenCounter(require(path) as TiktokenBPE);
    counters.set(name, counter);
    // The counter holds its own map; the module's megabytes of base64 text are no longer needed.
    delete require.cache[path];
  }
  return counter;
}

/** Builds both counters now (~0.5 s of CPU), so no request pays for it. Call once at start. */
export function loadTokenizers(): void {
  tokenCounter('o200k_base');
  tokenCounter('cl100k_base');
}

/**
 * The encoding for a model id (`openai/gpt-4o`, `gpt-4o-mini`, `ft:gpt-4o:…`, an Azure deployment
 * name…): o200k_base for the gpt-4o, gpt-4.1, gpt-4.5, gpt-5, gpt-oss and o-series families,
 * cl100k_base for everything else. For models that are not OpenAI's this is an approximation:
 * their tokenizers differ (Claude, Gemini and Llama count 10–30 % differently), which is fine for
 * limits that are reconciled with the provider's reported usage after the call.
 */
export function encodingForModel(model: string): EncodingName {
  const name = model.slice(model.lastIndexOf('/') + 1).replace(/^ft:/, '').toLowerCase();
  return /^(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-oss|o\d|codex-)/.test(name) ? 'o200k_base' : 'cl100k_base';
}
