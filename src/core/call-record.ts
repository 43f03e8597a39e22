/**
 * One call through Gantry, as it is recorded (issue 5). Built by the telemetry pipeline from the data
 * plane's `gantry:call` event and, for AI calls, the matching `gantry:ai-call` event (same requestId).
 * Never holds an Authorization header, an API key or a provider key.
 */

export type CacheStatus = 'HIT' | 'MISS' | 'STALE' | 'REVALIDATED' | 'BYPASS' | null;
export type RateLimitOutcome = 'allowed' | 'limited' | 'failed_open' | 'failed_closed' | null;

export interface CallRecord {
  /**
   * Unique id of this record, `call_<26 base32 chars>`: 48-bit arrival time (ms) then 80 random bits,
   * so ids sort by time (store/repos/call-ids.ts). Assigned when the record is built; the request id
   * cannot be the key, because clients may send their own X-Request-Id.
   */
  id: string;
  /** The request id (X-Request-Id), as sent to the client. */
  request_id: string;
  /** Epoch ms when the request arrived (the time encoded in `id`). */
  time: number;
  node: string;
  team_id: string | null;
  service_id: string | null;
  route_id: string | null;
  app_id: string | null;
  key_id: string | null;
  client_ip: string;
  method: string;
  host: string;
  path: string;
  /** Raw query string without `?`, after redaction. */
  query: string;
  status: number;
  error_code: string | null;
  bytes_in: number;
  bytes_out: number;
  /** ms, with sub-millisecond precision. */
  latency_total_ms: number;
  latency_upstream_ms: number | null;
  latency_gateway_ms: number;
  upstream_target: string | null;
  /** Status of the upstream's last answer; null when none came. */
  upstream_status: number | null;
  retries: number;
  cache_status: CacheStatus;
  rate_limit: RateLimitOutcome;
  /** W3C trace id (32 hex digits) sent upstream or received; absent or null when none. */
  trace_id?: string | null;
  ai: CallRecordAi | null;
}

export interface CallRecordAi {
  /** `chat`, `messages`, `embeddings` or `models`. */
  endpoint: string | null;
  provider_id: string | null;
  provider_kind: string | null;
  model_requested: string;
  model_served: string | null;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  tokens_estimated: boolean;
  /** USD; 0 when the model has no price. Stored as integer micro-dollars. */
  cost_usd: number;
  streamed: boolean;
  ttft_ms: number | null;
  /** `provider/model → provider/model` attempts, in order, with each outcome. */
  fallback_path: Array<{ provider: string; model: string; status: number | null; outcome: string | null }>;
}

/** Optional captured bodies (and headers), stored apart from the record, redacted before storage. */
export interface CallBodies {
  /** The record's id. */
  id: string;
  request_body: string | null;
  response_body: string | null;
  /** Only when the route captures headers; never Authorization, cookies or provider key headers. */
  request_headers: Record<string, string> | null;
  response_headers: Record<string, string> | null;
  /** True when a body was longer than the route's cap and cut. */
  truncated: boolean;
}
