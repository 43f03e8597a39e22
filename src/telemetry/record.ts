/**
 * From events to records. On the hot path the collector only wraps the published event(s) in a
 * CallEntry (one small object, not kept: a pipeline copies a plain call into its batch's columns,
 * block.ts). The other calls' CallRecords are built, query strings redacted and bodies captured by
 * `prepareEntry`, later, in the pipeline's flush; an entry handed to several pipelines (one per sink)
 * is prepared once. Either way a call's id is drawn once, in the entry: every sink gets the same.
 */
import type { AiCallEvent } from '../ai/events.js';
import type { CacheStatus, CallBodies, CallRecord, CallRecordAi, RateLimitOutcome } from '../core/call-record.js';
import type { CallEvent } from '../gateway/events.js';
import { normalizeHost } from '../gateway/router.js';
import { callIdOf, callIdSequence } from '../store/repos/call-ids.js';
import { proxiedGatewayMs } from './block-data.js';
import { buildBodies, capturedSize, type CapturedCall } from './capture.js';
import { DEFAULT_REDACTOR, type Redactor } from './redact.js';

/**
 * `gantry:call` as the collector reads it. The optional fields are not published yet: `capture` by the
 * call-log policy, `rateLimit` and `cacheStatus` by the rate-limit and cache policies; records pick
 * them up as soon as the data plane adds them to the event.
 */
export type CallEventInput = CallEvent & {
  capture?: CapturedCall | null;
  rateLimit?: RateLimitOutcome;
  cacheStatus?: CacheStatus;
};

/** Rough bytes an entry holds, for the pipeline's memory bound. */
const ENTRY_BYTES = 1024;
const AI_BYTES = 1024;

export class CallEntry {
  call: CallEventInput | null;
  ai: AiCallEvent | null;
  record: CallRecord | null = null;
  bodies: CallBodies | null = null;
  /** Epoch ms the call arrived (whole). */
  time: number;
  /** The record id's tail (`callIdOf(time, idHi, idLo)`), drawn once: every sink gets the same id. */
  idHi: number;
  idLo: number;
  size: number;

  constructor(call: CallEventInput | null, ai: AiCallEvent | null) {
    this.call = call;
    this.ai = ai;
    this.time = Math.floor(call?.timestamp ?? ai?.timestamp ?? Date.now());
    callIdSequence.next(this.time);
    this.idHi = callIdSequence.hi;
    this.idLo = callIdSequence.lo;
    let size = ENTRY_BYTES;
    if (call !== null) {
      size += call.path.length + (call.query?.length ?? 0);
      if (call.capture) size += capturedSize(call.capture);
    }
    if (ai !== null) size += AI_BYTES + ai.attempts.length * 128;
    this.size = size;
  }

  /** An entry for a record built elsewhere (a spool replay, a test, another producer). */
  static of(record: CallRecord, bodies: CallBodies | null = null, size?: number): CallEntry {
    const entry = new CallEntry(null, null);
    entry.record = record;
    entry.bodies = bodies;
    entry.time = record.time;
    entry.size = size ?? ENTRY_BYTES + record.path.length + record.query.length + (record.ai ? AI_BYTES : 0) + bodiesSize(bodies);
    return entry;
  }
}

function bodiesSize(b: CallBodies | null): number {
  if (b === null) return 0;
  return (b.request_body?.length ?? 0) * 2 + (b.response_body?.length ?? 0) * 2 + (b.request_headers ? 1024 : 0) + (b.response_headers ? 1024 : 0);
}

export interface PrepareOptions {
  nodeId: string;
  /** Redacts query strings of calls whose route has no call-log policy. */
  queryRedactor?: Redactor;
}

function fallbackPath(ai: AiCallEvent): CallRecordAi['fallback_path'] {
  return ai.attempts.map((a) => ({ provider: a.providerName, model: a.model, status: a.status, outcome: a.outcome }));
}

function aiPart(ai: AiCallEvent): CallRecordAi {
  const usage = ai.usage;
  return {
    endpoint: ai.endpoint,
    provider_id: ai.providerId,
    provider_kind: ai.providerKind,
    model_requested: ai.modelRequested,
    model_served: ai.modelServed,
    prompt_tokens: usage?.prompt_tokens ?? 0,
    completion_tokens: usage?.completion_tokens ?? 0,
    cached_tokens: usage?.cached_read_tokens ?? 0,
    cache_write_tokens: usage?.cache_write_tokens ?? 0,
    reasoning_tokens: usage?.reasoning_tokens ?? 0,
    tokens_estimated: usage?.estimated ?? false,
    // A cache hit's event carries what it saved; nothing was spent at the provider.
    cost_usd: ai.cacheHit ? 0 : (ai.cost?.total ?? 0),
    streamed: ai.streamed,
    ttft_ms: ai.ttftMs,
    fallback_path: fallbackPath(ai),
  };
}

export function redactQuery(query: string, redactor: Redactor): string {
  const raw = query.startsWith('?') ? query.slice(1) : query;
  return raw === '' ? raw : redactor.query(raw);
}

/** The record (and bodies) of an entry, built once; the events are released afterwards. */
export function prepareEntry(entry: CallEntry, opts: PrepareOptions): CallRecord {
  if (entry.record !== null) return entry.record;
  const call = entry.call;
  const ai = entry.ai;
  const capture = call?.capture ?? null;
  const redactor = capture?.config.redactor ?? opts.queryRedactor ?? DEFAULT_REDACTOR;
  const time = entry.time;
  const id = callIdOf(time, entry.idHi, entry.idLo);
  let record: CallRecord;
  if (call !== null) {
    const upstream = call.upstreamLatencyMs;
    record = {
      id,
      request_id: call.requestId,
      time,
      node: opts.nodeId,
      // The team owning the route called; calls that matched no route keep the caller's team, if any.
      team_id: call.routeTeamId ?? call.teamId ?? ai?.teamId ?? null,
      service_id: call.serviceId ?? ai?.serviceId ?? null,
      route_id: call.routeId ?? ai?.routeId ?? null,
      app_id: call.appId ?? ai?.appId ?? null,
      key_id: call.keyId ?? ai?.keyId ?? null,
      client_ip: call.clientIp,
      method: call.method,
      host: normalizeHost(call.host),
      path: call.path,
      query: redactQuery(call.query ?? '', redactor),
      status: call.status,
      error_code: call.errorCode ?? ai?.errorCode ?? null,
      bytes_in: call.bytesIn,
      bytes_out: call.bytesOut,
      latency_total_ms: call.latencyMs,
      latency_upstream_ms: upstream,
      latency_gateway_ms: ai !== null ? ai.overheadMs : proxiedGatewayMs(call.latencyMs, upstream),
      upstream_target: call.upstreamTarget,
      upstream_status: call.upstreamStatus,
      retries: call.retries,
      cache_status: call.cacheStatus ?? (ai?.cacheHit ? 'HIT' : null),
      rate_limit: call.rateLimit ?? null,
      trace_id: call.traceId ?? null,
      ai: ai === null ? null : aiPart(ai),
    };
  } else if (ai !== null) {
    // The AI event alone (its call event never came within the join window).
    record = {
      id,
      request_id: ai.requestId,
      time,
      node: opts.nodeId,
      team_id: ai.teamId,
      service_id: ai.serviceId,
      route_id: ai.routeId,
      app_id: ai.appId,
      key_id: ai.keyId,
      client_ip: '',
      method: ai.endpoint === 'models' ? 'GET' : 'POST',
      host: '',
      path: '',
      query: '',
      status: ai.status,
      error_code: ai.errorCode,
      bytes_in: 0,
      bytes_out: 0,
      latency_total_ms: ai.latencyMs,
      latency_upstream_ms: null,
      latency_gateway_ms: ai.overheadMs,
      upstream_target: null,
      upstream_status: null,
      retries: Math.max(0, ai.attempts.length - 1),
      cache_status: ai.cacheHit ? 'HIT' : null,
      rate_limit: null,
      ai: aiPart(ai),
    };
  } else {
    throw new Error('a call entry needs a call event, an AI event or a record');
  }
  entry.record = record;
  entry.bodies = capture === null ? null : buildBodies(id, capture);
  entry.call = null;
  entry.ai = null;
  return record;
}
