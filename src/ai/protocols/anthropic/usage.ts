/**
 * Token usage between Anthropic and OpenAI terms. Anthropic's `input_tokens` excludes cached tokens;
 * OpenAI's `prompt_tokens` includes them:
 *   prompt_tokens = input_tokens + cache_read_input_tokens + cache_creation_input_tokens
 *   cached_tokens = cache_read_input_tokens, cache_write_tokens = cache_creation_input_tokens
 */
import type { NormalizedUsage, Usage } from '../openai-types.js';
import type { AnthropicUsage } from './types.js';

function n(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0;
}

/** The four Anthropic counters, each a number (missing or null → 0). */
export interface AnthropicCounts {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export function anthropicCounts(u: Partial<AnthropicUsage> | null | undefined): AnthropicCounts {
  return {
    input: n(u?.input_tokens),
    output: n(u?.output_tokens),
    cacheRead: n(u?.cache_read_input_tokens),
    cacheWrite: n(u?.cache_creation_input_tokens),
  };
}

export function countsToNormalized(c: AnthropicCounts): NormalizedUsage {
  return {
    prompt_tokens: c.input + c.cacheRead + c.cacheWrite,
    completion_tokens: c.output,
    cached_read_tokens: c.cacheRead,
    cache_write_tokens: c.cacheWrite,
    reasoning_tokens: 0,
    estimated: false,
  };
}

export function countsToOpenaiUsage(c: AnthropicCounts): Usage {
  const prompt = c.input + c.cacheRead + c.cacheWrite;
  return {
    prompt_tokens: prompt,
    completion_tokens: c.output,
    total_tokens: prompt + c.output,
    prompt_tokens_details: { cached_tokens: c.cacheRead, cache_write_tokens: c.cacheWrite },
  };
}

export function anthropicUsageToOpenai(u: Partial<AnthropicUsage> | null | undefined): Usage {
  return countsToOpenaiUsage(anthropicCounts(u));
}

export function anthropicUsageToNormalized(u: Partial<AnthropicUsage> | null | undefined): NormalizedUsage {
  return countsToNormalized(anthropicCounts(u));
}

/** The inverse: `input_tokens = prompt − cached − cache_write` (never below 0). */
export function normalizedToAnthropicUsage(u: NormalizedUsage | undefined): Required<Pick<AnthropicUsage, 'input_tokens' | 'output_tokens'>> & {
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
} {
  if (!u) return { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  return {
    input_tokens: Math.max(0, u.prompt_tokens - u.cached_read_tokens - u.cache_write_tokens),
    output_tokens: u.completion_tokens,
    cache_creation_input_tokens: u.cache_write_tokens,
    cache_read_input_tokens: u.cached_read_tokens,
  };
}
