/**
 * What an `ai-cache` policy leaves on the request context (`ctx.aiCache`) for the AI handler: the
 * policy runs in the cache phase, before the body is read, so the lookup itself happens in the
 * handler once the body is parsed and the model resolved. Built once per policy and snapshot.
 */
import type { CacheStore } from '../../../cache/types.js';
import type { Coalescer } from '../../../cache/coalesce.js';
import type { CacheEntry } from '../../../cache/types.js';

export type AiCacheEndpoint = 'chat' | 'messages' | 'embeddings';

/** Who shares answers: the caller's team (default), or every caller of the service. */
export type AiCacheShare = 'team' | 'service';

export interface AiCacheSettings {
  /** The policy record's id: entries of two policies never mix. */
  policyId: string;
  store: CacheStore;
  ttlMs: number;
  endpoints: ReadonlySet<AiCacheEndpoint>;
  share: AiCacheShare;
  /** Answers larger than this (the JSON stored) are not cached. */
  maxEntryBytes: number;
  /** Lower-case request header whose value `bypass`/`no-cache`/`no-store` skips the cache. */
  bypassHeader: string;
  /** `Cache-Control: no-cache` / `no-store` on the request are honoured like the bypass header. */
  honorCacheControl: boolean;
  /** Only requests with `temperature: 0` and a single choice are cached. */
  deterministicOnly: boolean;
  /** Concurrent identical misses wait for the first one's answer; null: coalescing off. */
  coalescer: Coalescer<CacheEntry | undefined> | null;
}
