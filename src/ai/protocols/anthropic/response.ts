/**
 * Non-streaming responses, both ways: Anthropic Message ↔ OpenAI chat completion. Pure, synchronous,
 * and tolerant of odd upstream bodies (missing arrays or fields give empty values, never a throw).
 */
import type { ChatMessage, ChatResponse, FinishReason, ToolCall } from '../openai-types.js';
import { normalizeOpenaiUsage } from '../openai/usage.js';
import { argumentsToInput } from './request.js';
import type { AnthropicContentBlock, AnthropicResponse, AnthropicStopReason } from './types.js';
import { anthropicUsageToOpenai, normalizedToAnthropicUsage } from './usage.js';

export function anthropicStopToFinish(reason: unknown): FinishReason {
  switch (reason) {
    case 'tool_use':
      return 'tool_calls';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'refusal':
      return 'content_filter';
    default:
      return 'stop'; // end_turn, stop_sequence, pause_turn, and anything newer
  }
}

export function finishToAnthropicStop(reason: unknown): AnthropicStopReason {
  switch (reason) {
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'length':
      return 'max_tokens';
    case 'content_filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}

export interface AnthropicToOpenaiResponseOptions {
  model: string;
  /** The structured-answer tool of the request (`jsonResponseToolName`): its input becomes the content. */
  jsonTool?: string;
  /** Unix seconds; defaults to now. */
  created?: number;
}

export function anthropicToOpenaiResponse(res: AnthropicResponse, opts: AnthropicToOpenaiResponseOptions): ChatResponse {
  let text = '';
  let reasoning = '';
  const toolCalls: ToolCall[] = [];
  const blocks = Array.isArray(res?.content) ? res.content : [];
  for (const b of blocks) {
    if (b?.type === 'text' && typeof b.text === 'string') text += b.text;
    else if (b?.type === 'thinking' && typeof b.thinking === 'string') reasoning += b.thinking;
    else if (b?.type === 'tool_use') {
      const t = b as { id?: unknown; name?: unknown; input?: unknown };
      if (opts.jsonTool !== undefined && t.name === opts.jsonTool) text += JSON.stringify(t.input ?? {});
      else toolCalls.push({ id: String(t.id ?? ''), type: 'function', function: { name: String(t.name ?? ''), arguments: JSON.stringify(t.input ?? {}) } });
    }
    // redacted_thinking, server tool blocks and future types have no OpenAI form.
  }
  let finish = anthropicStopToFinish(res?.stop_reason);
  if (finish === 'tool_calls' && toolCalls.length === 0) finish = 'stop'; // only the structured-answer tool was called
  const message: ChatMessage & { role: 'assistant' } = { role: 'assistant', content: text === '' && toolCalls.length > 0 ? null : text };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (reasoning !== '') message.reasoning_content = reasoning;
  return {
    id: typeof res?.id === 'string' ? res.id : 'msg_unknown',
    object: 'chat.completion',
    created: opts.created ?? Math.floor(Date.now() / 1000),
    model: opts.model,
    choices: [{ index: 0, message, finish_reason: finish, logprobs: null }],
    usage: anthropicUsageToOpenai(res?.usage),
  };
}

export function openaiToAnthropicResponse(res: ChatResponse, opts: { model: string }): AnthropicResponse {
  const choice = Array.isArray(res?.choices) ? res.choices[0] : undefined;
  const msg = choice?.message;
  const content: AnthropicContentBlock[] = [];
  if (typeof msg?.reasoning_content === 'string' && msg.reasoning_content !== '') {
    // No signature exists for reasoning that did not come from Anthropic.
    content.push({ type: 'thinking', thinking: msg.reasoning_content, signature: '' });
  }
  if (typeof msg?.content === 'string') {
    if (msg.content !== '') content.push({ type: 'text', text: msg.content });
  } else if (Array.isArray(msg?.content)) {
    for (const p of msg.content) {
      const t = p as { type?: string; text?: unknown; refusal?: unknown };
      if (t.type === 'text' && typeof t.text === 'string' && t.text !== '') content.push({ type: 'text', text: t.text });
      else if (t.type === 'refusal' && typeof t.refusal === 'string' && t.refusal !== '') content.push({ type: 'text', text: t.refusal });
    }
  }
  if (typeof msg?.refusal === 'string' && msg.refusal !== '') content.push({ type: 'text', text: msg.refusal });
  for (const c of msg?.tool_calls ?? []) {
    const args = typeof c?.function?.arguments === 'string' ? c.function.arguments : '';
    content.push({ type: 'tool_use', id: String(c?.id ?? ''), name: String(c?.function?.name ?? ''), input: argumentsToInput(args) });
  }
  return {
    id: typeof res?.id === 'string' ? res.id : 'msg_unknown',
    type: 'message',
    role: 'assistant',
    model: opts.model,
    content,
    stop_reason: finishToAnthropicStop(choice?.finish_reason),
    stop_sequence: null,
    usage: normalizedToAnthropicUsage(normalizeOpenaiUsage(res?.usage)),
  };
}
