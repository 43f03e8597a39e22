/**
 * Base of the stream translators: collects the client events one upstream chunk produced and
 * writes them in one go (one socket write per upstream chunk, never a timer), and makes the
 * translator inert once it finished or failed.
 */
import type { ErrorBody, NormalizedUsage } from '../../protocols/openai-types.js';
import type { StreamSink, StreamTranslator } from './types.js';

export abstract class ClientStream implements StreamTranslator {
  protected readonly sink: StreamSink;
  /** Events waiting for the end of the current push. */
  protected out = '';
  /** Finished or failed: nothing more is written. */
  protected over = false;

  constructor(sink: StreamSink) {
    this.sink = sink;
  }

  abstract get usage(): NormalizedUsage | undefined;

  protected abstract consume(chunk: Buffer): void;
  protected abstract close(incomplete: boolean): void;

  push(chunk: Buffer): void {
    if (this.over) return;
    this.consume(chunk);
    this.flush();
  }

  end(incomplete: boolean): void {
    if (this.over) return;
    this.close(incomplete);
    this.flush();
  }

  protected flush(): void {
    if (this.out !== '' && !this.over) {
      const text = this.out;
      this.out = '';
      this.sink.write(text);
    }
  }

  /** Clean end: the events still waiting and `last` go out with the end of the response, in one write. */
  protected finish(last: string): void {
    if (this.over) return;
    const text = this.out + last;
    this.out = '';
    this.over = true;
    this.sink.finish(text);
  }

  protected fail(kind: 'provider' | 'interrupted', status: number, error: ErrorBody['error'], anthropicType?: string): void {
    if (this.over) return;
    this.flush();
    this.over = true;
    this.sink.fail(kind, status, error, anthropicType);
  }
}

export function interrupted(message = 'The provider stream ended before the answer was complete'): ErrorBody['error'] {
  return { message, type: 'server_error', param: null, code: null };
}
