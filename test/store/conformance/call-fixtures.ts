/** Call records for the call-log conformance tests: fixed times, every field set. */
import type { CallRecord, CallRecordAi } from '../../../src/core/call-record.js';
import { newCallId } from '../../../src/store/repos/call-ids.js';

/** 2025-06-01T00:00:00Z, a Sunday: day, hour and minute buckets all start here. */
export const T0 = Date.UTC(2025, 5, 1);
export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

let n = 0;

export function callRecord(over: Partial<CallRecord> & { time?: number } = {}): CallRecord {
  const time = over.time ?? T0;
  n++;
  return {
    id: newCallId(time),
    request_id: `req-${n}`,
    time,
    node: 'node-1',
    team_id: 'team_a',
    service_id: 'svc_a',
    route_id: 'rt_a',
    app_id: 'app_a',
    key_id: 'key_a',
    client_ip: '10.0.0.1',
    method: 'GET',
    host: 'api.example.com',
    path: '/v1/items',
    query: 'page=2',
    status: 200,
    error_code: null,
    bytes_in: 100,
    bytes_out: 1000,
    latency_total_ms: 12.5,
    latency_upstream_ms: 10,
    latency_gateway_ms: 2.5,
    upstream_target: 'http://10.0.0.5:8080',
    upstream_status: 200,
    retries: 0,
    cache_status: null,
    rate_limit: null,
    trace_id: null,
    ai: null,
    ...over,
  };
}

export function aiPart(over: Partial<CallRecordAi> = {}): CallRecordAi {
  return {
    endpoint: 'chat',
    provider_id: 'aip_openai',
    provider_kind: 'openai',
    model_requested: 'smart',
    model_served: 'openai/gpt-4o',
    prompt_tokens: 100,
    completion_tokens: 20,
    cached_tokens: 10,
    cache_write_tokens: 0,
    reasoning_tokens: 5,
    tokens_estimated: false,
    cost_usd: 0.1,
    streamed: true,
    ttft_ms: 150.5,
    fallback_path: [
      { provider: 'anthropic', model: 'anthropic/claude', status: 429, outcome: 'rate_limited' },
      { provider: 'openai', model: 'openai/gpt-4o', status: 200, outcome: null },
    ],
    ...over,
  };
}
