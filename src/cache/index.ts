export { aiCacheKey, AI_KEY_EXCLUDED, canonicalJson, normalizeAiRequest, type AiCacheKind } from './ai-key.js';
export {
  replayAnthropicEvents,
  replayAnthropicSse,
  replayOpenAiChunks,
  replayOpenAiSse,
  splitText,
  type OpenAiReplayOptions,
  type ReplayOptions,
} from './ai-replay.js';
export { Coalescer, CoalesceTimeoutError, type CoalesceStats, type CoalescerOptions } from './coalesce.js';
export { decodeEntry, encodeEntry } from './entry-codec.js';
export * from './http-semantics.js';
export { formatHttpDate, headerValue, parseCacheControl, parseHttpDate, type Directives, type HeaderSource } from './http-headers.js';
export { entrySize, MemoryCacheStore, type MemoryCacheStoreOptions } from './memory-store.js';
export { RedisCacheStore, type RedisCacheStoreOptions } from './redis-store.js';
export type { CacheEntry, CacheStats, CacheStore, MaybePromise, RawHeaders } from './types.js';
