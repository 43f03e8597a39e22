/**
 * OpenAI chat clients (`POST /chat/completions`). To an OpenAI-format provider the request and the
 * answer pass through: each SSE event is forwarded as it arrives (the usage-only chunk Gantry asked
 * for is dropped when the client did not ask), non-stream bodies as received. Any other provider
 * goes through the hub and its chunks are serialised as they come.
 */
import { OpenaiStreamInspector, normalizeOpenaiUsage } from '../../protocols/openai/index.js';
import type { ChatRequest, NormalizedUsage } from '../../protocols/openai-types.js';
import { formatSseEvent } from '../../transport/sse.js';
import type { ProviderCall } from '../../providers/request.js';
import type { ResolvedTarget } from '../types.js';
import { ClientStream, interrupted } from './client-stream.js';
import { SseReader } from './sse-reader.js';
import { hubCall, hubResponse, HubStream, type HubCall, type HubIds } from './hub.js';
import type { ClientBody, Exchange, StreamSink, StreamTranslator } from './types.js';

const DONE = 'data: [DONE]\n\n';

/**
 * Whether an event can carry what the inspector reports (usage, a finish reason, an error, the end
 * marker). Content deltas — nearly every event — cannot, and are forwarded without a JSON.parse: one
 * compiled regex test costs a sixth of a parse. Odd spacing only makes an event look relevant.
 */
const MAY_MATTER = /"finish_reason":(?!null)|"usage":(?!null)|"error"|"x_groq"/;

function mayMatter(data: string): boolean {
  return data.charCodeAt(0) !== 123 /* { */ || MAY_MATTER.test(data);
}

class OpenaiPassthrough extends ClientStream {
  readonly #reader = new SseReader();
  readonly #inspector = new OpenaiStreamInspector();
  readonly #wantsUsage: boolean;

  constructor(sink: StreamSink, wantsUsage: boolean) {
    super(sink);
    this.#wantsUsage = wantsUsage;
  }

  get usage(): NormalizedUsage | undefined {
    return this.#inspector.usage;
  }

  protected consume(chunk: Buffer): void {
    const events = this.#reader.push(chunk);
    for (let i = 0; i < events.length; i++) {
      const ev = events[i];
      const signal = mayMatter(ev.data) ? this.#inspector.push(ev) : undefined;
      if (signal === 'error') {
        const e = this.#inspector.error!;
        const code = e.code === undefined || e.code === null ? null : String(e.code);
        this.fail('provider', 502, { message: e.message, type: e.type ?? 'server_error', param: null, code });
        return;
      }
      if (this.#inspector.done) {
        this.finish(DONE);
        return;
      }
      if (signal === 'usage-only' && !this.#wantsUsage) continue;
      this.out += ev.event === 'message' ? formatSseEvent({ data: ev.data }) : formatSseEvent({ event: ev.event, data: ev.data });
    }
  }

  protected close(incomplete: boolean): void {
    const cut = this.#reader.end();
    const result = this.#inspector.end({ incomplete: incomplete || cut });
    if (result.complete) this.finish(DONE);
    else this.fail('interrupted', 502, interrupted());
  }
}

/** Hub chunks (from Anthropic, Gemini or Bedrock) serialised for an OpenAI client. */
class OpenaiFromHub extends ClientStream {
  readonly #hub: HubStream;

  constructor(sink: StreamSink, target: ResolvedTarget, opts: HubIds & { includeUsage: boolean; jsonTool?: string }) {
    super(sink);
    this.#hub = new HubStream(target, opts, (o, atEnd) => {
      if (this.over) return;
      if (o.kind === 'event') this.out += `data: ${JSON.stringify(o.event)}\n\n`;
      else this.fail(atEnd ? 'interrupted' : 'provider', o.status, o.error);
    });
  }

  get usage(): NormalizedUsage | undefined {
    return this.#hub.usage;
  }

  protected consume(chunk: Buffer): void {
    this.#hub.push(chunk);
    if (this.#hub.done) this.finish(DONE);
  }

  protected close(incomplete: boolean): void {
    this.#hub.end(incomplete);
    this.finish(DONE);
  }
}

export class OpenaiChatExchange implements Exchange {
  readonly inbound = 'openai' as const;
  readonly endpoint = 'chat' as const;
  readonly stream: boolean;
  readonly clientWantsUsage: boolean;
  readonly #req: ChatRequest;
  readonly #defaultMaxTokens: number;
  readonly #ids: HubIds;
  readonly #prepared = new Map<ResolvedTarget, HubCall>();

  constructor(body: Record<string, unknown>, opts: HubIds & { defaultMaxTokens: number }) {
    this.#req = body as ChatRequest;
    this.stream = body.stream === true;
    this.clientWantsUsage = this.stream && this.#req.stream_options?.include_usage === true;
    this.#defaultMaxTokens = opts.defaultMaxTokens;
    this.#ids = { id: opts.id, created: opts.created };
  }

  #prepare(target: ResolvedTarget): HubCall {
    let p = this.#prepared.get(target);
    if (p === undefined) {
      p = hubCall(this.#req, target, this.#defaultMaxTokens);
      this.#prepared.set(target, p);
    }
    return p;
  }

  call(target: ResolvedTarget): ProviderCall {
    return this.#prepare(target).call;
  }

  respond(raw: Buffer, target: ResolvedTarget): ClientBody {
    if (target.provider.descriptor.protocol === 'openai') {
      const parsed = JSON.parse(raw.toString('utf8')) as { usage?: unknown };
      return { body: raw, usage: normalizeOpenaiUsage(parsed?.usage) };
    }
    const res = hubResponse(raw, target, this.#ids, this.#prepare(target).jsonTool);
    return { body: JSON.stringify(res), usage: normalizeOpenaiUsage(res.usage) };
  }

  openStream(target: ResolvedTarget, sink: StreamSink): StreamTranslator {
    if (target.provider.descriptor.protocol === 'openai') return new OpenaiPassthrough(sink, this.clientWantsUsage);
    const jsonTool = this.#prepare(target).jsonTool;
    return new OpenaiFromHub(sink, target, { ...this.#ids, includeUsage: this.clientWantsUsage, ...(jsonTool === undefined ? {} : { jsonTool }) });
  }
}
