/**
 * Server-Sent Events: a streaming parser that follows the WHATWG HTML "event stream
 * interpretation" rules, and the writer side used when Gantry itself streams to clients.
 *
 * Hot-path rules this file keeps: each chunk is scanned once (native indexOf, no regex over
 * buffered text), a partial line is kept as a list of pieces joined only when its end arrives,
 * and nothing here throws on any input.
 */
import { GantryError } from '../../core/errors.js';

export interface SseEvent {
  /** The `event:` field, `message` when the event named none. */
  event: string;
  /** All `data:` lines of the event joined by `\n`. */
  data: string;
  /**
   * The stream's last event id when this event was dispatched (the spec's `lastEventId`:
   * it persists across events until an `id:` field changes it). Absent while it is empty.
   */
  id?: string;
  /** The `retry:` field when this event carried a valid one (milliseconds). */
  retry?: number;
}

const LF = 10;
const CR = 13;
const COLON = 58;
const SPACE = 32;
const BOM = 0xfeff;

export class SseParser {
  /**
   * Set by `end()`: the stream stopped inside an event (an unterminated line, or fields
   * without the blank line that dispatches them). Per spec that event is discarded; a caller
   * proxying an upstream uses this flag to report a cut stream instead of a clean end.
   */
  hadIncompleteEvent = false;

  readonly #decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  #atStart = true;
  /** A chunk ended with `\r`: a `\n` opening the next chunk belongs to the same line end. */
  #skipLF = false;
  /** Pieces of the current, not yet terminated, line. */
  #partial: string[] = [];
  #dataLines: string[] = [];
  #eventType = '';
  #lastEventId = '';
  #retry: number | undefined;
  /** A field line was seen since the last dispatch (for `hadIncompleteEvent`). */
  #fieldsPending = false;

  /** The stream's current last event id (the value a reconnecting client would send). */
  get lastEventId(): string {
    return this.#lastEventId;
  }

  /** Feeds the next chunk; returns the events it completed. Bytes are decoded as streaming UTF-8. */
  push(chunk: Uint8Array | string): SseEvent[] {
    const text = typeof chunk === 'string' ? chunk : this.#decoder.decode(chunk, { stream: true });
    const out: SseEvent[] = [];
    if (text.length > 0) this.#scan(text, out);
    return out;
  }

  /**
   * Ends the stream. Per spec an event not closed by a blank line is discarded, so this
   * returns no events; check `hadIncompleteEvent`. The parser is reset and can be reused.
   */
  end(): SseEvent[] {
    const rest = this.#decoder.decode();
    const out: SseEvent[] = [];
    if (rest.length > 0) this.#scan(rest, out);
    const line = this.#partial.length > 0 ? this.#partial.join('') : '';
    this.hadIncompleteEvent =
      this.#dataLines.length > 0 || this.#fieldsPending || (line.length > 0 && line.charCodeAt(0) !== COLON);
    this.#atStart = true;
    this.#skipLF = false;
    this.#partial = [];
    this.#dataLines = [];
    this.#eventType = '';
    this.#lastEventId = '';
    this.#retry = undefined;
    this.#fieldsPending = false;
    return out;
  }

  #scan(text: string, out: SseEvent[]): void {
    let start = 0;
    if (this.#atStart) {
      this.#atStart = false;
      if (text.charCodeAt(0) === BOM) start = 1;
    }
    if (this.#skipLF) {
      this.#skipLF = false;
      if (text.charCodeAt(start) === LF) start++;
    }
    const len = text.length;
    let nextLF = text.indexOf('\n', start);
    let nextCR = text.indexOf('\r', start);
    while (start < len) {
      let end: number;
      if (nextLF === -1 && nextCR === -1) break;
      else if (nextLF === -1) end = nextCR;
      else if (nextCR === -1) end = nextLF;
      else end = nextLF < nextCR ? nextLF : nextCR;

      let line = text.slice(start, end);
      if (this.#partial.length > 0) {
        this.#partial.push(line);
        line = this.#partial.join('');
        this.#partial = [];
      }
      this.#line(line, out);

      start = end + 1;
      if (text.charCodeAt(end) === CR) {
        if (start === len) this.#skipLF = true;
        else if (text.charCodeAt(start) === LF) start++;
      }
      if (nextLF !== -1 && nextLF < start) nextLF = text.indexOf('\n', start);
      if (nextCR !== -1 && nextCR < start) nextCR = text.indexOf('\r', start);
    }
    if (start < len) this.#partial.push(start === 0 ? text : text.slice(start));
  }

  #line(line: string, out: SseEvent[]): void {
    if (line.length === 0) {
      this.#dispatch(out);
      return;
    }
    if (line.charCodeAt(0) === COLON) return; // comment, e.g. `: keep-alive`
    this.#fieldsPending = true;
    const colon = line.indexOf(':');
    let field: string;
    let value: string;
    if (colon === -1) {
      field = line;
      value = '';
    } else {
      field = line.slice(0, colon);
      value = line.slice(line.charCodeAt(colon + 1) === SPACE ? colon + 2 : colon + 1);
    }
    switch (field) {
      case 'data':
        this.#dataLines.push(value);
        break;
      case 'event':
        this.#eventType = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.#lastEventId = value;
        break;
      case 'retry':
        if (/^[0-9]+$/.test(value)) this.#retry = Number(value);
        break;
      default:
        break; // unknown fields are ignored
    }
  }

  #dispatch(out: SseEvent[]): void {
    this.#fieldsPending = false;
    const retry = this.#retry;
    this.#retry = undefined;
    if (this.#dataLines.length === 0) {
      this.#eventType = '';
      return; // spec: an event without data is not dispatched
    }
    const data = this.#dataLines.length === 1 ? this.#dataLines[0] : this.#dataLines.join('\n');
    const ev: SseEvent = { event: this.#eventType === '' ? 'message' : this.#eventType, data };
    if (this.#lastEventId !== '') ev.id = this.#lastEventId;
    if (retry !== undefined) ev.retry = retry;
    this.#dataLines = [];
    this.#eventType = '';
    out.push(ev);
  }
}

/** Response headers for a stream Gantry sends (`x-accel-buffering: no` stops nginx buffering it). */
export const SSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
});

/** A line break inside `event` or `id` would start a new field: those characters are dropped. */
function singleLine(value: string): string {
  return value.includes('\n') || value.includes('\r') ? value.replace(/[\r\n]/g, '') : value;
}

/** One event on the wire, ending with the blank line that dispatches it. */
export function formatSseEvent(ev: { event?: string; data: string; id?: string }): string {
  let out = '';
  if (ev.event !== undefined && ev.event !== '') out += `event: ${singleLine(ev.event)}\n`;
  if (ev.id !== undefined) out += `id: ${singleLine(ev.id)}\n`;
  const data = ev.data;
  if (!data.includes('\n') && !data.includes('\r')) return `${out}data: ${data}\n\n`;
  for (const line of data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return `${out}\n`;
}

/** A comment line (clients ignore it); used as a keep-alive. */
export function formatSseComment(text = ''): string {
  return `: ${singleLine(text)}\n\n`;
}

export type SseJson<T> =
  | { done: true; value?: undefined; error?: undefined }
  | { done: false; value: T; error?: undefined }
  | { done: false; value?: undefined; error: GantryError };

/**
 * An event's data as JSON. `[DONE]` (OpenAI's end marker) gives `{ done: true }`; data that is
 * not JSON gives an `error` (GANTRY_ERR_UPSTREAM_FAILED, cause kept), never a throw.
 */
export function parseSseJson<T = unknown>(ev: Pick<SseEvent, 'data' | 'event'>): SseJson<T> {
  const data = ev.data;
  if (data === '[DONE]') return { done: true };
  try {
    return { done: false, value: JSON.parse(data) as T };
  } catch (cause) {
    return {
      done: false,
      error: new GantryError(
        'GANTRY_ERR_UPSTREAM_FAILED',
        `The upstream sent a '${ev.event.slice(0, 64)}' event whose data is not valid JSON`,
        { cause },
      ),
    };
  }
}

/**
 * Parses a byte stream into events. A stream that ends inside an event, or a source that
 * fails, rejects the iteration (never an uncaught exception): GANTRY_ERR_UPSTREAM_FAILED.
 */
export async function* parseSseStream(source: AsyncIterable<Uint8Array | string>): AsyncGenerator<SseEvent> {
  const parser = new SseParser();
  for await (const chunk of source) yield* parser.push(chunk);
  yield* parser.end();
  if (parser.hadIncompleteEvent) {
    throw new GantryError('GANTRY_ERR_UPSTREAM_FAILED', 'The upstream event stream ended in the middle of an event');
  }
}
