/**
 * An exchange is one inbound request's conversation with providers: the request each target gets,
 * and how each kind of answer becomes the client's. One exchange serves every attempt of a call
 * (fallbacks may change protocol); a stream translator is created per attempt.
 */
import type { NormalizedUsage, ErrorBody } from '../../protocols/openai-types.js';
import type { ProviderCall } from '../../providers/request.js';
import type { Inbound } from '../errors.js';
import type { ResolvedTarget } from '../types.js';

export type ExchangeEndpoint = 'chat' | 'messages' | 'embeddings';

/** Where a stream translator sends what the client gets. Implemented by the call (AiCall). */
export interface StreamSink {
  /** One or more client events, wire-formatted. The first one commits the response. */
  write(text: string): void;
  /**
   * The stream cannot complete. `interrupted`: the upstream broke or ended early; `provider`: the
   * provider reported an error (or sent something unusable). Before any write the attempt fails
   * and the call may try another; after, the client gets an error event and the response ends.
   */
  fail(kind: 'provider' | 'interrupted', status: number, error: ErrorBody['error'], anthropicType?: string): void;
  /** Clean end; `text` (e.g. `data: [DONE]`) is written last. */
  finish(text: string): void;
}

export interface StreamTranslator {
  push(chunk: Buffer): void;
  /** The upstream body ended; `incomplete`: it broke rather than ended. */
  end(incomplete: boolean): void;
  readonly usage: NormalizedUsage | undefined;
}

export interface ClientBody {
  body: string | Buffer;
  usage: NormalizedUsage | undefined;
}

export interface Exchange {
  readonly inbound: Inbound;
  readonly endpoint: ExchangeEndpoint;
  /** The client asked for a stream. */
  readonly stream: boolean;
  /** The client asked for usage in the stream (OpenAI `stream_options.include_usage`). */
  readonly clientWantsUsage: boolean;
  /** The upstream call for a target; throws GANTRY_ERR_VALIDATION for input that provider cannot take. */
  call(target: ResolvedTarget): ProviderCall;
  /** A 2xx non-stream answer → the client's body; throws when the body is unusable. */
  respond(body: Buffer, target: ResolvedTarget): ClientBody;
  /** A translator for one streamed attempt. */
  openStream(target: ResolvedTarget, sink: StreamSink): StreamTranslator;
}
