/**
 * AWS `application/vnd.amazon.eventstream` framing (Bedrock ConverseStream, InvokeModelWithResponseStream).
 *
 * A message on the wire, all integers big-endian:
 *   total length u32 | headers length u32 | prelude CRC32 (of the 8 bytes before it)
 *   headers: (name length u8, name, value type u8, value)*
 *   payload
 *   message CRC32 (of every byte of the message before it)
 *
 * Chunks are queued as they arrive and a message is copied out only when it spans chunks, so
 * decoding is linear in the bytes received.
 */
import { GantryError } from '../../core/errors.js';

export type EventStreamTypedValue =
  | { type: 'boolean'; value: boolean }
  | { type: 'byte' | 'short' | 'integer'; value: number }
  | { type: 'long'; value: bigint }
  | { type: 'binary'; value: Uint8Array }
  | { type: 'string'; value: string }
  /** Milliseconds since the epoch on the wire. */
  | { type: 'timestamp'; value: Date }
  /** Written as 8-4-4-4-12 lowercase hex. */
  | { type: 'uuid'; value: string };

export type EventStreamHeader = EventStreamTypedValue & { name: string };
export type EventStreamHeaderValue = EventStreamTypedValue['value'];
/** Encoder input: a plain value picks its type (number → integer), or give the type explicitly. */
export type EventStreamHeaderInput = string | boolean | number | bigint | Uint8Array | Date | EventStreamTypedValue;

export type EventStreamErrorReason = 'prelude_crc' | 'message_crc' | 'bad_length' | 'bad_header' | 'truncated' | 'invalid_json';

/** A broken upstream event stream; a GANTRY_ERR_UPSTREAM_FAILED (502) with the reason kept. */
export class EventStreamError extends GantryError {
  readonly reason: EventStreamErrorReason;
  constructor(reason: EventStreamErrorReason, message: string, opts: { cause?: unknown } = {}) {
    super('GANTRY_ERR_UPSTREAM_FAILED', message, opts);
    this.name = 'EventStreamError';
    this.reason = reason;
  }
}

/** Wire codes of the value types; a boolean is 0 (true) or 1 (false) with no value bytes. */
const TYPE_CODES = {
  byte: 2,
  short: 3,
  integer: 4,
  long: 5,
  binary: 6,
  string: 7,
  timestamp: 8,
  uuid: 9,
} as const;

const PRELUDE_BYTES = 12;
const OVERHEAD_BYTES = 16;
/** AWS caps a message at 16 MiB; a larger length means the framing is lost. */
const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3, as in gzip and zlib). Pass a previous result to continue a running CRC. */
export function crc32(bytes: Uint8Array, previous = 0): number {
  let c = ~previous;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

const utf8 = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();

export class EventStreamMessage {
  /** Header values by name (`:event-type`, `:message-type` = event | exception | error, `:exception-type`, ...). */
  readonly headers: Readonly<Record<string, EventStreamHeaderValue>>;
  /** Every header in wire order, with its type. */
  readonly headerList: readonly EventStreamHeader[];
  readonly payload: Uint8Array;

  constructor(headerList: EventStreamHeader[], payload: Uint8Array) {
    const headers: Record<string, EventStreamHeaderValue> = {};
    for (const h of headerList) headers[h.name] = h.value;
    this.headers = headers;
    this.headerList = headerList;
    this.payload = payload;
  }

  text(): string {
    return utf8.decode(this.payload);
  }

  /** The payload parsed as JSON; throws an EventStreamError (`invalid_json`) when it is not. */
  json<T = unknown>(): T {
    try {
      return JSON.parse(this.text()) as T;
    } catch (cause) {
      const type = this.headers[':event-type'] ?? this.headers[':exception-type'];
      throw new EventStreamError('invalid_json', `The upstream sent an event${typeof type === 'string' ? ` '${type.slice(0, 64)}'` : ''} whose payload is not valid JSON`, { cause });
    }
  }
}

export class EventStreamDecoder {
  readonly #maxMessageBytes: number;
  #chunks: Uint8Array[] = [];
  /** Read offset into `#chunks[0]`. */
  #head = 0;
  #buffered = 0;
  /** Total length of the message being assembled, once its prelude is verified; 0 before. */
  #need = 0;
  #failed: EventStreamError | undefined;

  constructor(opts: { maxMessageBytes?: number } = {}) {
    this.#maxMessageBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  /**
   * Feeds the next chunk; returns the messages it completed. Throws an EventStreamError when a
   * CRC or length is wrong. Messages decoded before the fault in the same chunk are returned
   * first and the error is thrown by the next `push()` or `end()`; after it the decoder stays failed.
   */
  push(chunk: Uint8Array): EventStreamMessage[] {
    if (this.#failed) throw this.#failed;
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
    }
    const out: EventStreamMessage[] = [];
    try {
      for (;;) {
        if (this.#need === 0) {
          if (this.#buffered < PRELUDE_BYTES) break;
          this.#need = this.#checkPrelude(this.#read(PRELUDE_BYTES, false));
        }
        if (this.#buffered < this.#need) break;
        const bytes = this.#read(this.#need, true);
        this.#need = 0;
        out.push(decodeMessage(bytes));
      }
    } catch (err) {
      this.#failed = err instanceof EventStreamError ? err : new EventStreamError('bad_header', 'The upstream event stream is malformed', { cause: err });
      if (out.length === 0) throw this.#failed;
    }
    return out;
  }

  /**
   * Ends the stream. `truncated` when bytes of an unfinished message were left over (the stream
   * was cut). Throws the pending EventStreamError if a fault was found. The decoder is reset.
   */
  end(): { truncated: boolean; leftoverBytes: number } {
    const failed = this.#failed;
    const leftoverBytes = this.#buffered;
    this.#chunks = [];
    this.#head = 0;
    this.#buffered = 0;
    this.#need = 0;
    this.#failed = undefined;
    if (failed) throw failed;
    return { truncated: leftoverBytes > 0, leftoverBytes };
  }

  #checkPrelude(prelude: Uint8Array): number {
    const view = new DataView(prelude.buffer, prelude.byteOffset, PRELUDE_BYTES);
    const total = view.getUint32(0);
    const headersLength = view.getUint32(4);
    if (crc32(prelude.subarray(0, 8)) !== view.getUint32(8)) {
      throw new EventStreamError('prelude_crc', 'The upstream event stream is corrupted: a message prelude fails its CRC check');
    }
    if (total < OVERHEAD_BYTES || total > this.#maxMessageBytes || headersLength > total - OVERHEAD_BYTES) {
      throw new EventStreamError('bad_length', `The upstream event stream has a message of impossible length (${total} bytes, ${headersLength} of headers)`);
    }
    return total;
  }

  /** The next `n` buffered bytes; a view when they sit in one chunk, else a copy. */
  #read(n: number, consume: boolean): Uint8Array {
    const first = this.#chunks[0];
    if (first.length - this.#head >= n) {
      const bytes = first.subarray(this.#head, this.#head + n);
      if (consume) {
        this.#head += n;
        this.#buffered -= n;
        if (this.#head === first.length) {
          this.#chunks.shift();
          this.#head = 0;
        }
      }
      return bytes;
    }
    const bytes = new Uint8Array(n);
    let filled = 0;
    let index = 0;
    let offset = this.#head;
    while (filled < n) {
      const chunk = this.#chunks[index];
      const take = Math.min(chunk.length - offset, n - filled);
      bytes.set(chunk.subarray(offset, offset + take), filled);
      filled += take;
      offset += take;
      if (offset === chunk.length) {
        index++;
        offset = 0;
      }
    }
    if (consume) {
      this.#chunks.splice(0, index);
      this.#head = offset;
      this.#buffered -= n;
    }
    return bytes;
  }
}

function decodeMessage(bytes: Uint8Array): EventStreamMessage {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const total = bytes.length;
  if (crc32(bytes.subarray(0, total - 4)) !== view.getUint32(total - 4)) {
    throw new EventStreamError('message_crc', 'The upstream event stream is corrupted: a message fails its CRC check');
  }
  const headersEnd = PRELUDE_BYTES + view.getUint32(4);
  return new EventStreamMessage(decodeHeaders(bytes, view, headersEnd), bytes.subarray(headersEnd, total - 4));
}

function decodeHeaders(bytes: Uint8Array, view: DataView, end: number): EventStreamHeader[] {
  const headers: EventStreamHeader[] = [];
  let p = PRELUDE_BYTES;
  const need = (n: number): void => {
    if (p + n > end) throw new EventStreamError('bad_header', 'The upstream event stream has a malformed message header');
  };
  while (p < end) {
    need(1);
    const nameLength = bytes[p++];
    need(nameLength + 1);
    const name = utf8.decode(bytes.subarray(p, p + nameLength));
    p += nameLength;
    const type = bytes[p++];
    switch (type) {
      case 0:
      case 1:
        headers.push({ name, type: 'boolean', value: type === 0 });
        break;
      case 2:
        need(1);
        headers.push({ name, type: 'byte', value: view.getInt8(p) });
        p += 1;
        break;
      case 3:
        need(2);
        headers.push({ name, type: 'short', value: view.getInt16(p) });
        p += 2;
        break;
      case 4:
        need(4);
        headers.push({ name, type: 'integer', value: view.getInt32(p) });
        p += 4;
        break;
      case 5:
        need(8);
        headers.push({ name, type: 'long', value: view.getBigInt64(p) });
        p += 8;
        break;
      case 6:
      case 7: {
        need(2);
        const length = view.getUint16(p);
        p += 2;
        need(length);
        const raw = bytes.subarray(p, p + length);
        p += length;
        headers.push(type === 6 ? { name, type: 'binary', value: raw } : { name, type: 'string', value: utf8.decode(raw) });
        break;
      }
      case 8:
        need(8);
        headers.push({ name, type: 'timestamp', value: new Date(Number(view.getBigInt64(p))) });
        p += 8;
        break;
      case 9:
        need(16);
        headers.push({ name, type: 'uuid', value: formatUuid(bytes.subarray(p, p + 16)) });
        p += 16;
        break;
      default:
        throw new EventStreamError('bad_header', `The upstream event stream has a header of unknown type ${type}`);
    }
  }
  return headers;
}

function formatUuid(b: Uint8Array): string {
  const hex = Buffer.from(b.buffer, b.byteOffset, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function typed(value: EventStreamHeaderInput): EventStreamTypedValue {
  if (typeof value === 'string') return { type: 'string', value };
  if (typeof value === 'boolean') return { type: 'boolean', value };
  if (typeof value === 'number') return { type: 'integer', value };
  if (typeof value === 'bigint') return { type: 'long', value };
  if (value instanceof Uint8Array) return { type: 'binary', value };
  if (value instanceof Date) return { type: 'timestamp', value };
  return value;
}

function encodeHeader(name: string, header: EventStreamTypedValue): Uint8Array {
  const nameBytes = utf8Encoder.encode(name);
  if (nameBytes.length === 0 || nameBytes.length > 255) throw new RangeError(`event-stream header name must be 1-255 bytes: '${name}'`);
  let value: Uint8Array;
  const fixed = (size: number, write: (v: DataView) => void): Uint8Array => {
    const b = new Uint8Array(size);
    write(new DataView(b.buffer));
    return b;
  };
  const int = (v: number, min: number, max: number): number => {
    if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`event-stream header '${name}': ${v} is not a ${header.type}`);
    return v;
  };
  switch (header.type) {
    case 'boolean':
      value = new Uint8Array(0);
      break;
    case 'byte':
      value = fixed(1, (v) => v.setInt8(0, int(header.value, -0x80, 0x7f)));
      break;
    case 'short':
      value = fixed(2, (v) => v.setInt16(0, int(header.value, -0x8000, 0x7fff)));
      break;
    case 'integer':
      value = fixed(4, (v) => v.setInt32(0, int(header.value, -0x80000000, 0x7fffffff)));
      break;
    case 'long':
      if (BigInt.asIntN(64, header.value) !== header.value) throw new RangeError(`event-stream header '${name}': not a 64-bit integer`);
      value = fixed(8, (v) => v.setBigInt64(0, header.value as bigint));
      break;
    case 'timestamp': {
      const ms = header.value.getTime();
      if (Number.isNaN(ms)) throw new RangeError(`event-stream header '${name}': invalid date`);
      value = fixed(8, (v) => v.setBigInt64(0, BigInt(ms)));
      break;
    }
    case 'uuid': {
      const hex = header.value.replace(/-/g, '');
      if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new RangeError(`event-stream header '${name}': not a UUID`);
      value = Buffer.from(hex, 'hex');
      break;
    }
    case 'binary':
    case 'string': {
      const raw = header.type === 'string' ? utf8Encoder.encode(header.value) : header.value;
      if (raw.length > 0xffff) throw new RangeError(`event-stream header '${name}': value longer than 65535 bytes`);
      value = new Uint8Array(2 + raw.length);
      new DataView(value.buffer).setUint16(0, raw.length);
      value.set(raw, 2);
      break;
    }
  }
  const code = header.type === 'boolean' ? (header.value ? 0 : 1) : TYPE_CODES[header.type];
  const out = new Uint8Array(1 + nameBytes.length + 1 + value.length);
  out[0] = nameBytes.length;
  out.set(nameBytes, 1);
  out[1 + nameBytes.length] = code;
  out.set(value, 2 + nameBytes.length);
  return out;
}

/** One message on the wire (used by fixture servers and tests). */
export function encodeEventStreamMessage(
  headers: Readonly<Record<string, EventStreamHeaderInput>> | readonly EventStreamHeader[],
  payload: Uint8Array | string = new Uint8Array(0),
): Uint8Array {
  const list: Array<[string, EventStreamTypedValue]> = Array.isArray(headers)
    ? (headers as readonly EventStreamHeader[]).map((h) => [h.name, h])
    : Object.entries(headers as Record<string, EventStreamHeaderInput>).map(([name, v]) => [name, typed(v)]);
  const encodedHeaders = list.map(([name, h]) => encodeHeader(name, h));
  const headersLength = encodedHeaders.reduce((n, h) => n + h.length, 0);
  const body = typeof payload === 'string' ? utf8Encoder.encode(payload) : payload;
  const total = OVERHEAD_BYTES + headersLength + body.length;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, total);
  view.setUint32(4, headersLength);
  view.setUint32(8, crc32(out.subarray(0, 8)));
  let p = PRELUDE_BYTES;
  for (const h of encodedHeaders) {
    out.set(h, p);
    p += h.length;
  }
  out.set(body, p);
  view.setUint32(total - 4, crc32(out.subarray(0, total - 4)));
  return out;
}

/**
 * Decodes a byte stream into messages. A corrupted or cut stream rejects the iteration with an
 * EventStreamError (never an uncaught exception).
 */
export async function* decodeEventStream(source: AsyncIterable<Uint8Array>): AsyncGenerator<EventStreamMessage> {
  const decoder = new EventStreamDecoder();
  for await (const chunk of source) yield* decoder.push(chunk);
  const { truncated, leftoverBytes } = decoder.end();
  if (truncated) {
    throw new EventStreamError('truncated', `The upstream event stream ended in the middle of a message (${leftoverBytes} bytes left over)`);
  }
}
