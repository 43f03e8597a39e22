/**
 * The pre-send bound of a call: its input tokens plus the most output it may produce, priced with
 * the catalog's exact arithmetic. The limiter reserves the bound and reconciles with the real cost,
 * so a budget is overshot by at most one call's difference between actual and bound — and not at
 * all when the client set max_tokens (the provider cannot exceed it).
 */
import type { CatalogModel, ModelCatalog } from '../catalog/index.js';
import { estimateInputTokens, requestedOutputTokens, type EstimatedEndpoint } from './estimate.js';

/**
 * Output assumed when the request sets no max_tokens: the model's max_output_tokens, but no more
 * than this. Models allow up to 128k output tokens; reserving that for every call would block
 * budgets and token limits long before they are used, and most answers are far shorter. A call
 * that writes more than this is reconciled after the fact (the one case where a budget can be
 * overshot, by that call's excess).
 */
export const DEFAULT_MAX_OUTPUT_TOKENS = 4096;

/** Output tokens to reserve: what the client asked (capped at the model's maximum), else the default cap. */
export function outputTokenBound(model: CatalogModel | undefined, requested: number | null | undefined): number {
  if (model?.mode === 'embedding') return 0;
  const modelMax = model?.max_output_tokens ?? null;
  if (requested !== null && requested !== undefined && requested >= 0) {
    const asked = Math.floor(requested);
    return modelMax === null ? asked : Math.min(asked, modelMax);
  }
  return Math.min(modelMax ?? DEFAULT_MAX_OUTPUT_TOKENS, DEFAULT_MAX_OUTPUT_TOKENS);
}

const safeCount = (n: number): number => (Number.isFinite(n) && n > 0 ? Math.min(Math.floor(n), Number.MAX_SAFE_INTEGER) : 0);

/**
 * USD upper bound of a call on `modelId` (catalog id or alias): the prompt at the input price — or
 * at the cache-write price when that is higher (Anthropic charges 1.25× input for cache writes, and
 * any prompt may be written) — plus the output bound at the output price, times `choices` (`n`).
 * `maxOutputTokens`: the request's max_tokens / max_completion_tokens, or null when it set none.
 * A model not in the catalog (no price) costs 0, as its calls are recorded.
 */
export function estimateCost(
  catalog: ModelCatalog,
  modelId: string,
  promptTokens: number,
  maxOutputTokens: number | null | undefined,
  choices = 1,
): number {
  const model = catalog.resolve(modelId);
  if (model === undefined) return 0;
  const prompt = safeCount(promptTokens);
  const output = safeCount(outputTokenBound(model, maxOutputTokens) * Math.max(1, Math.floor(choices)));
  const { input, cache_write: cacheWrite } = model.price;
  const writeCostsMore = cacheWrite !== null && cacheWrite > input;
  return catalog.cost(model.id, {
    prompt_tokens: prompt,
    completion_tokens: output,
    cache_write_tokens: writeCostsMore ? prompt : 0,
  }).total;
}

export interface CallEstimate {
  /** Input tokens, estimated locally. */
  promptTokens: number;
  /** Output tokens reserved (all choices). */
  outputTokens: number;
  /** promptTokens + outputTokens: what a tokens-per-minute limit reserves. */
  tokens: number;
  /** USD bound (see estimateCost). */
  costUsd: number;
}

/** The limiter's estimate for a request body on a catalog model, `promptTokens` reused when already counted. */
export function estimateCall(
  catalog: ModelCatalog,
  body: unknown,
  endpoint: EstimatedEndpoint,
  catalogId: string,
  promptTokens: number = estimateInputTokens(body, endpoint, catalogId),
): CallEstimate {
  const { maxTokens, choices } = requestedOutputTokens(body, endpoint);
  const outputTokens = outputTokenBound(catalog.resolve(catalogId), maxTokens) * choices;
  return {
    promptTokens,
    outputTokens,
    tokens: promptTokens + outputTokens,
    costUsd: estimateCost(catalog, catalogId, promptTokens, maxTokens, choices),
  };
}
