import { describe, expect, it } from 'vitest';
import { isGantryError } from '../../../src/core/errors.js';
import {
  formatSseComment,
  formatSseEvent,
  parseSseJson,
  parseSseStream,
  SSE_HEADERS,
  SseParser,
  type SseEvent,
} from '../../../src/ai/transport/sse.js';

const enc = new TextEncoder();

function parseAll(chunks: Array<Uint8Array | string>): { events: SseEvent[]; incomplete: boolean } {
  const p = new SseParser();
  const events: SseEvent[] = [];
  for (const c of chunks) events.push(...p.push(c));
  events.push(...p.end());
  return { events, incomplete: p.hadIncompleteEvent };
}

/** The same bytes cut in two at `at`. */
function splitAt(bytes: Uint8Array, at: number): Uint8Array[] {
  return [bytes.subarray(0, at), bytes.subarray(at)];
}

/** An Anthropic-style stream with every line-ending style, a BOM, comments and multi-byte text. */
const FIXTURE =
  '\uFEFF: connected\n' +
  'event: message_start\r\n' +
  'data: {"type":"message_start"}\r\n' +
  '\r\n' +
  ': keep-alive\r' +
  'event: content_block_delta\r' +
  'data: {"text":"héllo – 世界 🎉"}\r' +
  '\r' +
  'id: 42\n' +
  'data:no-space\n' +
  'data:  two spaces\n' +
  'data\n' +
  'data: last\n' +
  '\n' +
  'event: ping\n' +
  '\n' + // no data: not dispatched
  'retry: 3000\n' +
  'unknown-field: ignored\n' +
  'data: [DONE]\n' +
  '\n';

const EXPECTED: SseEvent[] = [
  { event: 'message_start', data: '{"type":"message_start"}' },
  { event: 'content_block_delta', data: '{"text":"héllo – 世界 🎉"}' },
  { event: 'message', data: 'no-space\n two spaces\n\nlast', id: '42' },
  { event: 'message', data: '[DONE]', id: '42', retry: 3000 },
];

describe('SseParser', () => {
  it('parses a stream with LF, CRLF and CR line endings, comments, a BOM and multi-line data', () => {
    const { events, incomplete } = parseAll([enc.encode(FIXTURE)]);
    expect(events).toEqual(EXPECTED);
    expect(incomplete).toBe(false);
  });

  it('gives the same events when the bytes are split at every position', () => {
    const bytes = enc.encode(FIXTURE);
    for (let at = 0; at <= bytes.length; at++) {
      const { events, incomplete } = parseAll(splitAt(bytes, at));
      expect(events, `split at byte ${at}`).toEqual(EXPECTED);
      expect(incomplete).toBe(false);
    }
  });

  it('gives the same events when split at every pair of positions', () => {
    const bytes = enc.encode(FIXTURE);
    for (let a = 0; a <= bytes.length; a += 3) {
      for (let b = a; b <= bytes.length; b += 5) {
        const { events } = parseAll([bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)]);
        expect(events, `split at ${a} and ${b}`).toEqual(EXPECTED);
      }
    }
  });

  it('gives the same events fed one byte at a time, and one UTF-16 unit at a time as strings', () => {
    const bytes = enc.encode(FIXTURE);
    expect(parseAll(Array.from(bytes, (b) => Uint8Array.of(b))).events).toEqual(EXPECTED);
    expect(parseAll(FIXTURE.split('')).events).toEqual(EXPECTED);
  });

  it('treats a CR at the end of one chunk and an LF at the start of the next as one line end', () => {
    const { events } = parseAll(['data: a\r', '\n', 'data: b\r', '\ndata: c\r\n\r', '\n']);
    expect(events).toEqual([{ event: 'message', data: 'a\nb\nc' }]);
  });

  it('treats CR CR as two line ends (an empty line dispatches)', () => {
    const { events } = parseAll(['data: a\r\rdata: b\r\r']);
    expect(events).toEqual([
      { event: 'message', data: 'a' },
      { event: 'message', data: 'b' },
    ]);
  });

  it('decodes a multi-byte UTF-8 character split across chunks', () => {
    const bytes = enc.encode('data: 🎉é\n\n');
    for (let at = 6; at < 12; at++) {
      expect(parseAll(splitAt(bytes, at)).events).toEqual([{ event: 'message', data: '🎉é' }]);
    }
  });

  it('ignores comment lines and does not dispatch events without data', () => {
    const { events, incomplete } = parseAll([': ping\n\n:\n\nevent: x\nid: 1\n\n: bye\n\n']);
    expect(events).toEqual([]);
    expect(incomplete).toBe(false);
  });

  it('strips only one leading space from a value, and treats a line without a colon as a field with an empty value', () => {
    const { events } = parseAll(['data:   x \ndata\nevent\n\n']);
    expect(events).toEqual([{ event: 'message', data: '  x \n' }]);
  });

  it('keeps the last event id across events, and an empty id: field clears it', () => {
    const { events } = parseAll(['id: 7\ndata: a\n\ndata: b\n\nid\ndata: c\n\nid: x\0y\ndata: d\n\n']);
    expect(events.map((e) => e.id)).toEqual(['7', '7', undefined, undefined]);
  });

  it('ignores a retry field that is not all digits', () => {
    const { events } = parseAll(['retry: 10s\ndata: a\n\nretry: 25\ndata: b\n\n']);
    expect(events).toEqual([
      { event: 'message', data: 'a' },
      { event: 'message', data: 'b', retry: 25 },
    ]);
  });

  it('strips a BOM only at the start of the stream', () => {
    expect(parseAll([Uint8Array.of(0xef, 0xbb), Uint8Array.of(0xbf), 'data: \uFEFFx\n\n']).events).toEqual([
      { event: 'message', data: '\uFEFFx' },
    ]);
  });

  it('discards an event cut before its blank line and reports it', () => {
    for (const tail of ['data: {"par', 'data: {"partial":true}\n', 'event: x\n', 'data: a\r']) {
      const { events, incomplete } = parseAll([`data: ok\n\n${tail}`]);
      expect(events, tail).toEqual([{ event: 'message', data: 'ok' }]);
      expect(incomplete, JSON.stringify(tail)).toBe(true);
    }
  });

  it('does not report a clean end, or a trailing comment, as incomplete', () => {
    expect(parseAll(['data: ok\n\n']).incomplete).toBe(false);
    expect(parseAll(['data: ok\n\n: keep-alive']).incomplete).toBe(false);
    expect(parseAll([]).incomplete).toBe(false);
  });

  it('can be reused after end()', () => {
    const p = new SseParser();
    p.push('id: 1\ndata: partial');
    p.end();
    expect(p.hadIncompleteEvent).toBe(true);
    expect(p.push('data: fresh\n\n')).toEqual([{ event: 'message', data: 'fresh' }]);
    p.end();
    expect(p.hadIncompleteEvent).toBe(false);
  });

  it('handles a long data line delivered in many small chunks', () => {
    const big = 'x'.repeat(200_000);
    const text = `data: ${big}\n\n`;
    const chunks: string[] = [];
    for (let i = 0; i < text.length; i += 7) chunks.push(text.slice(i, i + 7));
    expect(parseAll(chunks).events).toEqual([{ event: 'message', data: big }]);
  });
});

describe('SSE writer', () => {
  it('writes one data line per line of data, and round-trips through the parser', () => {
    const text = formatSseEvent({ event: 'delta', id: '9', data: 'a\nb\r\nc\rd' });
    expect(text).toBe('event: delta\nid: 9\ndata: a\ndata: b\ndata: c\ndata: d\n\n');
    expect(parseAll([text]).events).toEqual([{ event: 'delta', data: 'a\nb\nc\nd', id: '9' }]);
    expect(formatSseEvent({ data: '{"x":1}' })).toBe('data: {"x":1}\n\n');
    expect(formatSseEvent({ data: '' })).toBe('data: \n\n');
  });

  it('cannot be made to inject fields through the event name or id', () => {
    const text = formatSseEvent({ event: 'x\ndata: evil', id: '1\r\nevent: y', data: 'ok' });
    expect(parseAll([text]).events).toEqual([{ event: 'xdata: evil', data: 'ok', id: '1event: y' }]);
  });

  it('writes comments that parsers ignore', () => {
    expect(formatSseComment('keep-alive')).toBe(': keep-alive\n\n');
    expect(parseAll([formatSseComment('a\nb') + formatSseEvent({ data: 'z' })]).events).toEqual([{ event: 'message', data: 'z' }]);
  });

  it('declares the stream headers', () => {
    expect(SSE_HEADERS).toEqual({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
  });
});

describe('parseSseJson', () => {
  it('returns done for [DONE], the value for JSON, and a typed error (not a throw) otherwise', () => {
    expect(parseSseJson({ event: 'message', data: '[DONE]' })).toEqual({ done: true });
    expect(parseSseJson<{ a: number }>({ event: 'message', data: '{"a":1}' })).toEqual({ done: false, value: { a: 1 } });
    const bad = parseSseJson({ event: 'message', data: '{"a":' });
    expect(bad.done).toBe(false);
    expect(isGantryError(bad.error)).toBe(true);
    expect(bad.error?.code).toBe('GANTRY_ERR_UPSTREAM_FAILED');
    expect(bad.error?.cause).toBeInstanceOf(SyntaxError);
  });
});

describe('parseSseStream', () => {
  async function* from(chunks: string[]): AsyncGenerator<Uint8Array> {
    for (const c of chunks) yield enc.encode(c);
  }

  it('yields events from a byte stream', async () => {
    const events: SseEvent[] = [];
    for await (const ev of parseSseStream(from(['data: a\n', '\ndata: b\n\n']))) events.push(ev);
    expect(events.map((e) => e.data)).toEqual(['a', 'b']);
  });

  it('rejects (catchably) when the stream is cut inside an event, after yielding the complete ones', async () => {
    const seen: string[] = [];
    const run = async (): Promise<void> => {
      for await (const ev of parseSseStream(from(['data: a\n\ndata: {"cut']))) seen.push(ev.data);
    };
    await expect(run()).rejects.toMatchObject({ code: 'GANTRY_ERR_UPSTREAM_FAILED' });
    expect(seen).toEqual(['a']);
  });
});
