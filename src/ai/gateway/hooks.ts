/**
 * What the AI request path asks of usage accounting, behind a small interface so the handler is
 * testable without it: a token estimate before sending (limits) and when the provider reported no
 * usage, the limiter, and the cost of a call. `createDefaultHooks` wires Gantry's implementations
 * (ai/usage); tests may pass their own through DataPlaneOptions.aiHooks.
 */
import type { AiLimits } from '../../core/ai-limits.js';
import type { ErrorCode } from '../../core/errors.js';
import type { ModelCatalog } from '../catalog/index.js';
import type { AiCostBreakdown } from '../events.js';
import type { NormalizedUsage } from '../protocols/openai-types.js';

/** `reservation`: whatever the limiter wants back in `reconcile` for this call. */
export type LimitVerdict = { ok: true; reservation?: unknown } | { ok: false; code: ErrorCode; message?: string; retryAfterS?: number };

/** The request being checked, for limiters that bound the output (`max_tokens`) themselves. */
export interface LimitRequest {
  endpoint: 'chat' | 'messages' | 'embeddings';
  body: unknown;
  /** The snapshot's catalog (operator overrides applied), to price the bound. */
  catalog: ModelCatalog;
}

export interface AiLimiterHook {
  /** Before sending: may the app spend about `estimate` more input tokens on `model` (a catalog id)? */
  check(appId: string, limits: AiLimits, estimate: number, model: string | null, request?: LimitRequest): LimitVerdict | Promise<LimitVerdict>;
  /**
   * After the call, exactly once per passed check: the real usage (null when no provider answered)
   * and cost replace the estimate. `reservation` is what `check` returned.
   */
  reconcile(appId: string, limits: AiLimits, estimate: number, usage: NormalizedUsage | null, costUsd: number | null, reservation?: unknown): void;
}

export interface AiHooks {
  /** Input tokens of a request body (OpenAI chat, Anthropic messages or embeddings), estimated locally. */
  estimateInputTokens(body: unknown, endpoint: 'chat' | 'messages' | 'embeddings', model: string): number;
  /** Tokens of generated text, for calls whose provider reported no usage. */
  estimateTextTokens(text: string, model: string): number;
  /** USD cost of a call on a catalog model id (`<kind>/<model>`); null when the model has no price. */
  cost(catalogId: string, usage: NormalizedUsage, catalog: ModelCatalog): AiCostBreakdown | null;
  limiter?: AiLimiterHook;
}

/** Roughly four characters per token: the fallback when no tokenizer is wired in. */
function roughTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(text.length / 4);
}

function textOfBody(body: unknown): string {
  if (typeof body === 'string') return body;
  try {
    return JSON.stringify(body) ?? '';
  } catch {
    return '';
  }
}

export function catalogCost(catalogId: string, usage: NormalizedUsage, catalog: ModelCatalog): AiCostBreakdown | null {
  const model = catalog.get(catalogId);
  if (model === undefined) return null;
  const u = {
    prompt_tokens: usage.prompt_tokens,
    completion_tokens: usage.completion_tokens,
    cached_read_tokens: Math.min(usage.cached_read_tokens, usage.prompt_tokens),
    cache_write_tokens: Math.min(usage.cache_write_tokens, Math.max(0, usage.prompt_tokens - usage.cached_read_tokens)),
    reasoning_tokens: Math.min(usage.reasoning_tokens, usage.completion_tokens),
  };
  return catalog.cost(catalogId, u);
}

/** Hooks without a tokenizer or limiter: rough estimates and catalog prices. */
export const BASIC_HOOKS: AiHooks = {
  estimateInputTokens: (body) => roughTokens(textOfBody(body)),
  estimateTextTokens: (text) => roughTokens(text),
  cost: catalogCost,
};
