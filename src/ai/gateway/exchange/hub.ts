/**
 * The hub: an OpenAI chat request sent to any protocol, and the answer brought back as OpenAI
 * (a chat completion, or chat.completion.chunk outputs). Every translated pair goes through here:
 * OpenAI clients of Anthropic/Gemini/Bedrock providers, and Anthropic clients of any provider but
 * Anthropic (Anthropic → OpenAI → X, and back).
 */
import { EventStreamDecoder } from '../../transport/event-stream.js';
import { AnthropicToOpenaiStream, jsonResponseToolName, openaiToAnthropicRequest, anthropicToOpenaiResponse } from '../../protocols/anthropic/index.js';
import { ConverseToOpenaiStream, converseToOpenaiResponse, openaiToConverseRequest } from '../../protocols/bedrock/index.js';
import { GeminiToOpenaiStream, geminiToOpenaiResponse, openaiToGeminiRequest } from '../../protocols/gemini/index.js';
import { applyMistralQuirks, ensureStreamUsage, usageFromChunk } from '../../protocols/openai/index.js';
import type { ChatChunk, ChatRequest, ChatResponse, ErrorBody, NormalizedUsage, StreamOutput } from '../../protocols/openai-types.js';
import type { ProviderCall } from '../../providers/request.js';
import type { ResolvedTarget } from '../types.js';
import { SseReader } from './sse-reader.js';

export interface HubCall {
  call: ProviderCall;
  /** The forced tool carrying a structured answer (Anthropic, Bedrock), for the response translators. */
  jsonTool?: string;
}

/** An OpenAI-format body for an OpenAI-protocol provider: its model, stream usage asked for, quirks applied. */
export function openaiBody(req: ChatRequest, target: ResolvedTarget): ChatRequest {
  let body: ChatRequest = { ...req, model: target.model };
  if (body.stream === true) body = ensureStreamUsage(body).request;
  if (target.provider.descriptor.quirks === 'mistral') body = applyMistralQuirks(body) as ChatRequest;
  return body;
}

export function hubCall(req: ChatRequest, target: ResolvedTarget, defaultMaxTokens: number): HubCall {
  const stream = req.stream === true;
  const model = target.model;
  switch (target.provider.descriptor.protocol) {
    case 'openai':
      return { call: { path: '/chat/completions', model, body: openaiBody(req, target), stream } };
    case 'anthropic': {
      const body = openaiToAnthropicRequest(req, { model, defaultMaxTokens });
      const jsonTool = jsonResponseToolName(req);
      return jsonTool === undefined ? { call: { path: '/v1/messages', model, body, stream } } : { call: { path: '/v1/messages', model, body, stream }, jsonTool };
    }
    case 'gemini': {
      const { body, path } = openaiToGeminiRequest(req, { model });
      return { call: { path, model, body, stream } };
    }
    case 'bedrock': {
      const withMax = req.max_tokens == null && req.max_completion_tokens == null ? { ...req, max_tokens: defaultMaxTokens } : req;
      const { path, body, jsonTool } = openaiToConverseRequest(withMax, { model });
      return jsonTool === undefined ? { call: { path, model, body, stream } } : { call: { path, model, body, stream }, jsonTool };
    }
  }
}

export interface HubIds {
  id: string;
  created: number;
}

/** A 2xx non-stream body as an OpenAI chat completion; throws when it is not JSON. */
export function hubResponse(raw: Buffer, target: ResolvedTarget, ids: HubIds, jsonTool: string | undefined): ChatResponse {
  const parsed: unknown = JSON.parse(raw.toString('utf8'));
  const model = target.model;
  switch (target.provider.descriptor.protocol) {
    case 'openai':
      return parsed as ChatResponse;
    case 'anthropic':
      return anthropicToOpenaiResponse(parsed as never, jsonTool === undefined ? { model } : { model, jsonTool });
    case 'gemini':
      return geminiToOpenaiResponse(parsed as never, { model, id: ids.id, created: ids.created });
    case 'bedrock':
      return converseToOpenaiResponse(parsed as never, { model, id: ids.id, created: ids.created, ...(jsonTool === undefined ? {} : { jsonTool }) });
  }
}

/** Receives the hub stream's outputs; `atEnd`: produced by the end of the upstream body. */
export type HubEmit = (out: StreamOutput<ChatChunk>, atEnd: boolean) => void;

function failure(message: string, code: string): StreamOutput<ChatChunk> {
  return { kind: 'error', status: 502, error: { message, type: 'server_error', param: null, code } };
}

/** An OpenAI-protocol stream read as chunk objects (for Anthropic clients of OpenAI-format providers). */
class OpenaiChunks {
  #done = false;
  #finished = false;
  #failed = false;
  usage: NormalizedUsage | undefined;

  get done(): boolean {
    return this.#done;
  }

  push(data: string, emit: HubEmit): void {
    if (this.#done || this.#failed) return;
    if (data === '[DONE]') {
      this.#done = true;
      return;
    }
    let chunk: ChatChunk & { error?: ErrorBody['error'] };
    try {
      chunk = JSON.parse(data) as ChatChunk;
    } catch {
      this.#failed = true;
      emit(failure('The provider sent a stream event that is not JSON', 'upstream_invalid_json'), false);
      return;
    }
    if (typeof chunk !== 'object' || chunk === null) return;
    if (chunk.error != null) {
      this.#failed = true;
      const e = chunk.error;
      emit({ kind: 'error', status: 502, error: { message: String(e.message ?? 'The provider reported an error in the stream'), type: String(e.type ?? 'server_error'), param: null, code: e.code ?? null } }, false);
      return;
    }
    const u = usageFromChunk(chunk);
    if (u) this.usage = u;
    if (Array.isArray(chunk.choices)) for (const c of chunk.choices) if (c?.finish_reason) this.#finished = true;
    emit({ kind: 'event', event: chunk }, false);
  }

  end(incomplete: boolean, emit: HubEmit): void {
    if (this.#done || this.#failed) return;
    if (incomplete || !this.#finished) emit(failure('The provider stream was cut before the answer was complete', 'upstream_stream_cut'), true);
  }
}

/**
 * Upstream bytes → OpenAI chunk outputs, for any protocol. `done` turns true when the stream
 * reached its protocol's end marker (`[DONE]`, `message_stop`) before the body ended.
 */
export class HubStream {
  readonly #emit: HubEmit;
  readonly #sse: SseReader | null;
  readonly #events: EventStreamDecoder | null;
  readonly #openai: OpenaiChunks | null = null;
  readonly #anthropic: AnthropicToOpenaiStream | null = null;
  readonly #gemini: GeminiToOpenaiStream | null = null;
  readonly #bedrock: ConverseToOpenaiStream | null = null;

  constructor(target: ResolvedTarget, opts: HubIds & { includeUsage: boolean; jsonTool?: string }, emit: HubEmit) {
    this.#emit = emit;
    const model = target.model;
    const protocol = target.provider.descriptor.protocol;
    this.#sse = protocol === 'bedrock' ? null : new SseReader();
    this.#events = protocol === 'bedrock' ? new EventStreamDecoder() : null;
    if (protocol === 'openai') this.#openai = new OpenaiChunks();
    else if (protocol === 'anthropic') this.#anthropic = new AnthropicToOpenaiStream({ model, includeUsage: opts.includeUsage, ...(opts.jsonTool === undefined ? {} : { jsonTool: opts.jsonTool }) });
    else if (protocol === 'gemini') this.#gemini = new GeminiToOpenaiStream({ model, id: opts.id, created: opts.created, includeUsage: opts.includeUsage });
    else this.#bedrock = new ConverseToOpenaiStream({ model, id: opts.id, created: opts.created, includeUsage: opts.includeUsage, ...(opts.jsonTool === undefined ? {} : { jsonTool: opts.jsonTool }) });
  }

  get usage(): NormalizedUsage | undefined {
    return this.#openai?.usage ?? this.#anthropic?.usage ?? this.#gemini?.usage ?? this.#bedrock?.usage;
  }

  get done(): boolean {
    return this.#openai?.done === true || this.#anthropic?.finished === true;
  }

  #out(list: StreamOutput<ChatChunk>[], atEnd: boolean): void {
    for (let i = 0; i < list.length; i++) this.#emit(list[i], atEnd);
  }

  push(chunk: Buffer): void {
    if (this.#events !== null) {
      let messages;
      try {
        messages = this.#events.push(chunk);
      } catch (err) {
        this.#emit(failure((err as Error).message, 'upstream_invalid_event_stream'), false);
        return;
      }
      for (const m of messages) this.#out(this.#bedrock!.push(m), false);
      return;
    }
    const events = this.#sse!.push(chunk);
    for (let i = 0; i < events.length; i++) {
      const ev = events[i];
      if (this.#openai !== null) this.#openai.push(ev.data, this.#emit);
      else if (this.#anthropic !== null) this.#out(this.#anthropic.push(ev), false);
      else this.#out(this.#gemini!.push(ev), false);
    }
  }

  end(incomplete: boolean): void {
    let cut = incomplete;
    if (this.#events !== null) {
      try {
        cut = this.#events.end().truncated || cut;
      } catch {
        cut = true;
      }
      this.#out(this.#bedrock!.end({ incomplete: cut }), true);
      return;
    }
    // An event not closed by a blank line is discarded, and makes the end a cut.
    cut = this.#sse!.end() || cut;
    if (this.#openai !== null) this.#openai.end(cut, this.#emit);
    else if (this.#anthropic !== null) this.#out(this.#anthropic.end({ incomplete: cut }), true);
    else this.#out(this.#gemini!.end({ incomplete: cut }), true);
  }
}
