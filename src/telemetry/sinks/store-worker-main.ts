/** The worker side of WorkerStoreSink: one store, batches in, one reply per batch. */
import { parentPort, workerData } from 'node:worker_threads';
import { isGantryError } from '../../core/errors.js';
import { createStore } from '../../store/index.js';
import type { EncodedBatch } from '../../store/repos/call-segments.js';

const port = parentPort!;
const { url } = workerData as { url: string };
const store = await createStore({ url });

port.on('message', async (message: { type: 'write'; id: number; batch: EncodedBatch } | { type: 'close' }) => {
  if (message.type === 'close') {
    await store.close().catch(() => undefined);
    port.close();
    return;
  }
  try {
    await store.callLogs.insertEncoded(message.batch);
    port.postMessage({ id: message.id, ok: true });
  } catch (err) {
    port.postMessage({
      id: message.id,
      ok: false,
      message: err instanceof Error ? err.message : String(err),
      code: isGantryError(err) ? err.code : undefined,
    });
  }
});
