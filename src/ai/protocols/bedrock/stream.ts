/**
 * Bedrock ConverseStream (AWS event stream, decoded by ai/transport/event-stream.ts) → OpenAI
 * chat.completion.chunk events.
 *
 * Events by `:event-type`: messageStart, contentBlockStart (a toolUse block opens a new tool-call
 * index), contentBlockDelta (text, toolUse.input fragment, reasoningContent.text),
 * contentBlockStop, messageStop (stopReason), metadata (usage, metrics: always last). An
 * `exception` or `error` message is an error output. A stream that ends before both messageStop
 * and metadata arrived was cut: error output, never a clean end. Never throws.
 */
import type { EventStreamMessage } from '../../transport/event-stream.js';
import type { ChatChunk, ChunkDelta, FinishReason, NormalizedUsage, StreamOutput } from '../openai-types.js';
import { bedrockExceptionToOpenai } from './errors.js';
import { converseUsage, mapStopReason, toOpenaiUsage } from './response.js';
import type { ConverseStreamPayloads } from './types.js';

type Output = StreamOutput<ChatChunk>;

/** A content block that is the forced JSON-answer tool: its input streams out as content. */
const JSON_BLOCK = -1;

function failure(message: string, code: string): Output {
  return { kind: 'error', status: 502, error: { message, type: 'server_error', param: null, code } };
}

export class ConverseToOpenaiStream {
  readonly #id: string;
  readonly #created: number;
  readonly #model: string;
  readonly #includeUsage: boolean;
  readonly #jsonTool: string | undefined;
  /** contentBlockIndex → OpenAI tool-call index (or JSON_BLOCK). */
  readonly #blocks = new Map<number, number>();
  #tools = 0;
  #roleSent = false;
  #stopped = false;
  #metadata = false;
  #usage: NormalizedUsage | undefined;
  #failed = false;
  #ended = false;

  constructor(opts: { model: string; id: string; created: number; includeUsage: boolean; jsonTool?: string }) {
    this.#id = opts.id;
    this.#created = opts.created;
    this.#model = opts.model;
    this.#includeUsage = opts.includeUsage;
    this.#jsonTool = opts.jsonTool;
  }

  get usage(): NormalizedUsage | undefined {
    return this.#usage;
  }

  push(msg: EventStreamMessage): Output[] {
    if (this.#failed || this.#ended) return [];
    try {
      return this.#push(msg);
    } catch (err) {
      // Defensive: a translator bug must reach the client as an error, not take the process down.
      return this.#fail(failure(`The Bedrock stream could not be translated: ${err instanceof Error ? err.message : String(err)}`, 'upstream_invalid_event'));
    }
  }

  #push(msg: EventStreamMessage): Output[] {
    const messageType = msg.headers[':message-type'];
    if (messageType === 'exception') {
      const type = msg.headers[':exception-type'];
      let message: string | undefined;
      try {
        const body = msg.json<{ message?: unknown; Message?: unknown }>();
        const m = body?.message ?? body?.Message;
        if (typeof m === 'string') message = m;
      } catch {
        message = msg.text().slice(0, 500) || undefined;
      }
      const mapped = bedrockExceptionToOpenai(typeof type === 'string' ? type : undefined, message, 502);
      return this.#fail({ kind: 'error', status: mapped.status, error: mapped.body.error });
    }
    if (messageType === 'error') {
      const code = msg.headers[':error-code'];
      const message = msg.headers[':error-message'];
      return this.#fail(failure(typeof message === 'string' && message !== '' ? message : 'The Bedrock stream failed', typeof code === 'string' ? code : 'upstream_stream_error'));
    }
    if (messageType !== undefined && messageType !== 'event') return [];

    const eventType = msg.headers[':event-type'];
    let payload: unknown;
    try {
      payload = msg.json();
    } catch (err) {
      return this.#fail(failure(err instanceof Error ? err.message : 'The Bedrock stream sent an event that is not JSON', 'upstream_invalid_json'));
    }
    if (typeof payload !== 'object' || payload === null) return this.#fail(failure('The Bedrock stream sent an event that is not a JSON object', 'upstream_invalid_event'));

    switch (eventType) {
      case 'messageStart':
        return this.#roleSent ? [] : [this.#chunk({}, null)];
      case 'contentBlockStart': {
        const p = payload as ConverseStreamPayloads['contentBlockStart'];
        const toolUse = p.start?.toolUse;
        if (!toolUse) return [];
        const block = typeof p.contentBlockIndex === 'number' ? p.contentBlockIndex : this.#blocks.size;
        if (this.#jsonTool !== undefined && toolUse.name === this.#jsonTool) {
          this.#blocks.set(block, JSON_BLOCK);
          return [];
        }
        const index = this.#tools++;
        this.#blocks.set(block, index);
        return [this.#chunk({ tool_calls: [{ index, id: String(toolUse.toolUseId ?? ''), type: 'function', function: { name: String(toolUse.name ?? ''), arguments: '' } }] }, null)];
      }
      case 'contentBlockDelta': {
        const p = payload as ConverseStreamPayloads['contentBlockDelta'];
        const delta = p.delta;
        if (!delta) return [];
        if (typeof delta.text === 'string') return delta.text === '' ? [] : [this.#chunk({ content: delta.text }, null)];
        if (typeof delta.toolUse?.input === 'string') {
          const index = typeof p.contentBlockIndex === 'number' ? this.#blocks.get(p.contentBlockIndex) : undefined;
          if (index === undefined) return this.#fail(failure('The Bedrock stream sent tool input for a block it never opened', 'upstream_invalid_event'));
          if (delta.toolUse.input === '') return [];
          if (index === JSON_BLOCK) return [this.#chunk({ content: delta.toolUse.input }, null)];
          return [this.#chunk({ tool_calls: [{ index, function: { arguments: delta.toolUse.input } }] }, null)];
        }
        if (typeof delta.reasoningContent?.text === 'string' && delta.reasoningContent.text !== '') {
          return [this.#chunk({ reasoning_content: delta.reasoningContent.text }, null)];
        }
        return [];
      }
      case 'messageStop': {
        if (this.#stopped) return [];
        this.#stopped = true;
        const p = payload as ConverseStreamPayloads['messageStop'];
        return [this.#chunk({}, mapStopReason(p.stopReason, this.#tools > 0))];
      }
      case 'metadata': {
        const p = payload as ConverseStreamPayloads['metadata'];
        this.#metadata = true;
        if (typeof p.usage === 'object' && p.usage !== null) this.#usage = converseUsage(p.usage);
        return [];
      }
      default:
        return []; // contentBlockStop, and event types added later
    }
  }

  end(opts: { incomplete?: boolean } = {}): Output[] {
    if (this.#failed || this.#ended) return [];
    this.#ended = true;
    if (opts.incomplete) return this.#fail(failure('The Bedrock stream was cut before the answer was complete', 'upstream_stream_cut'));
    if (!this.#stopped || !this.#metadata) {
      return this.#fail(failure(`The Bedrock stream ended without ${this.#stopped ? 'its metadata event' : 'a messageStop event'}: the answer is incomplete`, 'upstream_stream_cut'));
    }
    if (!this.#includeUsage || !this.#usage) return [];
    const chunk: ChatChunk = { id: this.#id, object: 'chat.completion.chunk', created: this.#created, model: this.#model, choices: [], usage: toOpenaiUsage(this.#usage) };
    return [{ kind: 'event', event: chunk }];
  }

  #fail(output: Output): Output[] {
    this.#failed = true;
    return [output];
  }

  /** A one-choice chunk; the first chunk of the stream also carries `role: assistant`. */
  #chunk(delta: ChunkDelta, finish: FinishReason | null): Output {
    if (!this.#roleSent) {
      this.#roleSent = true;
      delta = { role: 'assistant', ...(delta.content === undefined ? { content: '' } : {}), ...delta };
    }
    const chunk: ChatChunk = {
      id: this.#id,
      object: 'chat.completion.chunk',
      created: this.#created,
      model: this.#model,
      choices: [{ index: 0, delta, finish_reason: finish }],
    };
    if (this.#includeUsage) chunk.usage = null;
    return { kind: 'event', event: chunk };
  }
}
