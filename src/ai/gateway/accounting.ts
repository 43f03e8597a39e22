/**
 * The end of an AI call: usage (the provider's, else Gantry's estimate, marked as such), cost, the
 * limiter's reconcile, and the `gantry:ai-call` event — also for requests refused before any
 * provider was called, so every request on an AI endpoint has its event.
 */
import type { RequestContext } from '../../gateway/context.js';
import type { AiCallEvent } from '../events.js';
import type { NormalizedUsage } from '../protocols/openai-types.js';
import type { AnswerMeta } from './cache/entry.js';
import type { CallResult } from './call.js';
import { publishAiCall } from './publish.js';
import type { EndpointMatch } from './request.js';
import type { AiSnapshot } from './types.js';

type EventFields = Pick<AiCallEvent, 'providerId' | 'providerKind' | 'modelServed' | 'usage' | 'cost' | 'streamed' | 'ttftMs' | 'overheadMs' | 'attempts' | 'providerKeyId'>;

function publish(ctx: RequestContext, match: EndpointMatch, model: string, fields: EventFields, cacheHit = false): void {
  publishAiCall(
    () => ({
      requestId: ctx.requestId,
      timestamp: Math.round(performance.timeOrigin + ctx.startedAt),
      endpoint: match.endpoint,
      inbound: match.inbound,
      teamId: ctx.consumer?.teamId ?? ctx.route!.teamId,
      appId: ctx.consumer?.appId ?? null,
      keyId: ctx.consumer?.keyId ?? null,
      serviceId: ctx.service!.id,
      routeId: ctx.route!.id,
      modelRequested: model,
      ...fields,
      status: ctx.status,
      errorCode: ctx.errorCode,
      latencyMs: performance.now() - ctx.startedAt,
      cacheHit,
    }),
    ctx.gateway.logger,
  );
}

/** A request answered without calling a provider (refused, or GET /models). */
export function publishRefused(ctx: RequestContext, match: EndpointMatch, model: string): void {
  publish(ctx, match, model, {
    providerId: null,
    providerKind: null,
    modelServed: null,
    usage: null,
    cost: null,
    streamed: false,
    ttftMs: null,
    overheadMs: performance.now() - ctx.startedAt,
    attempts: [],
    providerKeyId: null,
  });
}

function estimatedUsage(ai: AiSnapshot, estimate: () => number, result: CallResult, model: string): NormalizedUsage {
  let completion = 0;
  const body = result.body;
  if (body !== null) completion = ai.hooks.estimateTextTokens(typeof body === 'string' ? body : body.toString('utf8'), model);
  // A stream without usage: about one token per forwarded write (providers stream token by token).
  else completion = Math.max(0, result.streamEvents - 1);
  return { prompt_tokens: estimate(), completion_tokens: completion, cached_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0, estimated: true };
}

export function reconcileLimits(ctx: RequestContext, ai: AiSnapshot, estimate: () => number, usage: NormalizedUsage | null, costUsd: number | null, reservation: unknown): void {
  const appId = ctx.consumer?.appId;
  const limits = appId === undefined ? undefined : ai.appLimits.get(appId);
  if (ai.hooks.limiter === undefined || appId === undefined || limits === undefined) return;
  try {
    ai.hooks.limiter.reconcile(appId, limits, estimate(), usage, costUsd, reservation);
  } catch (err) {
    ctx.gateway.logger.error({ err, requestId: ctx.requestId }, 'AI limiter reconcile failed');
  }
}

export function accountFor(
  ctx: RequestContext,
  ai: AiSnapshot,
  match: EndpointMatch,
  model: string,
  estimate: () => number,
  streamed: boolean,
  result: CallResult,
  checked: boolean,
  reservation: unknown,
): NormalizedUsage | null {
  const served = result.served;
  const catalogId = served?.target.catalogId ?? null;
  let usage: NormalizedUsage | null = null;
  let cost: AiCallEvent['cost'] = null;
  if (served !== null) {
    try {
      usage = result.usage ?? estimatedUsage(ai, estimate, result, catalogId!);
      cost = ai.hooks.cost(catalogId!, usage, ai.catalog);
    } catch (err) {
      ctx.gateway.logger.error({ err, requestId: ctx.requestId }, 'AI usage hook failed');
    }
  }
  if (checked) reconcileLimits(ctx, ai, estimate, usage, cost?.total ?? null, reservation);
  publish(ctx, match, model, {
    providerId: served?.target.provider.id ?? null,
    providerKind: served?.target.provider.kind ?? null,
    modelServed: catalogId,
    usage,
    cost,
    streamed,
    ttftMs: streamed ? result.ttftMs : null,
    overheadMs: result.overheadMs,
    attempts: result.attempts,
    providerKeyId: served?.key?.id ?? null,
  });
  return usage;
}

/**
 * A request answered from the AI cache. Nothing was spent at the provider: the event has no usage
 * (no tokens are counted) and its cost is what the hit saved (the stored usage at today's prices),
 * which usage recording adds to `saved_usd`, never to `cost_usd`. No limiter check or reconcile:
 * a hit spends nothing an app limit bounds.
 */
export function accountForHit(ctx: RequestContext, ai: AiSnapshot, match: EndpointMatch, model: string, meta: AnswerMeta, streamed: boolean, ttftMs: number | null): void {
  let saved: AiCallEvent['cost'] = null;
  try {
    saved = ai.hooks.cost(meta.catalogId, meta.usage, ai.catalog);
  } catch (err) {
    ctx.gateway.logger.error({ err, requestId: ctx.requestId }, 'AI usage hook failed');
  }
  publish(
    ctx,
    match,
    model,
    {
      providerId: meta.providerId,
      providerKind: meta.providerKind,
      modelServed: meta.catalogId,
      usage: null,
      cost: saved,
      streamed,
      ttftMs,
      overheadMs: performance.now() - ctx.startedAt,
      attempts: [],
      providerKeyId: null,
    },
    true,
  );
}
