/**
 * Where OpenAI-compatible providers differ from OpenAI. Providers are descriptors (STYLE rule 3):
 * a descriptor names a quirk handler from here instead of carrying code.
 *
 * OpenRouter keep-alives: OpenRouter sends SSE comment lines (`: OPENROUTER PROCESSING`) while a
 * request waits. They need no handler: `SseParser` drops comment lines, so protocols never see them
 * (test/ai/protocols/openai/quirks.test.ts proves it). On passthrough the bytes are forwarded as
 * they are, which also keeps the client's connection alive.
 */
import type { ChatRequest, ToolChoice } from '../openai-types.js';

/** A Mistral chat request: `tool_choice` also accepts `any`, and the seed is `random_seed`. */
export type MistralChatRequest = Omit<ChatRequest, 'tool_choice' | 'seed'> & {
  tool_choice?: ToolChoice | 'any';
  random_seed?: number;
};

/**
 * Mistral's chat API: `tool_choice: "required"` is spelled `"any"`, `seed` is `random_seed`, and the
 * output limit is `max_tokens` (it does not know `max_completion_tokens`). Returns a new object.
 */
export function applyMistralQuirks(req: ChatRequest): MistralChatRequest {
  const { seed, tool_choice, max_completion_tokens, ...rest } = req;
  const out: MistralChatRequest = rest;
  if (tool_choice !== undefined) out.tool_choice = tool_choice === 'required' ? 'any' : tool_choice;
  if (typeof seed === 'number') out.random_seed = seed;
  if (typeof max_completion_tokens === 'number' && typeof out.max_tokens !== 'number') out.max_tokens = max_completion_tokens;
  return out;
}
