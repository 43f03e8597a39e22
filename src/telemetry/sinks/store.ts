/** The store sink: `store.callLogs.insertBatch` (records, bodies and rollups in one transaction). */
import type { CallBodies, CallRecord } from '../../core/call-record.js';
import { isGantryError } from '../../core/errors.js';
import type { Store } from '../../store/types.js';
import { SinkError, type CallSink } from './types.js';

export class StoreSink implements CallSink {
  readonly name = 'store';

  constructor(private readonly store: Store) {}

  async write(records: readonly CallRecord[], bodies: readonly CallBodies[]): Promise<void> {
    try {
      await this.store.callLogs.insertBatch(records, bodies);
    } catch (err) {
      // A record the store refuses will be refused again; an unreachable database may come back.
      if (isGantryError(err) && err.code === 'GANTRY_ERR_VALIDATION') {
        throw new SinkError(`the store refused the batch: ${err.message}`, { retryable: false, cause: err });
      }
      throw err;
    }
  }
}
