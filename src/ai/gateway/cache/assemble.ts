/**
 * A streamed answer made whole again, so a later request (streamed or not) can be served from it:
 * the SSE text the client received, parsed once after the response ended (never on the hot path),
 * folded into the non-stream shape of the same protocol — an OpenAI chat completion, or an
 * Anthropic message. Null when the stream did not reach its end marker or carried an error.
 */
import type { AnthropicResponse } from '../../protocols/anthropic/types.js';
import type { ChatChunk, ChatResponse, FinishReason, ToolCall, Usage } from '../../protocols/openai-types.js';
import { SseParser, type SseEvent } from '../../transport/sse.js';

function events(text: string): SseEvent[] {
  const parser = new SseParser();
  const out = parser.push(text);
  for (const ev of parser.end()) out.push(ev);
  return out;
}

function parse(data: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(data);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** A sparse array (an index never opened): `some` would skip the hole. */
function hasHole(list: readonly unknown[]): boolean {
  for (let i = 0; i < list.length; i++) if (list[i] === undefined) return true;
  return false;
}

interface ChoiceParts {
  content: string | null;
  reasoning: string | null;
  refusal: string | null;
  tools: Array<ToolCall & { extra_content?: ToolCall['extra_content'] }>;
  finish: FinishReason | null;
}

/** An OpenAI chat stream (`chat.completion.chunk` events, then `[DONE]`) as a chat completion. */
export function assembleOpenAiChat(text: string): ChatResponse | null {
  let head: ChatChunk | null = null;
  let usage: Usage | undefined;
  let done = false;
  const choices = new Map<number, ChoiceParts>();
  for (const ev of events(text)) {
    if (ev.data === '[DONE]') {
      done = true;
      continue;
    }
    const chunk = parse(ev.data) as (ChatChunk & { error?: unknown }) | null;
    if (chunk === null || chunk.error != null) return null;
    head ??= chunk;
    if (chunk.usage != null) usage = chunk.usage;
    for (const c of Array.isArray(chunk.choices) ? chunk.choices : []) {
      let parts = choices.get(c.index);
      if (parts === undefined) {
        parts = { content: null, reasoning: null, refusal: null, tools: [], finish: null };
        choices.set(c.index, parts);
      }
      const d = c.delta ?? {};
      if (typeof d.content === 'string') parts.content = (parts.content ?? '') + d.content;
      if (typeof d.reasoning_content === 'string') parts.reasoning = (parts.reasoning ?? '') + d.reasoning_content;
      if (typeof d.refusal === 'string') parts.refusal = (parts.refusal ?? '') + d.refusal;
      for (const tc of d.tool_calls ?? []) {
        let call = parts.tools[tc.index];
        if (call === undefined) {
          call = { id: tc.id ?? '', type: 'function', function: { name: tc.function?.name ?? '', arguments: '' } };
          parts.tools[tc.index] = call;
        } else {
          if (tc.id) call.id = tc.id;
          if (tc.function?.name) call.function.name += tc.function.name;
        }
        if (typeof tc.function?.arguments === 'string') call.function.arguments += tc.function.arguments;
        if (tc.extra_content !== undefined) call.extra_content = tc.extra_content;
      }
      if (c.finish_reason) parts.finish = c.finish_reason;
    }
  }
  if (!done || head === null || choices.size === 0) return null;
  const res: ChatResponse = { id: head.id, object: 'chat.completion', created: head.created, model: head.model, choices: [] };
  for (const [index, p] of [...choices].sort((a, b) => a[0] - b[0])) {
    if (p.finish === null || hasHole(p.tools)) return null;
    const message: ChatResponse['choices'][number]['message'] = { role: 'assistant', content: p.content };
    if (p.reasoning !== null) message.reasoning_content = p.reasoning;
    if (p.refusal !== null) message.refusal = p.refusal;
    if (p.tools.length > 0) message.tool_calls = p.tools;
    res.choices.push({ index, message, finish_reason: p.finish, logprobs: null });
  }
  if (usage !== undefined) res.usage = usage;
  if (head.system_fingerprint != null) res.system_fingerprint = head.system_fingerprint;
  return res;
}

type Block = Record<string, unknown> & { type: string };

/** An Anthropic Messages stream (message_start … message_stop) as a message. */
export function assembleAnthropicMessage(text: string): AnthropicResponse | null {
  let message: AnthropicResponse | null = null;
  const blocks: Block[] = [];
  const json = new Map<number, string>();
  let stopped = false;
  for (const ev of events(text)) {
    const data = parse(ev.data);
    if (data === null) return null;
    switch (ev.event) {
      case 'message_start': {
        const m = data.message as AnthropicResponse | undefined;
        if (typeof m !== 'object' || m === null) return null;
        message = { ...m, content: [], usage: { ...m.usage } };
        break;
      }
      case 'content_block_start': {
        const i = data.index as number;
        blocks[i] = { ...(data.content_block as Block) };
        if (blocks[i].type === 'tool_use' || blocks[i].type === 'server_tool_use') json.set(i, '');
        break;
      }
      case 'content_block_delta': {
        const i = data.index as number;
        const b = blocks[i];
        const d = data.delta as Record<string, unknown> | undefined;
        if (b === undefined || d === undefined) return null;
        if (d.type === 'text_delta') b.text = String(b.text ?? '') + String(d.text ?? '');
        else if (d.type === 'input_json_delta') json.set(i, (json.get(i) ?? '') + String(d.partial_json ?? ''));
        else if (d.type === 'thinking_delta') b.thinking = String(b.thinking ?? '') + String(d.thinking ?? '');
        else if (d.type === 'signature_delta') b.signature = String(d.signature ?? '');
        else if (d.type === 'citations_delta') b.citations = [...((b.citations as unknown[]) ?? []), d.citation];
        break;
      }
      case 'message_delta': {
        if (message === null) return null;
        const d = data.delta as { stop_reason?: AnthropicResponse['stop_reason']; stop_sequence?: string | null } | undefined;
        message.stop_reason = d?.stop_reason ?? message.stop_reason;
        message.stop_sequence = d?.stop_sequence ?? null;
        // message_delta counts are cumulative: they replace message_start's.
        if (typeof data.usage === 'object' && data.usage !== null) Object.assign(message.usage, data.usage);
        break;
      }
      case 'message_stop':
        stopped = true;
        break;
      case 'error':
        return null;
      default:
      // ping, content_block_stop and newer events carry nothing to keep.
    }
  }
  if (!stopped || message === null || message.stop_reason === null) return null;
  for (const [i, raw] of json) {
    const b = blocks[i];
    if (b === undefined) return null;
    if (raw === '') b.input = b.input ?? {};
    else {
      const input = parse(raw);
      if (input === null) return null; // arguments that do not parse: a broken tool call
      b.input = input;
    }
  }
  if (hasHole(blocks)) return null;
  message.content = blocks as AnthropicResponse['content'];
  return message;
}
