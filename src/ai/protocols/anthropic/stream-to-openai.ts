/**
 * Anthropic Messages stream → OpenAI chat completion chunks, one parsed SSE event at a time.
 * Stateful, synchronous, no timers, no buffering: every event produces its chunk at once. Never
 * throws: odd upstream input gives an error output, after which the translator is inert.
 *
 * The caller writes `data: [DONE]` after the last output once `finished` is true; it writes an error
 * event (and no `[DONE]`) for an output of kind `error`.
 */
import type { ChatChunk, ChunkDelta, FinishReason, NormalizedUsage, StreamOutput } from '../openai-types.js';
import { parseSseJson, type SseEvent } from '../../transport/sse.js';
import { anthropicErrorToOpenaiError } from './errors.js';
import { anthropicStopToFinish } from './response.js';
import { anthropicCounts, countsToNormalized, countsToOpenaiUsage, type AnthropicCounts } from './usage.js';

export interface AnthropicToOpenaiStreamOptions {
  /** The model name the client sees on every chunk. */
  model: string;
  /** The chunk id; defaults to the Anthropic message id. */
  id?: string;
  /** Unix seconds; defaults to the construction time. */
  created?: number;
  /** The client asked for `stream_options.include_usage`. */
  includeUsage: boolean;
  /** The structured-answer tool of the request (`jsonResponseToolName`): its input streams as content. */
  jsonTool?: string;
}

type Out = StreamOutput<ChatChunk>;

/** What an Anthropic content block (by its index) turns into. */
interface Block {
  kind: 'text' | 'thinking' | 'tool' | 'json' | 'other';
  /** OpenAI tool-call index, for `tool` blocks. */
  toolIndex: number;
  /** Characters of JSON streamed, for `json` blocks. */
  jsonChars: number;
}

interface StreamData {
  type?: unknown;
  index?: unknown;
  message?: { id?: unknown; usage?: unknown };
  content_block?: { type?: unknown; text?: unknown; thinking?: unknown; id?: unknown; name?: unknown; input?: unknown };
  delta?: { type?: unknown; text?: unknown; thinking?: unknown; partial_json?: unknown; stop_reason?: unknown };
  usage?: Record<string, unknown>;
  error?: { type?: unknown; message?: unknown };
}

export class AnthropicToOpenaiStream {
  readonly #opts: AnthropicToOpenaiStreamOptions;
  readonly #created: number;
  #id: string | undefined;
  #started = false;
  #finishSent = false;
  #finished = false;
  #failed = false;
  readonly #blocks: Array<Block | undefined> = [];
  #nextToolIndex = 0;
  #counts: AnthropicCounts | undefined;

  constructor(opts: AnthropicToOpenaiStreamOptions) {
    this.#opts = opts;
    this.#id = opts.id;
    this.#created = opts.created ?? Math.floor(Date.now() / 1000);
  }

  /** Usage so far (message_start input and cache counts, latest cumulative output count). */
  get usage(): NormalizedUsage | undefined {
    return this.#counts ? countsToNormalized(this.#counts) : undefined;
  }

  /** `message_stop` was seen: the stream ended cleanly. */
  get finished(): boolean {
    return this.#finished;
  }

  /** An error output was produced; later events are ignored. */
  get failed(): boolean {
    return this.#failed;
  }

  push(ev: SseEvent): Out[] {
    if (this.#finished || this.#failed || ev.event === 'ping') return [];
    const parsed = parseSseJson<StreamData>(ev);
    if (parsed.error) return this.#fail(parsed.error.message);
    if (parsed.done) return [];
    const data = parsed.value;
    if (typeof data !== 'object' || data === null) return this.#fail(`The upstream sent a '${ev.event.slice(0, 64)}' event that is not an object`);
    const type = typeof data.type === 'string' ? data.type : ev.event;
    const out: Out[] = [];
    switch (type) {
      case 'message_start':
        this.#counts = anthropicCounts(data.message?.usage as Record<string, unknown> | undefined);
        if (this.#id === undefined && typeof data.message?.id === 'string') this.#id = data.message.id;
        this.#start(out);
        return out;
      case 'content_block_start':
        this.#start(out);
        this.#blockStart(data, out);
        return out;
      case 'content_block_delta':
        this.#start(out);
        return this.#blockDelta(data, out);
      case 'content_block_stop': {
        const block = typeof data.index === 'number' ? this.#blocks[data.index] : undefined;
        if (block?.kind === 'json' && block.jsonChars === 0) out.push(this.#chunk({ content: '{}' }));
        return out;
      }
      case 'message_delta':
        this.#start(out);
        this.#messageDelta(data, out);
        return out;
      case 'message_stop':
        this.#start(out);
        if (!this.#finishSent) this.#finish('stop', out);
        if (this.#opts.includeUsage) out.push(this.#usageChunk());
        this.#finished = true;
        return out;
      case 'error': {
        const e = data.error;
        const mapped = anthropicErrorToOpenaiError(
          typeof e?.type === 'string' ? e.type : 'api_error',
          typeof e?.message === 'string' ? e.message : 'The upstream reported an error in the stream',
          502,
        );
        this.#failed = true;
        return [{ kind: 'error', status: mapped.status, error: mapped.error }];
      }
      default:
        return []; // ping, and event types added after this was written
    }
  }

  /** `incomplete`: the upstream body ended abnormally. Without `message_stop` the end is an error. */
  end(opts: { incomplete?: boolean } = {}): Out[] {
    if (this.#finished || this.#failed) return [];
    return this.#fail(
      opts.incomplete === true
        ? 'The upstream stream was cut before the message was complete'
        : 'The upstream stream ended without message_stop',
    );
  }

  #blockStart(data: StreamData, out: Out[]): void {
    const cb = data.content_block;
    if (typeof data.index !== 'number' || typeof cb !== 'object' || cb === null) {
      out.push(...this.#fail('The upstream sent a content_block_start without an index or block'));
      return;
    }
    const block: Block = { kind: 'other', toolIndex: -1, jsonChars: 0 };
    this.#blocks[data.index] = block;
    if (cb.type === 'text') {
      block.kind = 'text';
      if (typeof cb.text === 'string' && cb.text !== '') out.push(this.#chunk({ content: cb.text }));
    } else if (cb.type === 'thinking') {
      block.kind = 'thinking';
      if (typeof cb.thinking === 'string' && cb.thinking !== '') out.push(this.#chunk({ reasoning_content: cb.thinking }));
    } else if (cb.type === 'tool_use' && this.#opts.jsonTool !== undefined && cb.name === this.#opts.jsonTool) {
      block.kind = 'json';
    } else if (cb.type === 'tool_use') {
      block.kind = 'tool';
      block.toolIndex = this.#nextToolIndex++;
      // Streams start tool input as {}; a non-empty one (seen from some proxies) is sent as the first arguments.
      const input = cb.input;
      const initial = typeof input === 'object' && input !== null && Object.keys(input).length > 0 ? JSON.stringify(input) : '';
      out.push(
        this.#chunk({
          tool_calls: [{ index: block.toolIndex, id: String(cb.id ?? ''), type: 'function', function: { name: String(cb.name ?? ''), arguments: initial } }],
        }),
      );
    }
  }

  #blockDelta(data: StreamData, out: Out[]): Out[] {
    const block = typeof data.index === 'number' ? this.#blocks[data.index] : undefined;
    const d = data.delta;
    if (block === undefined || typeof d !== 'object' || d === null) {
      out.push(...this.#fail('The upstream sent a content_block_delta for a block it never started'));
      return out;
    }
    switch (d.type) {
      case 'text_delta':
        if (typeof d.text === 'string' && d.text !== '') out.push(this.#chunk({ content: d.text }));
        break;
      case 'thinking_delta':
        if (typeof d.thinking === 'string' && d.thinking !== '') out.push(this.#chunk({ reasoning_content: d.thinking }));
        break;
      case 'input_json_delta': {
        const json = d.partial_json;
        if (typeof json !== 'string' || json === '') break;
        if (block.kind === 'tool') out.push(this.#chunk({ tool_calls: [{ index: block.toolIndex, function: { arguments: json } }] }));
        else if (block.kind === 'json') {
          block.jsonChars += json.length;
          out.push(this.#chunk({ content: json }));
        }
        break;
      }
      default:
        break; // signature_delta, citations_delta: no OpenAI form
    }
    return out;
  }

  #messageDelta(data: StreamData, out: Out[]): void {
    const u = data.usage;
    if (typeof u === 'object' && u !== null) {
      const c = this.#counts ?? (this.#counts = anthropicCounts(undefined));
      // Counts here are cumulative: each replaces the previous value, never adds to it.
      if (typeof u.output_tokens === 'number') c.output = u.output_tokens;
      if (typeof u.input_tokens === 'number') c.input = u.input_tokens;
      if (typeof u.cache_read_input_tokens === 'number') c.cacheRead = u.cache_read_input_tokens;
      if (typeof u.cache_creation_input_tokens === 'number') c.cacheWrite = u.cache_creation_input_tokens;
    }
    const reason = data.delta?.stop_reason;
    if (typeof reason === 'string' && !this.#finishSent) {
      let finish = anthropicStopToFinish(reason);
      if (finish === 'tool_calls' && this.#nextToolIndex === 0) finish = 'stop'; // only the structured-answer tool
      this.#finish(finish, out);
    }
  }

  #start(out: Out[]): void {
    if (this.#started) return;
    this.#started = true;
    out.push(this.#chunk({ role: 'assistant', content: '' }));
  }

  #finish(reason: FinishReason, out: Out[]): void {
    this.#finishSent = true;
    out.push(this.#chunk({}, reason));
  }

  #chunk(delta: ChunkDelta, finish: FinishReason | null = null): Out {
    const chunk: ChatChunk = {
      id: this.#chunkId(),
      object: 'chat.completion.chunk',
      created: this.#created,
      model: this.#opts.model,
      choices: [{ index: 0, delta, finish_reason: finish }],
    };
    if (this.#opts.includeUsage) chunk.usage = null;
    return { kind: 'event', event: chunk };
  }

  #usageChunk(): Out {
    return {
      kind: 'event',
      event: {
        id: this.#chunkId(),
        object: 'chat.completion.chunk',
        created: this.#created,
        model: this.#opts.model,
        choices: [],
        usage: countsToOpenaiUsage(this.#counts ?? anthropicCounts(undefined)),
      },
    };
  }

  #chunkId(): string {
    return (this.#id ??= `chatcmpl-${this.#created}`);
  }

  #fail(message: string): Out[] {
    this.#failed = true;
    return [{ kind: 'error', status: 502, error: { message, type: 'server_error', param: null, code: 'GANTRY_ERR_UPSTREAM_FAILED' } }];
  }
}
