/** The worker side of WorkerStoreSink: one store, batches in, one reply per batch. */
import { parentPort, workerData } from 'node:worker_threads';
import { isGantryError } from '../../core/errors.js';
import { createStore } from '../../store/index.js';
import { encodeBatch, type EncodedBatch } from '../../store/repos/call-segments.js';
import { blockRecords, type BlockData } from '../block-data.js';

const port = parentPort!;
const { url } = workerData as { url: string };
const store = await createStore({ url });

type Message = { type: 'write'; id: number; batch: EncodedBatch } | { type: 'block'; id: number; block: BlockData } | { type: 'close' };

port.on('message', async (message: Message) => {
  if (message.type === 'close') {
    await store.close().catch(() => undefined);
    port.close();
    return;
  }
  try {
    let batch: EncodedBatch;
    if (message.type === 'block') {
      const { records, bodies } = blockRecords(message.block);
      batch = encodeBatch(records, bodies);
    } else batch = message.batch;
    await store.callLogs.insertEncoded(batch);
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
