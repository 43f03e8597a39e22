/**
 * Call cost from token usage, in exact integer arithmetic.
 *
 * Prices are USD per 1M tokens with at most 10 decimals, so a price is held as an integer count of
 * 1e-10 USD per 1M tokens; tokens × that integer is exact (BigInt). Each part is rounded half-up to
 * 1e-10 USD once, and the total is the sum of the unrounded parts rounded once.
 */
import { validationError, type ErrorDetail } from '../../core/errors.js';
import type { CatalogPrice, CostBreakdown, TokenUsage } from './types.js';

const PRICE_SCALE = 10_000_000_000; // 1e10: price decimals kept
/** tokens × scaled price is in units of 1e-16 USD; dividing by 1e6 gives units of 1e-10 USD. */
const TO_OUTPUT_UNITS = 1_000_000n;
const OUTPUT_SCALE = 10_000_000_000; // 1e10: result decimals

function scaledPrice(perMillion: number): bigint {
  return BigInt(Math.round(perMillion * PRICE_SCALE));
}

function roundedUnits(numerator: bigint): bigint {
  return (numerator + TO_OUTPUT_UNITS / 2n) / TO_OUTPUT_UNITS;
}

function usd(numerator: bigint): number {
  return Number(roundedUnits(numerator)) / OUTPUT_SCALE;
}

function checkCount(value: unknown, path: string, details: ErrorDetail[]): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    details.push({ path, message: 'must be a whole number of tokens, 0 or more' });
    return 0;
  }
  return value;
}

/** The usage, checked: whole non-negative counts, cache tokens within the prompt, reasoning within the completion. */
export function checkUsage(usage: TokenUsage): Required<TokenUsage> {
  const details: ErrorDetail[] = [];
  const counts = {
    prompt_tokens: checkCount(usage.prompt_tokens, '/prompt_tokens', details),
    completion_tokens: checkCount(usage.completion_tokens, '/completion_tokens', details),
    cached_read_tokens: checkCount(usage.cached_read_tokens, '/cached_read_tokens', details),
    cache_write_tokens: checkCount(usage.cache_write_tokens, '/cache_write_tokens', details),
    reasoning_tokens: checkCount(usage.reasoning_tokens, '/reasoning_tokens', details),
  };
  if (usage.prompt_tokens === undefined) details.push({ path: '/prompt_tokens', message: 'is required' });
  if (usage.completion_tokens === undefined) details.push({ path: '/completion_tokens', message: 'is required' });
  if (details.length === 0 && counts.cached_read_tokens + counts.cache_write_tokens > counts.prompt_tokens) {
    details.push({
      path: '/prompt_tokens',
      message: 'prompt_tokens includes cached read and cache write tokens, so it cannot be smaller than their sum',
    });
  }
  if (details.length === 0 && counts.reasoning_tokens > counts.completion_tokens) {
    details.push({
      path: '/completion_tokens',
      message: 'completion_tokens includes reasoning tokens, so it cannot be smaller than reasoning_tokens',
    });
  }
  if (details.length > 0) throw validationError('Token usage is not valid', details);
  return counts;
}

/**
 * Cost of one call. Uncached input = prompt − cache read − cache write, at the input price; cache
 * reads and writes at their own prices (the input price when the model has none); completion
 * tokens (reasoning included) at the output price.
 */
export function priceUsage(price: CatalogPrice, usage: TokenUsage): CostBreakdown {
  const u = checkUsage(usage);
  const input = scaledPrice(price.input);
  const uncached = BigInt(u.prompt_tokens - u.cached_read_tokens - u.cache_write_tokens);
  const parts = {
    input: uncached * input,
    cache_read: BigInt(u.cached_read_tokens) * (price.cache_read === null ? input : scaledPrice(price.cache_read)),
    cache_write: BigInt(u.cache_write_tokens) * (price.cache_write === null ? input : scaledPrice(price.cache_write)),
    output: BigInt(u.completion_tokens) * scaledPrice(price.output),
  };
  return {
    input: usd(parts.input),
    output: usd(parts.output),
    cache_read: usd(parts.cache_read),
    cache_write: usd(parts.cache_write),
    total: usd(parts.input + parts.output + parts.cache_read + parts.cache_write),
  };
}
