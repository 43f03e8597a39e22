/**
 * Gemini `streamGenerateContent?alt=sse` → OpenAI chat.completion.chunk events.
 *
 * Each SSE event's data is a whole GenerateContentResponse. Gemini sends no `[DONE]`: the stream
 * ends when the body ends, so `end()` is the normal end, and a body that ended before every
 * started candidate had a finishReason is a cut stream (error output, never a clean end).
 * Function calls arrive whole, so each becomes one complete tool-call delta with its own index.
 * Never throws: odd input becomes an error output and the translator then stays silent.
 */
import { parseSseJson, type SseEvent } from '../../transport/sse.js';
import type { ChatChunk, ChunkDelta, ErrorBody, FinishReason, NormalizedUsage, StreamOutput } from '../openai-types.js';
import { geminiErrorToOpenai } from './errors.js';
import { geminiUsage, mapFinishReason, toOpenaiUsage, toolCallId, toToolCall } from './response.js';
import type { GeminiResponse } from './types.js';

interface CandidateState {
  roleSent: boolean;
  calls: number;
  finished: boolean;
}

type Output = StreamOutput<ChatChunk>;

function failure(status: number, message: string, code: string | null = null): Output {
  const error: ErrorBody['error'] = { message, type: status >= 500 ? 'server_error' : 'invalid_request_error', param: null, code };
  return { kind: 'error', status, error };
}

export class GeminiToOpenaiStream {
  readonly #id: string;
  readonly #created: number;
  readonly #model: string;
  readonly #includeUsage: boolean;
  readonly #candidates = new Map<number, CandidateState>();
  #usage: NormalizedUsage | undefined;
  #failed = false;
  #ended = false;

  constructor(opts: { model: string; id: string; created: number; includeUsage: boolean }) {
    this.#id = opts.id;
    this.#created = opts.created;
    this.#model = opts.model;
    this.#includeUsage = opts.includeUsage;
  }

  /** Usage from the last chunk that carried usageMetadata. */
  get usage(): NormalizedUsage | undefined {
    return this.#usage;
  }

  push(ev: SseEvent): Output[] {
    if (this.#failed || this.#ended) return [];
    try {
      return this.#push(ev);
    } catch (err) {
      // Defensive: a translator bug must reach the client as an error, not take the process down.
      return this.#fail(failure(502, `The Gemini stream could not be translated: ${err instanceof Error ? err.message : String(err)}`, 'upstream_invalid_event'));
    }
  }

  #push(ev: SseEvent): Output[] {
    const parsed = parseSseJson<GeminiResponse & { error?: unknown }>(ev);
    if (parsed.done) return []; // Gemini sends no [DONE]; tolerate one.
    if (parsed.error) return this.#fail(failure(502, parsed.error.message, 'upstream_invalid_json'));
    const res = parsed.value;
    if (typeof res !== 'object' || res === null || Array.isArray(res)) {
      return this.#fail(failure(502, 'The Gemini stream sent an event that is not a JSON object', 'upstream_invalid_event'));
    }
    if (res.error !== undefined) {
      const mapped = geminiErrorToOpenai(500, { error: res.error });
      return this.#fail({ kind: 'error', status: mapped.status, error: mapped.body.error });
    }
    if (typeof res.usageMetadata === 'object' && res.usageMetadata !== null) this.#usage = geminiUsage(res.usageMetadata);

    const out: Output[] = [];
    const candidates = Array.isArray(res.candidates) ? res.candidates : [];
    for (let i = 0; i < candidates.length; i++) {
      const cand = candidates[i];
      if (typeof cand !== 'object' || cand === null) continue;
      const index = typeof cand.index === 'number' ? cand.index : i;
      let state = this.#candidates.get(index);
      if (!state) this.#candidates.set(index, (state = { roleSent: false, calls: 0, finished: false }));
      if (state.finished) continue;

      const delta: ChunkDelta = {};
      let content = '';
      let reasoning = '';
      const parts = Array.isArray(cand.content?.parts) ? cand.content.parts : [];
      for (const part of parts) {
        if (typeof part !== 'object' || part === null) continue;
        if (part.functionCall && typeof part.functionCall === 'object') {
          const call = toToolCall(part, toolCallId(this.#id, index, state.calls));
          const entry: NonNullable<ChunkDelta['tool_calls']>[number] = { index: state.calls++, id: call.id, type: 'function', function: call.function };
          if (call.extra_content) entry.extra_content = call.extra_content;
          (delta.tool_calls ??= []).push(entry);
        } else if (typeof part.text === 'string') {
          if (part.thought === true) reasoning += part.text;
          else content += part.text;
        }
      }
      if (reasoning !== '') delta.reasoning_content = reasoning;
      if (content !== '') delta.content = content;
      const hasDelta = delta.tool_calls !== undefined || reasoning !== '' || content !== '';
      if (!state.roleSent && (hasDelta || cand.finishReason)) {
        state.roleSent = true;
        delta.role = 'assistant';
        if (delta.content === undefined) delta.content = '';
      }
      if (delta.role !== undefined || hasDelta) out.push(this.#chunk(index, delta, null));
      if (typeof cand.finishReason === 'string' && cand.finishReason !== '' && cand.finishReason !== 'FINISH_REASON_UNSPECIFIED') {
        state.finished = true;
        out.push(this.#chunk(index, {}, mapFinishReason(cand.finishReason, state.calls > 0)));
      }
    }
    if (candidates.length === 0 && typeof res.promptFeedback?.blockReason === 'string' && !this.#candidates.has(0)) {
      // The prompt was blocked: no candidate will come.
      this.#candidates.set(0, { roleSent: true, calls: 0, finished: true });
      out.push(this.#chunk(0, { role: 'assistant', content: '' }, null), this.#chunk(0, {}, 'content_filter'));
    }
    return out;
  }

  end(opts: { incomplete?: boolean } = {}): Output[] {
    if (this.#failed || this.#ended) return [];
    this.#ended = true;
    if (opts.incomplete) return this.#fail(failure(502, 'The Gemini stream was cut before the answer was complete', 'upstream_stream_cut'));
    let finished = this.#candidates.size > 0;
    for (const state of this.#candidates.values()) if (!state.finished) finished = false;
    if (!finished) return this.#fail(failure(502, 'The Gemini stream ended without a finish reason: the answer is incomplete', 'upstream_stream_cut'));
    if (!this.#includeUsage || !this.#usage) return [];
    const chunk: ChatChunk = { id: this.#id, object: 'chat.completion.chunk', created: this.#created, model: this.#model, choices: [], usage: toOpenaiUsage(this.#usage) };
    return [{ kind: 'event', event: chunk }];
  }

  #fail(output: Output): Output[] {
    this.#failed = true;
    return [output];
  }

  #chunk(index: number, delta: ChunkDelta, finish: FinishReason | null): Output {
    const chunk: ChatChunk = {
      id: this.#id,
      object: 'chat.completion.chunk',
      created: this.#created,
      model: this.#model,
      choices: [{ index, delta, finish_reason: finish }],
    };
    if (this.#includeUsage) chunk.usage = null;
    return { kind: 'event', event: chunk };
  }
}
