/**
 * Upstream SSE bytes → events. Decodes with node's StringDecoder (a character split across chunks
 * waits for its other bytes) and hands text to the shared SseParser: several times cheaper per
 * chunk than TextDecoder's streaming mode, which matters once per upstream chunk.
 */
import { StringDecoder } from 'node:string_decoder';
import { SseParser, type SseEvent } from '../../transport/sse.js';

export class SseReader {
  readonly #decoder = new StringDecoder('utf8');
  readonly #parser = new SseParser();

  push(chunk: Buffer): SseEvent[] {
    return this.#parser.push(this.#decoder.write(chunk));
  }

  /** Ends the stream; true when it stopped inside an event (or a character). */
  end(): boolean {
    const rest = this.#decoder.end();
    if (rest.length > 0) this.#parser.push(rest);
    this.#parser.end();
    return this.#parser.hadIncompleteEvent;
  }
}
