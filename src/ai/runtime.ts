/**
 * The AI gateway's per-node runtime: usage recording, key-status persistence and the per-app limiter
 * (seeded from recorded usage, refreshed every minute off the hot path), and the hooks the data plane
 * calls. Started by the node wiring (app.ts) before the data plane serves, closed after it stops.
 */
import type { Store } from '../store/types.js';
import type { AiHooks } from './gateway/hooks.js';
import { AiLimiter, createUsageHooks, KeyStatusWriter, loadTokenizers, UsageRecorder } from './usage/index.js';

export interface AiRuntime {
  hooks: AiHooks;
  limiter: AiLimiter;
  recorder: UsageRecorder;
  close(): Promise<void>;
}

interface Logger {
  info(o: object, m?: string): void;
  warn(o: object, m?: string): void;
  error(o: object, m?: string): void;
}

export async function startAiRuntime(store: Store, logger: Logger, opts: { refreshMs?: number } = {}): Promise<AiRuntime> {
  loadTokenizers();
  const limiter = new AiLimiter();
  try {
    await limiter.refreshFromStore(store);
  } catch (err) {
    // Limits then count from zero until the next refresh; serving must not wait for the store.
    logger.warn({ err }, 'could not read recorded AI spend; limits start from zero until the next refresh');
  }
  const recorder = new UsageRecorder({ store, logger, onRecorded: (rows) => limiter.noteRecorded(rows) }).start();
  const keyStatus = new KeyStatusWriter({ store, logger }).start();
  const timer = setInterval(() => {
    limiter.refreshFromStore(store).catch((err: unknown) => logger.warn({ err }, 'AI spend refresh failed'));
  }, opts.refreshMs ?? 60_000);
  timer.unref();
  return {
    hooks: createUsageHooks({ limiter }),
    limiter,
    recorder,
    close: async () => {
      clearInterval(timer);
      await recorder.close();
      await keyStatus.close();
    },
  };
}
