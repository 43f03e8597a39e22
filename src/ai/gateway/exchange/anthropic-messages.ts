/**
 * Anthropic Messages clients (`POST /messages`). To an Anthropic provider the request and the answer
 * pass through (each event forwarded as it arrives; only message_start, message_delta and error
 * events are parsed, for usage and failures). Any other provider: Anthropic → OpenAI (hub) → the
 * provider, and back through OpenaiToAnthropicStream.
 */
import {
  anthropicErrorToOpenaiError,
  anthropicStreamErrorEvent,
  anthropicToOpenaiRequest,
  anthropicUsageToNormalized,
  OpenaiToAnthropicStream,
  openaiToAnthropicResponse,
  type AnthropicRequest,
} from '../../protocols/anthropic/index.js';
import { normalizeOpenaiUsage } from '../../protocols/openai/index.js';
import type { ChatRequest, NormalizedUsage } from '../../protocols/openai-types.js';
import { formatSseEvent } from '../../transport/sse.js';
import type { ProviderCall } from '../../providers/request.js';
import type { ResolvedTarget } from '../types.js';
import { ClientStream, interrupted } from './client-stream.js';
import { SseReader } from './sse-reader.js';
import { hubCall, hubResponse, HubStream, type HubCall, type HubIds } from './hub.js';
import type { ClientBody, Exchange, StreamSink, StreamTranslator } from './types.js';

type Counts = {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
};

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

class AnthropicPassthrough extends ClientStream {
  readonly #reader = new SseReader();
  #counts: Counts | undefined;

  get usage(): NormalizedUsage | undefined {
    return this.#counts === undefined ? undefined : anthropicUsageToNormalized(this.#counts);
  }

  #absorb(u: unknown): void {
    if (typeof u !== 'object' || u === null) return;
    const o = u as Record<string, unknown>;
    const c = (this.#counts ??= { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
    // message_delta counts are cumulative: each replaces the previous value.
    c.input_tokens = num(o.input_tokens) ?? c.input_tokens;
    c.output_tokens = num(o.output_tokens) ?? c.output_tokens;
    c.cache_read_input_tokens = num(o.cache_read_input_tokens) ?? c.cache_read_input_tokens;
    c.cache_creation_input_tokens = num(o.cache_creation_input_tokens) ?? c.cache_creation_input_tokens;
  }

  protected consume(chunk: Buffer): void {
    const events = this.#reader.push(chunk);
    for (let i = 0; i < events.length; i++) {
      const ev = events[i];
      const name = ev.event;
      if (name === 'error') {
        let type = 'api_error';
        let message = 'The provider reported an error in the stream';
        try {
          const e = (JSON.parse(ev.data) as { error?: { type?: unknown; message?: unknown } }).error;
          if (typeof e?.type === 'string') type = e.type;
          if (typeof e?.message === 'string') message = e.message;
        } catch {
          // kept as api_error
        }
        const mapped = anthropicErrorToOpenaiError(type, message, 502);
        this.fail('provider', mapped.status, mapped.error, type);
        return;
      }
      if (name === 'message_start' || name === 'message_delta') {
        try {
          const data = JSON.parse(ev.data) as { message?: { usage?: unknown }; usage?: unknown };
          this.#absorb(name === 'message_start' ? data.message?.usage : data.usage);
        } catch {
          // forwarded as is; usage falls back to the estimate
        }
      }
      this.out += formatSseEvent({ event: name, data: ev.data });
      if (name === 'message_stop') {
        this.finish('');
        return;
      }
    }
  }

  protected close(incomplete: boolean): void {
    this.#reader.end();
    this.fail('interrupted', 502, interrupted(incomplete ? undefined : 'The provider stream ended without message_stop'));
  }
}

/** Hub chunks turned into Anthropic events for an Anthropic client. */
class AnthropicFromHub extends ClientStream {
  readonly #hub: HubStream;
  readonly #toAnthropic: OpenaiToAnthropicStream;

  constructor(sink: StreamSink, target: ResolvedTarget, ids: HubIds) {
    super(sink);
    this.#toAnthropic = new OpenaiToAnthropicStream({ model: target.model });
    this.#hub = new HubStream(target, { ...ids, includeUsage: true }, (o, atEnd) => {
      if (this.over) return;
      if (o.kind === 'error') this.fail(atEnd ? 'interrupted' : 'provider', o.status, o.error);
      else this.#emit(this.#toAnthropic.push(o.event), atEnd);
    });
  }

  get usage(): NormalizedUsage | undefined {
    return this.#hub.usage ?? this.#toAnthropic.usage;
  }

  #emit(outputs: ReturnType<OpenaiToAnthropicStream['push']>, atEnd: boolean): void {
    for (const o of outputs) {
      if (this.over) return;
      if (o.kind === 'event') {
        this.out += formatSseEvent({ event: o.event.event, data: JSON.stringify(o.event.data) });
      } else {
        const type = (anthropicStreamErrorEvent(o).data as { error: { type: string } }).error.type;
        this.fail(atEnd ? 'interrupted' : 'provider', o.status, o.error, type);
      }
    }
    if (this.#toAnthropic.finished) this.finish('');
  }

  protected consume(chunk: Buffer): void {
    this.#hub.push(chunk);
  }

  protected close(incomplete: boolean): void {
    this.#hub.end(incomplete);
    // A cut the hub saw is already an error output; otherwise the hub stream ended cleanly.
    if (!this.over) this.#emit(this.#toAnthropic.end({ incomplete: false }), true);
  }
}

export class AnthropicMessagesExchange implements Exchange {
  readonly inbound = 'anthropic' as const;
  readonly endpoint = 'messages' as const;
  readonly stream: boolean;
  readonly clientWantsUsage = false;
  readonly #body: AnthropicRequest;
  readonly #passHeaders: readonly string[];
  readonly #defaultMaxTokens: number;
  readonly #ids: HubIds;
  #chat: ChatRequest | undefined;
  readonly #prepared = new Map<ResolvedTarget, HubCall>();

  constructor(body: Record<string, unknown>, opts: HubIds & { defaultMaxTokens: number; passHeaders: readonly string[] }) {
    this.#body = body as AnthropicRequest;
    this.stream = body.stream === true;
    this.#passHeaders = opts.passHeaders;
    this.#defaultMaxTokens = opts.defaultMaxTokens;
    this.#ids = { id: opts.id, created: opts.created };
  }

  #hub(target: ResolvedTarget): HubCall {
    let p = this.#prepared.get(target);
    if (p === undefined) {
      this.#chat ??= anthropicToOpenaiRequest(this.#body);
      p = hubCall(this.#chat, target, this.#defaultMaxTokens);
      this.#prepared.set(target, p);
    }
    return p;
  }

  call(target: ResolvedTarget): ProviderCall {
    if (target.provider.descriptor.protocol !== 'anthropic') return this.#hub(target).call;
    const body = { ...this.#body, model: target.model };
    if (typeof body.max_tokens !== 'number') body.max_tokens = this.#defaultMaxTokens;
    return { path: '/v1/messages', model: target.model, body, stream: this.stream, passHeaders: this.#passHeaders };
  }

  respond(raw: Buffer, target: ResolvedTarget): ClientBody {
    if (target.provider.descriptor.protocol === 'anthropic') {
      const parsed = JSON.parse(raw.toString('utf8')) as { usage?: Record<string, unknown> };
      return { body: raw, usage: parsed?.usage ? anthropicUsageToNormalized(parsed.usage) : undefined };
    }
    const res = hubResponse(raw, target, this.#ids, this.#hub(target).jsonTool);
    return { body: JSON.stringify(openaiToAnthropicResponse(res, { model: target.model })), usage: normalizeOpenaiUsage(res.usage) };
  }

  openStream(target: ResolvedTarget, sink: StreamSink): StreamTranslator {
    if (target.provider.descriptor.protocol === 'anthropic') return new AnthropicPassthrough(sink);
    return new AnthropicFromHub(sink, target, this.#ids);
  }
}
