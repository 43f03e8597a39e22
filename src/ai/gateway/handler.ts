/**
 * The AI request path, entered after the request phases of a route on an `ai` service (instead of
 * the HTTP proxy): endpoint → body → checks → model resolution → the AI cache (when an ai-cache
 * policy applies; a hit is answered there) → limits → the call. Every failure before the call starts
 * is answered in the inbound protocol's error shape.
 */
import { GantryError } from '../../core/errors.js';
import type { RequestContext } from '../../gateway/context.js';
import { sendLocal } from '../../gateway/respond.js';
import { accountFor, accountForHit, publishRefused, reconcileLimits } from './accounting.js';
import { AiCacheRequest } from './cache/request.js';
import { serveHit } from './cache/serve.js';
import type { StoredAnswer } from './cache/entry.js';
import { AiCall } from './call.js';
import { failureOf, guessInbound, sendFailure, toFailure, type Inbound } from './errors.js';
import { createExchange } from './exchange/index.js';
import type { AiLimiterHook } from './hooks.js';
import { checkBody, endpointOf, parseJson, readBody, type EndpointMatch } from './request.js';
import { listModels, resolveModel } from './resolve.js';
import type { AiSnapshot, CompiledAiService } from './types.js';

/** Answers a failure before any call started; an AI endpoint's refusal is still an AI call event. */
function fail(ctx: RequestContext, inbound: Inbound, err: unknown, match?: EndpointMatch, model = ''): void {
  const failure = toFailure(err);
  if (failure.code === 'GANTRY_ERR_INTERNAL') ctx.gateway.logger.error({ err, requestId: ctx.requestId }, 'AI request failed');
  try {
    sendFailure(ctx, inbound, failure);
  } catch (fatal) {
    ctx.gateway.logger.error({ err: fatal, requestId: ctx.requestId }, 'could not answer a failed AI request');
    ctx.res?.destroy();
  }
  if (match !== undefined) publishRefused(ctx, match, model);
}

function answerModels(ctx: RequestContext, ai: AiSnapshot, service: CompiledAiService): void {
  const body = JSON.stringify({ object: 'list', data: listModels(ai, ctx.route!.teamId, service) });
  ctx.respond(200, ['content-type', 'application/json'], body);
  sendLocal(ctx);
}

export function handleAi(ctx: RequestContext): void {
  const match = endpointOf(ctx);
  if (match === null) {
    const err = new GantryError('GANTRY_ERR_AI_ENDPOINT_NOT_FOUND', `No AI endpoint answers ${ctx.method} ${ctx.rawPath}; this service answers POST …/chat/completions, POST …/messages, POST …/embeddings and GET …/models`);
    fail(ctx, guessInbound(ctx.rawPath, ctx.headers), err);
    return;
  }
  const ai = ctx.snapshot.ai;
  const service = ctx.service!.ai!;
  if (match.endpoint === 'models') {
    answerModels(ctx, ai, service);
    publishRefused(ctx, match, '');
    return;
  }
  readBody(ctx).then(
    (raw) => begin(ctx, match, ai, service, raw),
    (err: unknown) => fail(ctx, match.inbound, err, match),
  );
}

/** Serves a cache hit; false when the stored answer cannot be replayed (nothing was sent: call the provider). */
function answerHit(ctx: RequestContext, ai: AiSnapshot, match: EndpointMatch, model: string, body: Record<string, unknown>, hit: StoredAnswer): boolean {
  const stream = match.endpoint !== 'embeddings' && body.stream === true;
  const options = body.stream_options as { include_usage?: unknown } | null | undefined;
  const includeUsage = stream && match.inbound === 'openai' && options?.include_usage === true;
  try {
    serveHit(ctx, hit, { inbound: match.inbound, stream, includeUsage }, (ttftMs) => accountForHit(ctx, ai, match, model, hit.meta, stream, ttftMs));
    return true;
  } catch (err) {
    if (ctx.call !== null) throw err;
    ctx.gateway.logger.warn({ err, requestId: ctx.requestId }, 'AI cache: a stored answer could not be replayed; asking the provider');
    return false;
  }
}

function begin(ctx: RequestContext, match: EndpointMatch, ai: AiSnapshot, service: CompiledAiService, raw: Buffer): void {
  if (ctx.finished || ctx.res === null || ctx.res.destroyed) return;
  let model = '';
  try {
    const body = parseJson(raw);
    model = checkBody(match.endpoint, body);
    const endpoint = match.endpoint === 'embeddings' ? 'embeddings' : match.endpoint === 'messages' ? 'messages' : 'chat';
    const { targets } = resolveModel(ai, ctx.route!.teamId, service, model, endpoint === 'embeddings' ? 'embeddings' : 'chat');
    // Tokenizing costs CPU: only when a limit needs it, or the provider reports no usage.
    let estimated: number | undefined;
    const estimate = (): number => (estimated ??= ai.hooks.estimateInputTokens(body, endpoint, targets[0].catalogId));
    let reservation: unknown;
    let checked = false;
    const start = (): void => {
      if (ctx.finished || ctx.res!.destroyed) {
        if (checked) reconcileLimits(ctx, ai, estimate, null, null, reservation);
        return;
      }
      try {
        let exchange = createExchange(endpoint, body, {
          id: `chatcmpl-${ctx.requestId}`,
          created: Math.floor(Date.now() / 1000),
          defaultMaxTokens: service.defaultMaxTokens,
          headers: ctx.headers,
          estimateInput: estimate,
        });
        if (cache !== null) exchange = cache.tee(exchange);
        const call = new AiCall(ctx, exchange, targets, service.retries, (c, result) => {
          const usage = accountFor(ctx, ai, match, model, estimate, c.exchange.stream, result, checked, reservation);
          cache?.complete(result, usage);
        });
        ctx.call = call;
        call.start();
      } catch (err) {
        if (checked && ctx.call === null) reconcileLimits(ctx, ai, estimate, null, null, reservation);
        throw err;
      }
    };
    const limitThenStart = (): void => {
      const appId = ctx.consumer?.appId;
      const limits = appId === undefined ? undefined : ai.appLimits.get(appId);
      const limiter = ai.hooks.limiter;
      if (limiter === undefined || limits === undefined || appId === undefined) {
        start();
        return;
      }
      const verdict = limiter.check(appId, limits, estimate(), targets[0].catalogId, { endpoint, body, catalog: ai.catalog });
      const decide = (v: Awaited<ReturnType<AiLimiterHook['check']>>): void => {
        if (v.ok) {
          checked = true;
          reservation = v.reservation;
          start();
          return;
        }
        const failure = failureOf(new GantryError(v.code, v.message));
        if (v.retryAfterS !== undefined) failure.retryAfter = String(Math.max(1, Math.ceil(v.retryAfterS)));
        sendFailure(ctx, match.inbound, failure);
        publishRefused(ctx, match, model);
      };
      if (verdict instanceof Promise) {
        verdict.then(
          (v) => {
            try {
              decide(v);
            } catch (err) {
              fail(ctx, match.inbound, err, match, model);
            }
          },
          (err: unknown) => fail(ctx, match.inbound, err, match, model),
        );
      } else decide(verdict);
    };
    // The cache is asked before the limits: a hit spends nothing they bound.
    const cache = ctx.aiCache === null ? null : AiCacheRequest.open(ctx, ctx.aiCache, endpoint, body, targets, service);
    if (cache === null) {
      limitThenStart();
      return;
    }
    cache.lookup((hit) => {
      if (ctx.finished || ctx.res!.destroyed) return; // the client left while the store answered
      try {
        if (hit !== undefined && answerHit(ctx, ai, match, model, body, hit)) return;
        if (hit !== undefined) cache.demote();
        limitThenStart();
      } catch (err) {
        fail(ctx, match.inbound, err, ctx.call === null ? match : undefined, model);
      }
    });
  } catch (err) {
    fail(ctx, match.inbound, err, ctx.call === null ? match : undefined, model);
  }
}
