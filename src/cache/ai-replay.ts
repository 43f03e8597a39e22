/**
 * Replays a cached, complete AI answer to a client that asked for a stream: the event sequence the
 * provider itself would have sent, so SDKs accumulate exactly the stored answer. Text is cut into
 * pieces of `chunkChars` code points (never inside a surrogate pair), as a provider streams tokens.
 *
 * OpenAI (chat.completion.chunk): per choice, a first chunk with the role; reasoning, content and
 * refusal pieces; each tool call opened with its id, type and name under its index, then its
 * argument pieces; a last chunk with the finish_reason. With `includeUsage` every chunk carries
 * `usage: null` and a final chunk with no choices carries the usage. Then `data: [DONE]`.
 *
 * Anthropic (Messages): message_start (usage with output_tokens 0), per content block a
 * content_block_start, its deltas (text_delta, input_json_delta, thinking_delta + signature_delta)
 * and content_block_stop; message_delta with the stop reason and usage; message_stop.
 */
import { formatSseEvent } from '../ai/transport/sse.js';
import type { AnthropicContentBlock, AnthropicResponse, AnthropicSseOut } from '../ai/protocols/anthropic/types.js';
import type { ChatChunk, ChatResponse, ChunkDelta } from '../ai/protocols/openai-types.js';

export interface ReplayOptions {
  /** Code points per text piece; default 24. */
  chunkChars?: number;
}

export interface OpenAiReplayOptions extends ReplayOptions {
  /** The request had `stream_options.include_usage`. */
  includeUsage?: boolean;
}

/** `text` in pieces of `size` code points; no pieces for ''. */
export function splitText(text: string, size = 24): string[] {
  const out: string[] = [];
  let piece = '';
  let n = 0;
  for (const ch of text) {
    piece += ch;
    if (++n === size) {
      out.push(piece);
      piece = '';
      n = 0;
    }
  }
  if (piece !== '') out.push(piece);
  return out;
}

function textOf(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return null;
  return content.map((p: { type?: unknown; text?: unknown }) => (p?.type === 'text' && typeof p.text === 'string' ? p.text : '')).join('');
}

export function replayOpenAiChunks(res: ChatResponse, opts: OpenAiReplayOptions = {}): ChatChunk[] {
  const size = opts.chunkChars ?? 24;
  const out: ChatChunk[] = [];
  const chunk = (index: number, delta: ChunkDelta, finish: ChatChunk['choices'][number]['finish_reason'] = null): void => {
    const c: ChatChunk = {
      id: res.id,
      object: 'chat.completion.chunk',
      created: res.created,
      model: res.model,
      choices: [{ index, delta, logprobs: null, finish_reason: finish }],
    };
    if (res.system_fingerprint !== undefined) c.system_fingerprint = res.system_fingerprint;
    if (opts.includeUsage) c.usage = null;
    out.push(c);
  };
  for (const choice of [...res.choices].sort((a, b) => a.index - b.index)) {
    const m = choice.message;
    const content = textOf(m.content);
    chunk(choice.index, { role: 'assistant', content: content === null ? null : '' });
    if (typeof m.reasoning_content === 'string') for (const p of splitText(m.reasoning_content, size)) chunk(choice.index, { reasoning_content: p });
    for (const p of splitText(content ?? '', size)) chunk(choice.index, { content: p });
    if (typeof m.refusal === 'string') for (const p of splitText(m.refusal, size)) chunk(choice.index, { refusal: p });
    (m.tool_calls ?? []).forEach((tc, i) => {
      const open: NonNullable<ChunkDelta['tool_calls']>[number] = { index: i, id: tc.id, type: 'function', function: { name: tc.function.name, arguments: '' } };
      if (tc.extra_content !== undefined) open.extra_content = tc.extra_content;
      chunk(choice.index, { tool_calls: [open] });
      for (const p of splitText(tc.function.arguments, size)) chunk(choice.index, { tool_calls: [{ index: i, function: { arguments: p } }] });
    });
    chunk(choice.index, {}, choice.finish_reason ?? 'stop');
  }
  if (opts.includeUsage) {
    const last: ChatChunk = { id: res.id, object: 'chat.completion.chunk', created: res.created, model: res.model, choices: [] };
    if (res.system_fingerprint !== undefined) last.system_fingerprint = res.system_fingerprint;
    last.usage = res.usage ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
    out.push(last);
  }
  return out;
}

/** The replay as SSE frames, `data: [DONE]` last. */
export function replayOpenAiSse(res: ChatResponse, opts: OpenAiReplayOptions = {}): string[] {
  const frames = replayOpenAiChunks(res, opts).map((c) => formatSseEvent({ data: JSON.stringify(c) }));
  frames.push(formatSseEvent({ data: '[DONE]' }));
  return frames;
}

function blockEvents(block: AnthropicContentBlock | { type: string; [k: string]: unknown }, index: number, size: number): AnthropicSseOut[] {
  const ev = (type: string, data: Record<string, unknown>): AnthropicSseOut => ({ event: type, data: { type, ...data } });
  const delta = (d: Record<string, unknown>) => ev('content_block_delta', { index, delta: d });
  const out: AnthropicSseOut[] = [];
  const b = block as Record<string, unknown>;
  if (b.type === 'text' && typeof b.text === 'string') {
    const { text, ...rest } = b;
    out.push(ev('content_block_start', { index, content_block: { ...rest, text: '' } }));
    for (const p of splitText(text, size)) out.push(delta({ type: 'text_delta', text: p }));
  } else if (b.type === 'tool_use') {
    out.push(ev('content_block_start', { index, content_block: { type: 'tool_use', id: b.id, name: b.name, input: {} } }));
    for (const p of splitText(JSON.stringify(b.input ?? {}), size)) out.push(delta({ type: 'input_json_delta', partial_json: p }));
  } else if (b.type === 'thinking' && typeof b.thinking === 'string') {
    out.push(ev('content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } }));
    for (const p of splitText(b.thinking, size)) out.push(delta({ type: 'thinking_delta', thinking: p }));
    if (typeof b.signature === 'string' && b.signature !== '') out.push(delta({ type: 'signature_delta', signature: b.signature }));
  } else {
    // redacted_thinking, server tool blocks and any newer type: whole in its start event.
    out.push(ev('content_block_start', { index, content_block: b }));
  }
  out.push(ev('content_block_stop', { index }));
  return out;
}

export function replayAnthropicEvents(res: AnthropicResponse, opts: ReplayOptions = {}): AnthropicSseOut[] {
  const size = opts.chunkChars ?? 24;
  const { output_tokens: outputTokens, ...inputUsage } = res.usage;
  const out: AnthropicSseOut[] = [
    {
      event: 'message_start',
      data: {
        type: 'message_start',
        message: {
          id: res.id,
          type: 'message',
          role: 'assistant',
          model: res.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { ...inputUsage, output_tokens: 0 },
        },
      },
    },
  ];
  res.content.forEach((block, i) => out.push(...blockEvents(block, i, size)));
  out.push({
    event: 'message_delta',
    data: {
      type: 'message_delta',
      delta: { stop_reason: res.stop_reason, stop_sequence: res.stop_sequence },
      usage: { ...inputUsage, output_tokens: outputTokens },
    },
  });
  out.push({ event: 'message_stop', data: { type: 'message_stop' } });
  return out;
}

export function replayAnthropicSse(res: AnthropicResponse, opts: ReplayOptions = {}): string[] {
  return replayAnthropicEvents(res, opts).map((e) => formatSseEvent({ event: e.event, data: JSON.stringify(e.data) }));
}
