/** Call records as rows of `call_logs` and `call_bodies`, both ways. */
import type { CallBodies, CallRecord, CallRecordAi } from '../../core/call-record.js';
import { statusClass } from './call-rollup-write.js';

export const LOG_COLUMNS = [
  'id',
  'time',
  'request_id',
  'node',
  'team_id',
  'service_id',
  'route_id',
  'app_id',
  'key_id',
  'client_ip',
  'method',
  'host',
  'path',
  'query',
  'status',
  'status_class',
  'error_code',
  'bytes_in',
  'bytes_out',
  'latency_total_ms',
  'latency_upstream_ms',
  'latency_gateway_ms',
  'upstream_target',
  'upstream_status',
  'retries',
  'cache_status',
  'rate_limit',
  'ai_endpoint',
  'ai_provider_id',
  'ai_provider_kind',
  'ai_model_requested',
  'ai_model_served',
  'ai_prompt_tokens',
  'ai_completion_tokens',
  'ai_cached_tokens',
  'ai_cache_write_tokens',
  'ai_reasoning_tokens',
  'ai_tokens_estimated',
  'ai_cost_micro_usd',
  'ai_streamed',
  'ai_ttft_ms',
  'ai_fallback_path',
  'has_bodies',
  'trace_id',
] as const;
type LogColumn = (typeof LOG_COLUMNS)[number];

/** Positions of the AI columns in LOG_COLUMNS: ai_endpoint .. ai_fallback_path. */
const AI_FIRST = 27;
const AI_END = 42;

/**
 * LOG_COLUMNS without the AI ones, for records of plain REST calls: binding a value costs about as
 * much per column as SQLite's insert work, so most rows skip binding 15 NULLs (the columns default to NULL).
 */
export const PLAIN_LOG_COLUMNS: readonly LogColumn[] = [...LOG_COLUMNS.slice(0, AI_FIRST), ...LOG_COLUMNS.slice(AI_END)];
export type LogRow = Record<LogColumn, unknown>;

export const BODY_COLUMNS = ['id', 'request_body', 'response_body', 'request_headers', 'response_headers', 'truncated'] as const;

/** A record's values in LOG_COLUMNS order, or in PLAIN_LOG_COLUMNS order with `plain` (its `ai` must be null). */
export function fillLogRow(out: unknown[], r: CallRecord, hasBodies: boolean, plain = false): void {
  out[0] = r.id;
  out[1] = r.time;
  out[2] = r.request_id;
  out[3] = r.node;
  out[4] = r.team_id;
  out[5] = r.service_id;
  out[6] = r.route_id;
  out[7] = r.app_id;
  out[8] = r.key_id;
  out[9] = r.client_ip;
  out[10] = r.method;
  out[11] = r.host;
  out[12] = r.path;
  out[13] = r.query;
  out[14] = r.status;
  out[15] = statusClass(r.status);
  out[16] = r.error_code;
  out[17] = r.bytes_in;
  out[18] = r.bytes_out;
  out[19] = r.latency_total_ms;
  out[20] = r.latency_upstream_ms;
  out[21] = r.latency_gateway_ms;
  out[22] = r.upstream_target;
  out[23] = r.upstream_status;
  out[24] = r.retries;
  out[25] = r.cache_status;
  out[26] = r.rate_limit;
  const ai = r.ai;
  if (plain) {
    out[AI_FIRST] = hasBodies ? 1 : 0;
    out[AI_FIRST + 1] = r.trace_id ?? null;
    return;
  }
  if (ai === null) {
    for (let i = AI_FIRST; i < AI_END; i++) out[i] = null;
  } else {
    out[27] = ai.endpoint;
    out[28] = ai.provider_id;
    out[29] = ai.provider_kind;
    out[30] = ai.model_requested;
    out[31] = ai.model_served;
    out[32] = ai.prompt_tokens;
    out[33] = ai.completion_tokens;
    out[34] = ai.cached_tokens;
    out[35] = ai.cache_write_tokens;
    out[36] = ai.reasoning_tokens;
    out[37] = ai.tokens_estimated ? 1 : 0;
    out[38] = Math.round(ai.cost_usd * 1e6);
    out[39] = ai.streamed ? 1 : 0;
    out[40] = ai.ttft_ms;
    out[41] = JSON.stringify(ai.fallback_path);
  }
  out[42] = hasBodies ? 1 : 0;
  out[43] = r.trace_id ?? null;
}

const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export function toRecord(row: LogRow): CallRecord {
  let ai: CallRecordAi | null = null;
  if (row.ai_model_requested !== null && row.ai_model_requested !== undefined) {
    ai = {
      endpoint: str(row.ai_endpoint),
      provider_id: str(row.ai_provider_id),
      provider_kind: str(row.ai_provider_kind),
      model_requested: String(row.ai_model_requested),
      model_served: str(row.ai_model_served),
      prompt_tokens: num(row.ai_prompt_tokens),
      completion_tokens: num(row.ai_completion_tokens),
      cached_tokens: num(row.ai_cached_tokens),
      cache_write_tokens: num(row.ai_cache_write_tokens),
      reasoning_tokens: num(row.ai_reasoning_tokens),
      tokens_estimated: num(row.ai_tokens_estimated) !== 0,
      cost_usd: num(row.ai_cost_micro_usd) / 1e6,
      streamed: num(row.ai_streamed) !== 0,
      ttft_ms: numOrNull(row.ai_ttft_ms),
      fallback_path: row.ai_fallback_path ? (JSON.parse(String(row.ai_fallback_path)) as CallRecordAi['fallback_path']) : [],
    };
  }
  return {
    id: String(row.id),
    request_id: String(row.request_id),
    time: num(row.time),
    node: String(row.node),
    team_id: str(row.team_id),
    service_id: str(row.service_id),
    route_id: str(row.route_id),
    app_id: str(row.app_id),
    key_id: str(row.key_id),
    client_ip: String(row.client_ip),
    method: String(row.method),
    host: String(row.host),
    path: String(row.path),
    query: String(row.query),
    status: num(row.status),
    error_code: str(row.error_code),
    bytes_in: num(row.bytes_in),
    bytes_out: num(row.bytes_out),
    latency_total_ms: num(row.latency_total_ms),
    latency_upstream_ms: numOrNull(row.latency_upstream_ms),
    latency_gateway_ms: num(row.latency_gateway_ms),
    upstream_target: str(row.upstream_target),
    upstream_status: numOrNull(row.upstream_status),
    retries: num(row.retries),
    cache_status: str(row.cache_status) as CallRecord['cache_status'],
    rate_limit: str(row.rate_limit) as CallRecord['rate_limit'],
    trace_id: str(row.trace_id),
    ai,
  };
}

export function fillBodyRow(out: unknown[], b: CallBodies): void {
  out[0] = b.id;
  out[1] = b.request_body;
  out[2] = b.response_body;
  out[3] = b.request_headers === null ? null : JSON.stringify(b.request_headers);
  out[4] = b.response_headers === null ? null : JSON.stringify(b.response_headers);
  out[5] = b.truncated ? 1 : 0;
}

export function toBodies(row: Record<string, unknown>): CallBodies {
  const headers = (v: unknown) => (v === null || v === undefined ? null : (JSON.parse(String(v)) as Record<string, string>));
  return {
    id: String(row.id),
    request_body: str(row.request_body),
    response_body: str(row.response_body),
    request_headers: headers(row.request_headers),
    response_headers: headers(row.response_headers),
    truncated: num(row.truncated) !== 0,
  };
}
