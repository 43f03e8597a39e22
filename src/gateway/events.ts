/**
 * The end of every call: log-phase handlers, then one `gantry:call` event on a diagnostics channel
 * (STYLE.md rule 8: logging, metrics and analytics subscribe; the proxy imports no sink). The event
 * object is only built when someone listens.
 */
import diagnostics_channel from 'node:diagnostics_channel';
import type { CacheStatus, RateLimitOutcome } from '../core/call-record.js';
import type { ErrorCode } from '../core/errors.js';
import type { CapturedCall } from '../telemetry/capture.js';
import type { RequestContext } from './context.js';
import { runLogChain } from './pipeline.js';
import { traceIdOf } from './trace-context.js';

export const CALL_CHANNEL = 'gantry:call';
export const callChannel = diagnostics_channel.channel(CALL_CHANNEL);

export interface CallEvent {
  requestId: string;
  /** Epoch ms at arrival. */
  timestamp: number;
  method: string;
  /** Raw request path, without the query. */
  path: string;
  clientIp: string;
  /** Status sent to the client (499: the client left first). */
  status: number;
  routeId: string | null;
  serviceId: string | null;
  appId: string | null;
  teamId: string | null;
  keyId: string | null;
  latencyMs: number;
  /** Until the upstream's response headers; null when none came. */
  upstreamLatencyMs: number | null;
  bytesIn: number;
  bytesOut: number;
  /** Target of the last attempt, e.g. `http://10.0.0.5:8080`. */
  upstreamTarget: string | null;
  upstreamStatus: number | null;
  retries: number;
  errorCode: ErrorCode | null;
  /** The Host header as received (telemetry normalizes it); `''` when absent. */
  host?: string;
  /** `''` or the raw query including its leading `?`. */
  query?: string;
  /** Team owning the matched route (teamId is the caller's); null when no route matched. */
  routeTeamId?: string | null;
  /** `ai` when the call's AI details follow on `gantry:ai-call` (same requestId). */
  serviceKind?: 'http' | 'ai' | null;
  /** What a cache policy did (HIT, MISS, ...); null on routes without one. */
  cacheStatus?: CacheStatus;
  /** What a rate-limit policy decided; null when none applied. */
  rateLimit?: RateLimitOutcome;
  /** What a `call-log` policy captured (its options, bodies and headers); null on routes without one. */
  capture?: CapturedCall | null;
  /** W3C trace id of the call (the one sent upstream, or a valid incoming one); null when none. */
  traceId?: string | null;
}

function buildEvent(ctx: RequestContext): CallEvent {
  const now = performance.now();
  return {
    requestId: ctx.requestId,
    timestamp: Math.round(performance.timeOrigin + ctx.startedAt),
    method: ctx.method,
    path: ctx.rawPath,
    clientIp: ctx.clientIp,
    status: ctx.status,
    routeId: ctx.route?.id ?? null,
    serviceId: ctx.service?.id ?? null,
    appId: ctx.consumer?.appId ?? null,
    teamId: ctx.consumer?.teamId ?? null,
    keyId: ctx.consumer?.keyId ?? null,
    latencyMs: now - ctx.startedAt,
    upstreamLatencyMs: ctx.headersAt === 0 ? null : ctx.headersAt - ctx.startedAt,
    bytesIn: ctx.bytesIn,
    bytesOut: ctx.bytesOut,
    upstreamTarget: ctx.target,
    upstreamStatus: ctx.upstreamStatus === 0 ? null : ctx.upstreamStatus,
    retries: ctx.retries,
    errorCode: ctx.errorCode,
    host: ctx.host !== '' ? ctx.host : (ctx.headers.host ?? ''),
    query: ctx.query,
    routeTeamId: ctx.route?.teamId ?? null,
    serviceKind: ctx.service?.kind ?? null,
    cacheStatus: ctx.cacheStatus,
    rateLimit: ctx.rateLimit,
    capture: ctx.capture === null ? null : ctx.capture.result(ctx),
    traceId: traceIdOf(ctx),
  };
}

/** Accounts for a finished call exactly once and releases its snapshot. */
export function finishCall(ctx: RequestContext): void {
  if (ctx.finished) return;
  ctx.finished = true;
  const route = ctx.route;
  if (route !== null && route.chains.log.length !== 0) {
    runLogChain(ctx, route.chains.log, (err) => ctx.gateway.logger.error({ err, requestId: ctx.requestId }, 'log-phase handler failed'));
  }
  if (callChannel.hasSubscribers) {
    try {
      callChannel.publish(buildEvent(ctx));
    } catch (err) {
      ctx.gateway.logger.error({ err }, 'gantry:call subscriber threw');
    }
  }
  const snapshot = ctx.snapshot;
  if (--snapshot.inflight === 0 && snapshot.retired && snapshot.onIdle !== null) snapshot.onIdle(snapshot);
}
