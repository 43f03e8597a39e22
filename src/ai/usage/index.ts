/**
 * AI usage accounting: token estimates, per-app limits, usage rollups, provider key status.
 *
 * How the app wires it (one of each per node, data plane only):
 *
 *   loadTokenizers();                        // ~0.5 s of CPU at start, so no request pays it
 *   const limiter = new AiLimiter();
 *   await limiter.refreshFromStore(store);   // start from the spend the store recorded (before serving)
 *   const refresh = setInterval(() => void limiter.refreshFromStore(store).catch((err) => logger.warn({ err }, 'AI spend refresh failed')), 60_000);
 *   refresh.unref();
 *   const recorder = new UsageRecorder({ store, logger, onRecorded: (rows) => limiter.noteRecorded(rows) }).start();
 *   const keyStatus = new KeyStatusWriter({ store, logger }).start();
 *   createDataPlane({ …, aiHooks: createUsageHooks({ limiter }) });
 *
 * Stop, after the data plane stopped taking requests and before the store closes:
 *   clearInterval(refresh); await recorder.close(); await keyStatus.close();
 *
 * `onRecorded → noteRecorded` is what keeps spend from being counted twice across refreshes: without
 * it, every reconciled cost stays in the local part after it was flushed, so from the next refresh on
 * it counts twice (once in the store's total, once locally).
 */
export { loadTokenizers, encodingForModel, type EncodingName } from './tokenizer.js';
export {
  estimatePromptTokens,
  estimateMessagesTokens,
  estimateEmbeddingTokens,
  estimateTextTokens,
  estimateCompletionTokens,
  estimateInputTokens,
  requestedOutputTokens,
  roughTokenCount,
  EXACT_CHARS_PER_ESTIMATE,
  IMAGE_TOKENS,
  type EstimatedEndpoint,
} from './estimate.js';
export { estimateCost, estimateCall, outputTokenBound, DEFAULT_MAX_OUTPUT_TOKENS, type CallEstimate } from './cost-bound.js';
export {
  AiLimiter,
  utcDay,
  type AiLimiterOptions,
  type AiLimitCode,
  type AiReservation,
  type LimitCheck,
  type LimitEstimate,
} from './limiter.js';
export { MemoryAiLimitCounters, type AiLimitCounters, type SpendPeriod, type TokenVerdict } from './counters.js';
export { UsageRecorder, type UsageRecorderOptions, type UsageRecorderStats, type UsageLogger } from './recorder.js';
export { KeyStatusWriter, type KeyStatusWriterOptions } from './key-status.js';
export { createUsageHooks, createLimiterHook, type UsageHooksOptions } from './hooks.js';
