import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  crc32,
  decodeEventStream,
  encodeEventStreamMessage,
  EventStreamDecoder,
  EventStreamError,
  type EventStreamHeader,
  type EventStreamMessage,
} from '../../../src/ai/transport/event-stream.js';

const enc = new TextEncoder();

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function decodeAll(chunks: Uint8Array[]): { messages: EventStreamMessage[]; truncated: boolean } {
  const d = new EventStreamDecoder();
  const messages: EventStreamMessage[] = [];
  for (const c of chunks) messages.push(...d.push(c));
  return { messages, truncated: d.end().truncated };
}

/** What Bedrock ConverseStream sends: string headers and a JSON payload per event. */
function bedrockEvent(eventType: string, payload: unknown): Uint8Array {
  return encodeEventStreamMessage(
    { ':event-type': eventType, ':content-type': 'application/json', ':message-type': 'event' },
    JSON.stringify(payload),
  );
}

const ALL_TYPES: EventStreamHeader[] = [
  { name: 'yes', type: 'boolean', value: true },
  { name: 'no', type: 'boolean', value: false },
  { name: 'byte', type: 'byte', value: -128 },
  { name: 'short', type: 'short', value: 32767 },
  { name: 'int', type: 'integer', value: -2147483648 },
  { name: 'long', type: 'long', value: -9223372036854775808n },
  { name: 'bytes', type: 'binary', value: Uint8Array.of(0, 1, 254, 255) },
  { name: 'str', type: 'string', value: 'héllo 世界' },
  { name: 'ts', type: 'timestamp', value: new Date('2024-07-01T09:30:00.123Z') },
  { name: 'uuid', type: 'uuid', value: '0f8fad5b-d9cb-469f-a165-70867728950e' },
];

const STREAM = concat([
  bedrockEvent('messageStart', { role: 'assistant' }),
  bedrockEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Héllo 🎉' }, p: 'abcd' }),
  encodeEventStreamMessage(ALL_TYPES, Uint8Array.of(1, 2, 3)),
  encodeEventStreamMessage({}, ''),
  encodeEventStreamMessage(
    { ':exception-type': 'throttlingException', ':content-type': 'application/json', ':message-type': 'exception' },
    '{"message":"Too many requests"}',
  ),
]);

function summary(messages: EventStreamMessage[]): unknown[] {
  return messages.map((m) => ({ headers: m.headerList, payload: Array.from(m.payload) }));
}

describe('crc32', () => {
  it('matches the standard check value and zlib', () => {
    expect(crc32(enc.encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    const data = STREAM;
    expect(crc32(data)).toBe(zlibCrc32(data));
    expect(crc32(data.subarray(100), crc32(data.subarray(0, 100)))).toBe(zlibCrc32(data));
  });
});

describe('event-stream encoder', () => {
  it('produces the documented frame layout byte for byte', () => {
    // {"foo": "bar"} with no headers, and with content-type: application/json (a published example).
    expect(Array.from(encodeEventStreamMessage({}, '{"foo": "bar"}'))).toEqual([
      0, 0, 0, 30, 0, 0, 0, 0, 186, 242, 246, 138, ...enc.encode('{"foo": "bar"}'), 174, 114, 88, 228,
    ]);
    const withHeader = encodeEventStreamMessage({ 'content-type': 'application/json' }, '{"foo": "bar"}');
    expect(Array.from(withHeader.subarray(0, 12))).toEqual([0, 0, 0, 62, 0, 0, 0, 32, 64, 93, 249, 70]);
    expect(Array.from(withHeader.subarray(12, 28))).toEqual([12, ...enc.encode('content-type'), 7, 0, 16]);
    expect(Array.from(withHeader.subarray(58))).toEqual([111, 162, 191, 59]);
  });

  it('refuses header values that do not fit their type', () => {
    expect(() => encodeEventStreamMessage({ n: 2 ** 31 }, '')).toThrow(RangeError);
    expect(() => encodeEventStreamMessage({ n: { type: 'byte', value: 200 } }, '')).toThrow(RangeError);
    expect(() => encodeEventStreamMessage({ n: { type: 'uuid', value: 'nope' } }, '')).toThrow(RangeError);
    expect(() => encodeEventStreamMessage({ ['x'.repeat(256)]: 'v' }, '')).toThrow(RangeError);
  });
});

describe('EventStreamDecoder', () => {
  it('decodes Bedrock events, exceptions and every header value type', () => {
    const { messages, truncated } = decodeAll([STREAM]);
    expect(truncated).toBe(false);
    expect(messages).toHaveLength(5);
    expect(messages[0].headers[':event-type']).toBe('messageStart');
    expect(messages[0].headers[':message-type']).toBe('event');
    expect(messages[0].json()).toEqual({ role: 'assistant' });
    expect(messages[1].json()).toEqual({ contentBlockIndex: 0, delta: { text: 'Héllo 🎉' }, p: 'abcd' });
    expect(messages[2].headerList).toEqual(ALL_TYPES);
    expect(messages[2].headers.long).toBe(-9223372036854775808n);
    expect(Array.from(messages[2].payload)).toEqual([1, 2, 3]);
    expect(messages[3].headerList).toEqual([]);
    expect(messages[3].payload.length).toBe(0);
    expect(messages[4].headers[':message-type']).toBe('exception');
    expect(messages[4].headers[':exception-type']).toBe('throttlingException');
    expect(messages[4].json()).toEqual({ message: 'Too many requests' });
  });

  it('gives the same messages when the bytes are split at every position (including inside the prelude)', () => {
    const expected = summary(decodeAll([STREAM]).messages);
    for (let at = 0; at <= STREAM.length; at++) {
      const { messages, truncated } = decodeAll([STREAM.subarray(0, at), STREAM.subarray(at)]);
      expect(summary(messages), `split at byte ${at}`).toEqual(expected);
      expect(truncated).toBe(false);
    }
  });

  it('gives the same messages fed one byte at a time, and in chunks of every size', () => {
    const expected = summary(decodeAll([STREAM]).messages);
    for (let size = 1; size <= 64; size++) {
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < STREAM.length; i += size) chunks.push(STREAM.subarray(i, i + size));
      expect(summary(decodeAll(chunks).messages), `chunks of ${size}`).toEqual(expected);
    }
  });

  it('decodes a message that starts in the chunk where the previous one ends', () => {
    const one = bedrockEvent('a', { n: 1 });
    const chunk = concat([one, one.subarray(0, 5)]);
    const d = new EventStreamDecoder();
    const [first] = d.push(chunk);
    expect(first.json()).toEqual({ n: 1 });
    expect(d.push(one.subarray(5))[0].json()).toEqual({ n: 1 });
  });

  it('reports leftover bytes as a truncated stream', () => {
    for (const cut of [1, 11, 12, 20, STREAM.length - 1]) {
      const { truncated } = decodeAll([STREAM.subarray(0, cut)]);
      expect(truncated, `cut at ${cut}`).toBe(true);
    }
    const d = new EventStreamDecoder();
    d.push(STREAM.subarray(0, 7));
    expect(d.end()).toEqual({ truncated: true, leftoverBytes: 7 });
  });

  it('rejects a message whose payload was altered (message CRC)', () => {
    const bad = bedrockEvent('contentBlockDelta', { delta: { text: 'hi' } });
    bad[bad.length - 8] ^= 0x01;
    expect(() => new EventStreamDecoder().push(bad)).toThrow(expect.objectContaining({ reason: 'message_crc', code: 'GANTRY_ERR_UPSTREAM_FAILED' }));
  });

  it('rejects a corrupted prelude before waiting for the length it claims', () => {
    const bad = bedrockEvent('x', {});
    bad[2] ^= 0x40; // total length now ~4 MiB
    const d = new EventStreamDecoder();
    expect(() => d.push(bad.subarray(0, 12))).toThrow(expect.objectContaining({ reason: 'prelude_crc' }));
    expect(() => d.push(bad.subarray(12))).toThrow(EventStreamError); // stays failed
  });

  it('rejects every single-bit corruption of a message', () => {
    const good = bedrockEvent('contentBlockDelta', { delta: { text: 'hi' } });
    for (let i = 0; i < good.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const bad = Uint8Array.from(good);
        bad[i] ^= 1 << bit;
        // CRC-32 catches every single-bit error: in the prelude before any length is trusted.
        expect(() => decodeAll([bad]), `byte ${i} bit ${bit}`).toThrow(EventStreamError);
      }
    }
  });

  it('rejects an impossible length even with a valid prelude CRC', () => {
    const prelude = new Uint8Array(12);
    const view = new DataView(prelude.buffer);
    view.setUint32(0, 64 * 1024 * 1024);
    view.setUint32(4, 0);
    view.setUint32(8, crc32(prelude.subarray(0, 8)));
    expect(() => new EventStreamDecoder().push(prelude)).toThrow(expect.objectContaining({ reason: 'bad_length' }));
  });

  it('returns the messages before a fault, then throws it on the next call', () => {
    const bad = bedrockEvent('b', {});
    bad[bad.length - 1] ^= 0xff;
    const d = new EventStreamDecoder();
    const got = d.push(concat([bedrockEvent('a', {}), bad]));
    expect(got.map((m) => m.headers[':event-type'])).toEqual(['a']);
    expect(() => d.end()).toThrow(expect.objectContaining({ reason: 'message_crc' }));
  });

  it('rejects an unknown header value type', () => {
    // name "x", type 10: build by hand with valid CRCs.
    const headers = Uint8Array.of(1, 0x78, 10);
    const total = 16 + headers.length;
    const msg = new Uint8Array(total);
    const view = new DataView(msg.buffer);
    view.setUint32(0, total);
    view.setUint32(4, headers.length);
    view.setUint32(8, crc32(msg.subarray(0, 8)));
    msg.set(headers, 12);
    view.setUint32(total - 4, crc32(msg.subarray(0, total - 4)));
    expect(() => new EventStreamDecoder().push(msg)).toThrow(expect.objectContaining({ reason: 'bad_header' }));
  });

  it('json() throws a typed error for a payload that is not JSON', () => {
    const [m] = new EventStreamDecoder().push(encodeEventStreamMessage({ ':event-type': 'chunk' }, 'not json'));
    expect(() => m.json()).toThrow(expect.objectContaining({ reason: 'invalid_json', code: 'GANTRY_ERR_UPSTREAM_FAILED' }));
    expect(m.text()).toBe('not json');
  });
});

describe('decodeEventStream', () => {
  async function* from(chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
    yield* chunks;
  }

  it('yields messages and rejects (catchably) on a cut stream', async () => {
    const types: unknown[] = [];
    const run = async (chunks: Uint8Array[]): Promise<void> => {
      for await (const m of decodeEventStream(from(chunks))) types.push(m.headers[':event-type']);
    };
    await run([STREAM.subarray(0, 50), STREAM.subarray(50)]);
    expect(types.slice(0, 2)).toEqual(['messageStart', 'contentBlockDelta']);
    await expect(run([STREAM.subarray(0, STREAM.length - 3)])).rejects.toMatchObject({ reason: 'truncated' });
  });
});
