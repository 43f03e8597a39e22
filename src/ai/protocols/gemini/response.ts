/**
 * Gemini `GenerateContentResponse` → OpenAI chat completion, and the mappings the stream
 * translator shares (finish reasons, usage, tool-call ids).
 */
import { createHash } from 'node:crypto';
import type { ChatResponse, FinishReason, NormalizedUsage, ToolCall, Usage } from '../openai-types.js';
import type { GeminiFinishReason, GeminiPart, GeminiResponse, GeminiUsageMetadata } from './types.js';

const CONTENT_FILTER = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
]);

/** STOP → stop (tool_calls when the candidate called functions); see the index.ts table. */
export function mapFinishReason(reason: GeminiFinishReason, hasToolCalls: boolean): FinishReason {
  if (reason === 'MAX_TOKENS') return 'length';
  if (CONTENT_FILTER.has(reason)) return 'content_filter';
  return hasToolCalls ? 'tool_calls' : 'stop';
}

function count(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0;
}

/**
 * `promptTokenCount` already includes `cachedContentTokenCount`; tool-use prompt tokens (built-in
 * tools) are input too. `candidatesTokenCount` excludes thoughts, which are output.
 */
export function geminiUsage(meta: GeminiUsageMetadata): NormalizedUsage {
  const thoughts = count(meta.thoughtsTokenCount);
  return {
    prompt_tokens: count(meta.promptTokenCount) + count(meta.toolUsePromptTokenCount),
    completion_tokens: count(meta.candidatesTokenCount) + thoughts,
    cached_read_tokens: count(meta.cachedContentTokenCount),
    cache_write_tokens: 0,
    reasoning_tokens: thoughts,
    estimated: false,
  };
}

export function toOpenaiUsage(u: NormalizedUsage): Usage {
  return {
    prompt_tokens: u.prompt_tokens,
    completion_tokens: u.completion_tokens,
    total_tokens: u.prompt_tokens + u.completion_tokens,
    prompt_tokens_details: { cached_tokens: u.cached_read_tokens },
    completion_tokens_details: { reasoning_tokens: u.reasoning_tokens },
  };
}

/**
 * Gemini usually sends function calls without an id: derive one from the response id, the
 * candidate and the call's ordinal, so that a retried translation (or the stream and non-stream
 * form of the same answer) gives the same id.
 */
export function toolCallId(responseId: string, candidate: number, ordinal: number): string {
  return `call_${createHash('sha256').update(`${responseId}\0${candidate}\0${ordinal}`).digest('base64url').slice(0, 24)}`;
}

/** A Gemini functionCall part as an OpenAI tool call (the thought signature rides in extra_content). */
export function toToolCall(part: GeminiPart, fallbackId: string): ToolCall {
  const fc = part.functionCall!;
  const call: ToolCall = {
    id: typeof fc.id === 'string' && fc.id !== '' ? fc.id : fallbackId,
    type: 'function',
    function: { name: typeof fc.name === 'string' ? fc.name : '', arguments: JSON.stringify(fc.args ?? {}) },
  };
  if (typeof part.thoughtSignature === 'string' && part.thoughtSignature !== '') {
    call.extra_content = { google: { thought_signature: part.thoughtSignature } };
  }
  return call;
}

export function geminiToOpenaiResponse(res: GeminiResponse, opts: { model: string; id: string; created: number }): ChatResponse {
  const out: ChatResponse = { id: opts.id, object: 'chat.completion', created: opts.created, model: opts.model, choices: [] };
  const candidates = Array.isArray(res?.candidates) ? res.candidates : [];
  candidates.forEach((cand, i) => {
    const index = typeof cand?.index === 'number' ? cand.index : i;
    let text = '';
    let reasoning = '';
    const calls: ToolCall[] = [];
    for (const part of Array.isArray(cand?.content?.parts) ? cand.content.parts : []) {
      if (part.functionCall) calls.push(toToolCall(part, toolCallId(opts.id, index, calls.length)));
      else if (typeof part.text === 'string') {
        if (part.thought === true) reasoning += part.text;
        else text += part.text;
      }
    }
    const message: ChatResponse['choices'][number]['message'] = { role: 'assistant', content: text === '' && calls.length > 0 ? null : text };
    if (reasoning !== '') message.reasoning_content = reasoning;
    if (calls.length > 0) message.tool_calls = calls;
    const finish = cand?.finishReason ? mapFinishReason(cand.finishReason, calls.length > 0) : calls.length > 0 ? 'tool_calls' : 'stop';
    out.choices.push({ index, message, finish_reason: finish });
  });
  if (out.choices.length === 0) {
    // No candidate: the prompt itself was blocked (promptFeedback.blockReason) or nothing came back.
    const blocked = typeof res?.promptFeedback?.blockReason === 'string';
    out.choices.push({ index: 0, message: { role: 'assistant', content: '' }, finish_reason: blocked ? 'content_filter' : 'stop' });
  }
  if (res?.usageMetadata) out.usage = toOpenaiUsage(geminiUsage(res.usageMetadata));
  return out;
}
