/**
 * One AI call: runs the attempts the planner decides, relays the served answer to the client, and
 * accounts for the call. Nothing is sent to the client before the first output is ready (the first
 * translated event, or the whole non-stream body), so until then any failure may still fall back.
 * After the first byte a failure becomes an error event and the response ends: never a clean end.
 * Every callback is guarded: a throwing translator ends this response with an error, nothing more.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { GantryError } from '../../core/errors.js';
import type { RequestContext } from '../../gateway/context.js';
import { errorCode } from '../../gateway/proxy/upstream-errors.js';
import { appendTraceHeaders } from '../../gateway/trace-context.js';
import type { AiAttempt } from '../events.js';
import type { ErrorBody, NormalizedUsage } from '../protocols/openai-types.js';
import { buildUpstreamRequest } from '../providers/request.js';
import type { ProviderKey } from '../providers/keys.js';
import { aiResponseHeaders, jsonContentHeaders, streamContentHeaders } from './client-head.js';
import { ClientWriter, type WriterOwner } from './client-writer.js';
import { UpstreamAttempt, type AttemptOwner } from './dispatch.js';
import { failureEvent, failureOf, providerFailure, sendFailure, toFailure, type AiFailure } from './errors.js';
import { translateProviderError, type Exchange, type StreamSink, type StreamTranslator } from './exchange/index.js';
import { AttemptPlanner, classifyStatus, parseRetryAfter, type Outcome, type Step } from './planner.js';
import { publishKeyStatus } from './publish.js';
import type { ResolvedTarget } from './types.js';

/** Error bodies kept to translate them; the rest is dropped. */
const MAX_ERROR_BODY = 1 << 20;
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT', 'GANTRY_AI_ATTEMPT_TIMEOUT']);

function onAttemptTimeout(call: AiCall): void {
  call.attemptTimedOut();
}

export interface CallResult {
  /** The attempt that served the answer. */
  served: UpstreamAttempt | null;
  usage: NormalizedUsage | undefined;
  /** Content events sent (streams), for an output estimate when the provider reported no usage. */
  streamEvents: number;
  /** Bytes of the non-stream body sent. */
  body: string | Buffer | null;
  attempts: AiAttempt[];
  ttftMs: number | null;
  overheadMs: number;
}

export class AiCall implements AttemptOwner, StreamSink, WriterOwner {
  readonly ctx: RequestContext;
  readonly exchange: Exchange;
  readonly #writer: ClientWriter;
  readonly #planner: AttemptPlanner;
  readonly #onDone: (call: AiCall, result: CallResult) => void;
  #attempt: UpstreamAttempt | null = null;
  #translator: StreamTranslator | null = null;
  #body: Buffer[] | null = null;
  #bodySize = 0;
  #timer: NodeJS.Timeout | null = null;
  /** No more output: the response ended, is ending, or the client left. */
  #finished = false;
  #firstDispatchAt = 0;
  #upstreamDataAt = 0;
  #accounted = false;
  readonly result: CallResult = { served: null, usage: undefined, streamEvents: 0, body: null, attempts: [], ttftMs: null, overheadMs: 0 };

  constructor(ctx: RequestContext, exchange: Exchange, targets: readonly ResolvedTarget[], retries: number, onDone: (call: AiCall, result: CallResult) => void) {
    this.ctx = ctx;
    this.exchange = exchange;
    this.#writer = new ClientWriter(ctx, this);
    this.#planner = new AttemptPlanner(targets, retries);
    this.#onDone = onDone;
  }

  start(): void {
    this.#step(this.#planner.first());
  }

  // ------------------------------------------------------------------ attempts

  #step(step: Step): void {
    if (this.#finished) return;
    if (step.kind === 'fail') {
      this.#answer(step.failure);
      return;
    }
    if (step.delayMs <= 0) {
      this.#dispatch(step.target, step.key);
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#dispatch(step.target, step.key);
    }, step.delayMs);
  }

  #dispatch(target: ResolvedTarget, key: ProviderKey | null): void {
    if (this.#finished) return;
    const ctx = this.ctx;
    let request;
    try {
      request = buildUpstreamRequest(target.provider, key, this.exchange.call(target), ctx.requestId);
      appendTraceHeaders(request.headers, ctx);
    } catch (err) {
      const failure = toFailure(err);
      // Input this provider's protocol cannot express: another target may take it.
      if (failure.code === 'GANTRY_ERR_AI_INVALID_REQUEST') this.#step(this.#planner.skipTarget(failure));
      else this.#unexpected(err);
      return;
    }
    const attempt = new UpstreamAttempt(this, target, key);
    this.#attempt = attempt;
    this.#translator = null;
    this.#body = null;
    this.#bodySize = 0;
    if (this.#firstDispatchAt === 0) this.#firstDispatchAt = attempt.startedAt;
    const provider = target.provider;
    ctx.target = provider.origin;
    this.#timer = setTimeout(onAttemptTimeout, provider.totalMs, this);
    try {
      provider.pool.dispatch(
        { path: request.path, method: 'POST', headers: request.headers, body: request.body, headersTimeout: provider.headerMs, bodyTimeout: 0 },
        attempt,
      );
    } catch (err) {
      this.onError(attempt, err as Error);
    }
  }

  attemptTimedOut(): void {
    this.#timer = null;
    const attempt = this.#attempt;
    if (attempt === null || attempt.over) return;
    const err = Object.assign(new Error(`The provider did not complete its answer within ${attempt.target.provider.totalMs} ms`), { code: 'GANTRY_AI_ATTEMPT_TIMEOUT' });
    attempt.abort(err);
    if (!this.#finished) this.onError(attempt, err);
  }

  #clearTimer(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
  }

  #record(attempt: UpstreamAttempt, outcome: string | null): void {
    const t = attempt.target;
    this.result.attempts.push({
      providerId: t.provider.id,
      providerName: t.provider.name,
      model: t.catalogId,
      keyId: attempt.key?.id ?? null,
      status: attempt.status === 0 ? null : attempt.status,
      outcome,
      durationMs: performance.now() - attempt.startedAt,
    });
  }

  #failed(attempt: UpstreamAttempt, outcome: Outcome): void {
    this.#clearTimer();
    attempt.abort(new Error('attempt abandoned'));
    this.#record(attempt, outcome.kind === 'retryable' ? outcome.reason : outcome.kind === 'auth' ? 'auth_failed' : 'client_error');
    if (this.#finished) return;
    const key = attempt.key;
    if (outcome.kind === 'auth' && key !== null && !key.state.authFailed) {
      publishKeyStatus({ keyId: key.id, providerId: attempt.target.provider.id, status: 'auth_failed', reason: outcome.failure.message.slice(0, 500) }, this.ctx.gateway.logger);
    }
    const step = this.#planner.next(outcome, key);
    if (step.kind === 'dispatch') this.ctx.retries++;
    this.#step(step);
  }

  // ------------------------------------------------------------------ upstream callbacks

  onHead(attempt: UpstreamAttempt, status: number, _headers: IncomingHttpHeaders): void {
    if (attempt !== this.#attempt || this.#finished) return;
    const ctx = this.ctx;
    ctx.upstreamStatus = status;
    ctx.headersAt = performance.now();
    this.#upstreamDataAt = ctx.headersAt;
    if (status >= 200 && status < 300 && this.exchange.stream) {
      try {
        this.#translator = this.exchange.openStream(attempt.target, this);
      } catch (err) {
        this.#unexpected(err);
      }
      return;
    }
    this.#body = [];
  }

  onData(attempt: UpstreamAttempt, chunk: Buffer): void {
    if (attempt !== this.#attempt || this.#finished) return;
    this.#upstreamDataAt = performance.now();
    const translator = this.#translator;
    if (translator !== null) {
      try {
        translator.push(chunk);
      } catch (err) {
        this.#unexpected(err);
      }
      return;
    }
    const body = this.#body;
    if (body === null) return;
    this.#bodySize += chunk.length;
    if (attempt.status < 300 || this.#bodySize <= MAX_ERROR_BODY) body.push(chunk);
  }

  onEnd(attempt: UpstreamAttempt): void {
    if (attempt !== this.#attempt) return;
    this.#clearTimer();
    if (this.#finished) return;
    this.#upstreamDataAt = performance.now();
    const translator = this.#translator;
    try {
      if (translator !== null) translator.end(false);
      else this.#completeBody(attempt);
    } catch (err) {
      this.#unexpected(err);
    }
  }

  onError(attempt: UpstreamAttempt, err: Error): void {
    if (attempt !== this.#attempt) return;
    this.#clearTimer();
    if (this.#finished) return;
    const translator = this.#translator;
    if (translator !== null) {
      try {
        translator.end(true); // ends with a failure: an error event, or the next attempt
      } catch (e) {
        this.#unexpected(e);
      }
      return;
    }
    const code = errorCode(err);
    const name = attempt.target.provider.name;
    const timeout = TIMEOUT_CODES.has(code);
    const failure = failureOf(
      timeout
        ? new GantryError('GANTRY_ERR_AI_PROVIDER_TIMEOUT', `The provider ${name} did not answer in time`)
        : new GantryError('GANTRY_ERR_AI_PROVIDER_UNREACHABLE', `The provider ${name} could not be reached: ${code || err.message}`),
    );
    this.#failed(attempt, { kind: 'retryable', reason: timeout ? 'timeout' : 'connect_error', retryAfterMs: null, failure });
  }

  #completeBody(attempt: UpstreamAttempt): void {
    const raw = Buffer.concat(this.#body ?? []);
    const exchange = this.exchange;
    const target = attempt.target;
    if (attempt.status >= 300) {
      const pe = translateProviderError(target.provider.descriptor.protocol, exchange.inbound, attempt.status, raw, attempt.headers ?? {});
      const failure = providerFailure(pe.status, pe.error, pe.anthropicType);
      this.#failed(attempt, classifyStatus(attempt.status, failure, parseRetryAfter(attempt.headers?.['retry-after'])));
      return;
    }
    let out;
    try {
      out = exchange.respond(raw, target);
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err;
      const failure = providerFailure(502, { message: `The provider ${target.provider.name} answered with a body that is not JSON`, type: 'server_error', param: null, code: null });
      this.#failed(attempt, { kind: 'retryable', reason: 'server_error', retryAfterMs: null, failure });
      return;
    }
    this.#served(attempt, out.usage);
    this.result.body = out.body;
    const length = typeof out.body === 'string' ? Buffer.byteLength(out.body) : out.body.length;
    if (this.#commit(jsonContentHeaders(length))) this.#send(out.body, true);
  }

  #served(attempt: UpstreamAttempt, usage: NormalizedUsage | undefined): void {
    this.result.served = attempt;
    this.result.usage = usage;
    this.#record(attempt, null);
  }

  // ------------------------------------------------------------------ StreamSink

  write(text: string): void {
    if (this.#finished) return;
    if (!this.#writer.committed) {
      this.result.ttftMs = performance.now() - this.ctx.startedAt;
      if (!this.#commit(streamContentHeaders())) return;
    }
    this.result.streamEvents++;
    this.#writer.send(text, false);
  }

  finish(text: string): void {
    if (this.#finished) return;
    const attempt = this.#attempt!;
    this.#served(attempt, this.#translator?.usage);
    if (!this.#writer.committed) {
      this.result.ttftMs = performance.now() - this.ctx.startedAt;
      if (!this.#commit(streamContentHeaders())) return;
    }
    this.#send(text, true);
  }

  fail(kind: 'provider' | 'interrupted', status: number, error: ErrorBody['error'], anthropicType?: string): void {
    if (this.#finished) return;
    const attempt = this.#attempt!;
    const failure: AiFailure =
      kind === 'interrupted'
        ? { status: 502, code: 'GANTRY_ERR_AI_STREAM_INTERRUPTED', message: error.message, type: 'server_error', param: null }
        : providerFailure(status, error, anthropicType);
    if (!this.#writer.committed) {
      // Nothing reached the client yet: this attempt failed, another may serve.
      const outcome: Outcome = kind === 'interrupted' ? { kind: 'retryable', reason: 'stream_interrupted', retryAfterMs: null, failure } : classifyStatus(status, failure, null);
      this.#failed(attempt, outcome);
      return;
    }
    // The provider served part of the answer: it is the one accounted for.
    this.result.served = attempt;
    this.#record(attempt, kind === 'interrupted' ? 'stream_interrupted' : 'stream_error');
    this.result.usage = this.#translator?.usage;
    attempt.abort(new Error('stream failed'));
    this.ctx.errorCode = failure.code;
    this.#send(failureEvent(this.exchange.inbound, failure), true);
  }

  // ------------------------------------------------------------------ client side

  /** Commits the response; false when it cannot be sent (client gone, a policy failed). */
  #commit(content: string[]): boolean {
    const ctx = this.ctx;
    if (this.#writer.closed) {
      this.abort(new GantryError('GANTRY_ERR_CLIENT_CLOSED'));
      return false;
    }
    const attempt = this.#attempt!;
    // Gantry's own time: before the first dispatch, and from the provider's last byte to now.
    this.result.overheadMs = Math.max(0, this.#firstDispatchAt - ctx.startedAt) + Math.max(0, performance.now() - this.#upstreamDataAt);
    return this.#writer.commit(() =>
      aiResponseHeaders(ctx, content, {
        provider: attempt.target.provider.name,
        model: attempt.target.model,
        attempts: this.result.attempts.length + (this.result.served === attempt ? 0 : 1),
        overheadMs: this.result.overheadMs,
      }),
    );
  }

  /** `last`: the response ends with `data`; accounting follows once it is written. */
  #send(data: string | Buffer, last: boolean): void {
    if (last) this.#finished = true;
    this.#writer.send(data, last);
  }

  // WriterOwner
  ended(): void {
    this.#done();
  }

  pauseUpstream(): void {
    this.#attempt?.controller?.pause();
  }

  resumeUpstream(): void {
    const c = this.#attempt?.controller;
    if (c && c.paused) c.resume();
  }

  headFailed(err: unknown): void {
    this.#finished = false;
    this.#unexpected(err);
  }

  /** The final answer when no attempt served. */
  #answer(failure: AiFailure): void {
    if (this.#finished) return;
    if (this.#writer.committed) {
      this.ctx.errorCode = failure.code;
      this.#send(failureEvent(this.exchange.inbound, failure), true);
      return;
    }
    this.#finished = true;
    sendFailure(this.ctx, this.exchange.inbound, failure);
    this.#done();
  }

  /** A bug (translator, callback, hook): logged, the response ends with an error; the process lives on. */
  #unexpected(err: unknown): void {
    const failure = toFailure(err);
    if (failure.code === 'GANTRY_ERR_INTERNAL') this.ctx.gateway.logger.error({ err, requestId: this.ctx.requestId }, 'AI call failed unexpectedly');
    const attempt = this.#attempt;
    if (attempt !== null && !attempt.over) {
      this.#clearTimer();
      attempt.abort(new Error('AI call failed'));
      this.#record(attempt, 'gantry_error');
    }
    this.#answer(failure);
  }

  /** The client left (or the call must stop): abort what runs, account once. */
  abort(reason: Error): void {
    if (this.#accounted) return;
    this.#finished = true;
    this.#clearTimer();
    const attempt = this.#attempt;
    if (attempt !== null && !attempt.over) {
      attempt.abort(reason);
      this.#record(attempt, 'client_closed');
    }
    this.#done();
  }

  #done(): void {
    this.#finished = true;
    // A stream that ended at its marker may still be draining its last bytes: its timer bounds that.
    const attempt = this.#attempt;
    if (attempt === null || attempt.over) this.#clearTimer();
    if (this.#accounted) return;
    this.#accounted = true;
    try {
      this.#onDone(this, this.result);
    } catch (err) {
      this.ctx.gateway.logger.error({ err, requestId: this.ctx.requestId }, 'AI call accounting failed');
    }
  }
}
