/** The store sink: `store.callLogs.insertBatch` (records, bodies and rollups in one transaction). */
import type { CallBodies, CallRecord } from '../../core/call-record.js';
import { isGantryError } from '../../core/errors.js';
import type { Store } from '../../store/types.js';
import { SinkError, type CallSink } from './types.js';

/**
 * What a store write failed with, for the pipeline: a record the store refuses (a validation error)
 * will be refused again, so that is a SinkError that is not retried; an unreachable database may come back.
 */
export function storeWriteError(err: unknown): unknown {
  if (isGantryError(err) && err.code === 'GANTRY_ERR_VALIDATION') {
    return new SinkError(`the store refused the batch: ${err.message}`, { retryable: false, cause: err });
  }
  return err;
}

export class StoreSink implements CallSink {
  readonly name = 'store';

  constructor(private readonly store: Store) {}

  async write(records: readonly CallRecord[], bodies: readonly CallBodies[]): Promise<void> {
    try {
      await this.store.callLogs.insertBatch(records, bodies);
    } catch (err) {
      throw storeWriteError(err);
    }
  }
}
