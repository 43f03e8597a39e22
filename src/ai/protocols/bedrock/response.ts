/**
 * Bedrock Converse response → OpenAI chat completion, and the mappings the stream translator
 * shares (stop reasons, usage).
 */
import type { ChatResponse, FinishReason, NormalizedUsage, ToolCall, Usage } from '../openai-types.js';
import type { ConverseResponse, ConverseStopReason, ConverseTokenUsage } from './types.js';

export function mapStopReason(reason: ConverseStopReason | undefined, hasToolCalls: boolean): FinishReason {
  switch (reason) {
    case 'tool_use':
      return hasToolCalls ? 'tool_calls' : 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'guardrail_intervened':
    case 'content_filtered':
      return 'content_filter';
    default:
      return hasToolCalls ? 'tool_calls' : 'stop';
  }
}

function count(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0;
}

/**
 * Converse's `inputTokens` leaves out the tokens read from and written to the prompt cache (as
 * Anthropic's `input_tokens` does): OpenAI's prompt_tokens is the sum of the three.
 */
export function converseUsage(u: ConverseTokenUsage): NormalizedUsage {
  const read = count(u.cacheReadInputTokens);
  const write = count(u.cacheWriteInputTokens);
  return {
    prompt_tokens: count(u.inputTokens) + read + write,
    completion_tokens: count(u.outputTokens),
    cached_read_tokens: read,
    cache_write_tokens: write,
    reasoning_tokens: 0,
    estimated: false,
  };
}

export function toOpenaiUsage(u: NormalizedUsage): Usage {
  return {
    prompt_tokens: u.prompt_tokens,
    completion_tokens: u.completion_tokens,
    total_tokens: u.prompt_tokens + u.completion_tokens,
    prompt_tokens_details: { cached_tokens: u.cached_read_tokens, cache_write_tokens: u.cache_write_tokens },
  };
}

export function converseToOpenaiResponse(
  res: ConverseResponse,
  opts: { model: string; id: string; created: number; jsonTool?: string },
): ChatResponse {
  let text = '';
  let reasoning = '';
  const calls: ToolCall[] = [];
  const blocks = Array.isArray(res?.output?.message?.content) ? res.output.message.content : [];
  for (const block of blocks) {
    if (typeof block !== 'object' || block === null) continue;
    if (typeof block.text === 'string') text += block.text;
    else if (block.toolUse) {
      const { toolUseId, name, input } = block.toolUse;
      if (opts.jsonTool !== undefined && name === opts.jsonTool) text += JSON.stringify(input ?? {});
      else calls.push({ id: String(toolUseId), type: 'function', function: { name: String(name), arguments: JSON.stringify(input ?? {}) } });
    } else if (typeof block.reasoningContent?.reasoningText?.text === 'string') reasoning += block.reasoningContent.reasoningText.text;
  }
  const message: ChatResponse['choices'][number]['message'] = { role: 'assistant', content: text === '' && calls.length > 0 ? null : text };
  if (reasoning !== '') message.reasoning_content = reasoning;
  if (calls.length > 0) message.tool_calls = calls;
  const out: ChatResponse = {
    id: opts.id,
    object: 'chat.completion',
    created: opts.created,
    model: opts.model,
    choices: [{ index: 0, message, finish_reason: mapStopReason(res?.stopReason, calls.length > 0) }],
  };
  if (res?.usage) out.usage = toOpenaiUsage(converseUsage(res.usage));
  return out;
}
