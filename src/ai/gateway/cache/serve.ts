/**
 * Answers a request from a stored answer, without any provider: the stored JSON as is, or, to a
 * client that asked for a stream, the answer replayed as the event stream its protocol defines
 * (OpenAI chunks ending with `[DONE]`, the usage chunk when `stream_options.include_usage`;
 * Anthropic events ending with `message_stop`). The head goes through the route's response-phase
 * policies like any AI answer.
 */
import { replayAnthropicSse, replayOpenAiSse } from '../../../cache/ai-replay.js';
import type { RequestContext } from '../../../gateway/context.js';
import type { AnthropicResponse } from '../../protocols/anthropic/types.js';
import type { ChatResponse } from '../../protocols/openai-types.js';
import { aiResponseHeaders, jsonContentHeaders, streamContentHeaders } from '../client-head.js';
import { ClientWriter, type WriterOwner } from '../client-writer.js';
import { sendFailure, toFailure, type Inbound } from '../errors.js';
import { openaiUsage, type StoredAnswer } from './entry.js';

export interface HitRequest {
  inbound: Inbound;
  stream: boolean;
  includeUsage: boolean;
}

/** What the client gets: the body and whether it is a stream. Throws when the stored JSON does not parse. */
function replay(answer: StoredAnswer, req: HitRequest): string | Buffer {
  if (!req.stream) return answer.body;
  const parsed: unknown = JSON.parse(answer.body.toString('utf8'));
  if (answer.meta.kind === 'anthropic-messages') return replayAnthropicSse(parsed as AnthropicResponse).join('');
  const res = parsed as ChatResponse;
  if (req.includeUsage && res.usage == null) res.usage = openaiUsage(answer.meta.usage);
  return replayOpenAiSse(res, { includeUsage: req.includeUsage }).join('');
}

class CachedReply implements WriterOwner {
  readonly #ctx: RequestContext;
  readonly #inbound: Inbound;
  readonly #onDone: (ttftMs: number | null) => void;
  #ttftMs: number | null = null;
  #done = false;

  constructor(ctx: RequestContext, inbound: Inbound, onDone: (ttftMs: number | null) => void) {
    this.#ctx = ctx;
    this.#inbound = inbound;
    this.#onDone = onDone;
  }

  send(answer: StoredAnswer, body: string | Buffer, stream: boolean): void {
    const ctx = this.#ctx;
    const writer = new ClientWriter(ctx, this);
    const content = stream ? streamContentHeaders() : jsonContentHeaders(typeof body === 'string' ? Buffer.byteLength(body) : body.length);
    content.push('age', String(Math.max(0, Math.floor((Date.now() - answer.storedAt) / 1000))));
    const meta = answer.meta;
    const committed = writer.commit(() => aiResponseHeaders(ctx, content, { provider: meta.providerName, model: meta.model, attempts: 0, overheadMs: performance.now() - ctx.startedAt }));
    if (!committed) return;
    if (stream) this.#ttftMs = performance.now() - ctx.startedAt;
    writer.send(body, true);
  }

  /** The client left before the end. */
  abort(): void {
    this.ended();
  }

  ended(): void {
    if (this.#done) return;
    this.#done = true;
    this.#onDone(this.#ttftMs);
  }

  pauseUpstream(): void {}
  resumeUpstream(): void {}

  headFailed(err: unknown): void {
    // A response-phase policy refused the answer: its error is the answer.
    sendFailure(this.#ctx, this.#inbound, toFailure(err));
    this.ended();
  }
}

/**
 * Sends `answer`; `onDone` runs once, when the response ended or the client left (with the time to
 * the first byte of a stream). Throws, before anything is written, when the entry cannot be replayed.
 */
export function serveHit(ctx: RequestContext, answer: StoredAnswer, req: HitRequest, onDone: (ttftMs: number | null) => void): void {
  const body = replay(answer, req);
  const reply = new CachedReply(ctx, req.inbound, onDone);
  ctx.call = reply;
  reply.send(answer, body, req.stream);
}
