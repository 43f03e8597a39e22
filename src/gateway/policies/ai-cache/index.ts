/**
 * ai-cache: exact-match caching of AI answers. The cache phase runs before the body is read, so the
 * handler here only leaves the compiled settings on the context (`ctx.aiCache`); the AI handler
 * (src/ai/gateway/cache) computes the key once it has parsed the body and resolved the model, and
 * answers from the cache or stores the provider's answer. On a service that is not `ai` it does
 * nothing (the REST `cache` policy is the one for those).
 */
import { Coalescer } from '../../../cache/coalesce.js';
import type { CacheEntry, CacheStore } from '../../../cache/types.js';
import type { AiCacheSettings } from '../../../ai/gateway/cache/settings.js';
import type { RequestContext } from '../../context.js';
import type { PolicyDefinition } from '../types.js';
import { AiCacheOptions } from './schema.js';

/** Validation without a node: a store that is never asked. */
const DETACHED: CacheStore = {
  get: () => undefined,
  set: () => undefined,
  delete: () => false,
  deleteByTag: () => 0,
  clear: () => undefined,
  stats: () => ({ hits: 0, misses: 0, sets: 0, deletes: 0, evictions: 0, errors: 0, entries: null, bytes: null }),
  close: () => undefined,
};

export const aiCachePolicy: PolicyDefinition<typeof AiCacheOptions, RequestContext> = {
  type: 'ai-cache',
  description: 'Answer repeated AI requests (chat, messages, embeddings) from a cache, streamed or not; hits cost nothing at the provider.',
  schema: AiCacheOptions,
  priority: 500,
  phases: ['cache'],
  create(options, env) {
    const settings: AiCacheSettings = Object.freeze({
      policyId: env.policyId,
      store: env.cacheStores === null ? DETACHED : env.cacheStores.get(options.store),
      ttlMs: options.ttl_seconds * 1000,
      endpoints: new Set(options.endpoints),
      share: options.share,
      maxEntryBytes: options.max_entry_bytes,
      bypassHeader: options.bypass_header.toLowerCase(),
      honorCacheControl: options.honor_cache_control,
      deterministicOnly: options.deterministic_only,
      coalescer: options.coalesce ? new Coalescer<CacheEntry | undefined>({ maxWaitMs: options.coalesce_wait_ms }) : null,
    });

    function aiCache(ctx: RequestContext): void {
      if (ctx.service?.kind === 'ai') ctx.aiCache = settings;
    }
    return { cache: aiCache };
  },
};
