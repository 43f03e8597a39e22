/**
 * Where call records go. A sink writes one batch at a time (the pipeline never calls `write` again
 * before the previous call settled) and either succeeds, or throws: a SinkError says whether trying
 * the same batch again may work; any other error counts as retryable.
 */
import type { CallBodies, CallRecord } from '../../core/call-record.js';
import type { BlockData } from '../block-data.js';

export interface CallSink {
  /** For stats and logs: `store`, `file`, `webhook`... */
  readonly name: string;
  /** `bodies` holds the captured bodies of some of the records (matched by id). */
  write(records: readonly CallRecord[], bodies: readonly CallBodies[]): Promise<void>;
  /**
   * The same for a batch as the pipeline holds it (block-data.ts), when the sink would rather build
   * the records itself, e.g. in another thread; without it the pipeline builds them and calls `write`.
   */
  writeBlock?(block: BlockData): Promise<void>;
  close?(): Promise<void>;
}

export class SinkError extends Error {
  override name = 'SinkError';
  readonly retryable: boolean;

  constructor(message: string, opts: { retryable: boolean; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.retryable = opts.retryable;
  }
}

export function isRetryable(err: unknown): boolean {
  return !(err instanceof SinkError) || err.retryable;
}
