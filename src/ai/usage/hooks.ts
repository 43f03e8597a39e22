/**
 * Gantry's usage accounting behind the AI handler's hooks interface (ai/gateway/hooks.ts): the
 * tokenizer estimates, catalog prices, and the limiter.
 *
 * That interface hands `check` the input-token estimate and the model, not the request, and gives
 * `reconcile` no reservation. So this adapter reserves the model's default output bound (it cannot
 * see max_tokens), prices with `catalog()` (default: the shipped catalog, without operator
 * overrides), and matches each reconcile to the app's oldest open reservation with the same
 * estimate. Reservations never reconciled expire in the limiter.
 */
import { ModelCatalog } from '../catalog/index.js';
import { catalogCost, type AiHooks, type AiLimiterHook } from '../gateway/hooks.js';
import { estimateCost, outputTokenBound } from './cost-bound.js';
import { estimateCompletionTokens, estimateInputTokens } from './estimate.js';
import type { AiLimiter, AiReservation } from './limiter.js';

export interface UsageHooksOptions {
  limiter?: AiLimiter;
  /** The catalog prices come from for the pre-send cost bound; default ModelCatalog.shipped(). */
  catalog?: () => ModelCatalog;
}

export function createLimiterHook(limiter: AiLimiter, opts: Omit<UsageHooksOptions, 'limiter'> = {}): AiLimiterHook {
  const catalog = opts.catalog ?? ((): ModelCatalog => ModelCatalog.shipped());
  const open = new Map<string, Array<{ reservation: AiReservation; prompt: number }>>();
  return {
    check(appId, limits, estimate, model) {
      const cat = catalog();
      const tokens = estimate + outputTokenBound(model === null ? undefined : cat.resolve(model), null);
      const costUsd = model === null ? 0 : estimateCost(cat, model, estimate, null);
      const verdict = limiter.check(appId, limits, { tokens, costUsd });
      if (!verdict.ok) return { ok: false, code: verdict.code, message: verdict.message, retryAfterS: verdict.retryAfterS };
      const list = (open.get(appId) ?? []).filter((o) => !o.reservation.settled);
      list.push({ reservation: verdict.reservation, prompt: estimate });
      open.set(appId, list);
      return { ok: true };
    },
    reconcile(appId, _limits, estimate, usage, costUsd) {
      const list = open.get(appId);
      if (list === undefined) return;
      let i = list.findIndex((o) => !o.reservation.settled && o.prompt === estimate);
      if (i < 0) i = list.findIndex((o) => !o.reservation.settled);
      const found = i < 0 ? undefined : list.splice(i, 1)[0];
      if (list.every((o) => o.reservation.settled)) open.delete(appId);
      if (found === undefined) return;
      if (usage === null) limiter.release(found.reservation);
      else limiter.reconcile(found.reservation, { tokens: usage.prompt_tokens + usage.completion_tokens, costUsd: costUsd ?? 0 });
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
