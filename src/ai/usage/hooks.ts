/**
 * Gantry's usage accounting behind the AI handler's hooks interface (ai/gateway/hooks.ts): the
 * tokenizer estimates, catalog prices, and the limiter.
 *
 * `check` receives the request and the snapshot's catalog (operator overrides applied), so the
 * reservation covers the request's own output bound (max_tokens, else the model's capped maximum)
 * at current prices; the reservation goes back to `reconcile`, which replaces it with the real usage.
 */
import { ModelCatalog } from '../catalog/index.js';
import { catalogCost, type AiHooks, type AiLimiterHook } from '../gateway/hooks.js';
import { estimateCall, estimateCost, outputTokenBound } from './cost-bound.js';
import { estimateCompletionTokens, estimateInputTokens } from './estimate.js';
import type { AiLimiter, AiReservation } from './limiter.js';

export interface UsageHooksOptions {
  limiter?: AiLimiter;
  /** Prices for checks that come without a catalog; default ModelCatalog.shipped(). */
  catalog?: () => ModelCatalog;
}

export function createLimiterHook(limiter: AiLimiter, opts: Omit<UsageHooksOptions, 'limiter'> = {}): AiLimiterHook {
  const fallbackCatalog = opts.catalog ?? ((): ModelCatalog => ModelCatalog.shipped());
  return {
    check(appId, limits, estimate, model, request) {
      let tokens: number;
      let costUsd: number;
      if (model !== null && request !== undefined) {
        const call = estimateCall(request.catalog, request.body, request.endpoint, model, estimate);
        tokens = call.tokens;
        costUsd = call.costUsd;
      } else {
        const cat = fallbackCatalog();
        tokens = estimate + outputTokenBound(model === null ? undefined : cat.resolve(model), null);
        costUsd = model === null ? 0 : estimateCost(cat, model, estimate, null);
      }
      const verdict = limiter.check(appId, limits, { tokens, costUsd });
      if (!verdict.ok) return { ok: false, code: verdict.code, message: verdict.message, retryAfterS: verdict.retryAfterS };
      return { ok: true, reservation: verdict.reservation };
    },
    reconcile(_appId, _limits, _estimate, usage, costUsd, reservation) {
      const r = reservation as AiReservation | undefined;
      if (r === undefined || r.settled) return;
      if (usage === null) limiter.release(r);
      else limiter.reconcile(r, { tokens: usage.prompt_tokens + usage.completion_tokens, costUsd: costUsd ?? 0 });
    },
  };
}

/** AiHooks for the data plane (`DataPlaneOptions.aiHooks`). */
export function createUsageHooks(opts: UsageHooksOptions = {}): AiHooks {
  const hooks: AiHooks = {
    estimateInputTokens: (body, endpoint, model) => estimateInputTokens(body, endpoint, model),
    estimateTextTokens: (text, model) => estimateCompletionTokens(text, model),
    cost: catalogCost,
  };
  if (opts.limiter !== undefined) hooks.limiter = createLimiterHook(opts.limiter, opts);
  return hooks;
}
