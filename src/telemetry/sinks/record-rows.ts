/**
 * Call records as flat arrays for the trip to the store worker (store-worker.ts). JSON of arrays is
 * about half the work of JSON of the same records as objects, on both sides: no keys to write or to
 * intern, no properties to add one by one. The encoding runs on the proxy's thread, once per call.
 * The tuple type keeps both directions in step with CallRecord.
 */
import type { CacheStatus, CallRecord, CallRecordAi, RateLimitOutcome } from '../../core/call-record.js';

export type RecordRow = [
  id: string,
  request_id: string,
  time: number,
  node: string,
  team_id: string | null,
  service_id: string | null,
  route_id: string | null,
  app_id: string | null,
  key_id: string | null,
  client_ip: string,
  method: string,
  host: string,
  path: string,
  query: string,
  status: number,
  error_code: string | null,
  bytes_in: number,
  bytes_out: number,
  latency_total_ms: number,
  latency_upstream_ms: number | null,
  latency_gateway_ms: number,
  upstream_target: string | null,
  upstream_status: number | null,
  retries: number,
  cache_status: CacheStatus,
  rate_limit: RateLimitOutcome,
  trace_id: string | null,
  ai: CallRecordAi | null,
];

export function toRow(r: CallRecord): RecordRow {
  return [
    r.id,
    r.request_id,
    r.time,
    r.node,
    r.team_id,
    r.service_id,
    r.route_id,
    r.app_id,
    r.key_id,
    r.client_ip,
    r.method,
    r.host,
    r.path,
    r.query,
    r.status,
    r.error_code,
    r.bytes_in,
    r.bytes_out,
    r.latency_total_ms,
    r.latency_upstream_ms,
    r.latency_gateway_ms,
    r.upstream_target,
    r.upstream_status,
    r.retries,
    r.cache_status,
    r.rate_limit,
    r.trace_id ?? null,
    r.ai,
  ];
}

export function fromRow(a: RecordRow): CallRecord {
  return {
    id: a[0],
    request_id: a[1],
    time: a[2],
    node: a[3],
    team_id: a[4],
    service_id: a[5],
    route_id: a[6],
    app_id: a[7],
    key_id: a[8],
    client_ip: a[9],
    method: a[10],
    host: a[11],
    path: a[12],
    query: a[13],
    status: a[14],
    error_code: a[15],
    bytes_in: a[16],
    bytes_out: a[17],
    latency_total_ms: a[18],
    latency_upstream_ms: a[19],
    latency_gateway_ms: a[20],
    upstream_target: a[21],
    upstream_status: a[22],
    retries: a[23],
    cache_status: a[24],
    rate_limit: a[25],
    trace_id: a[26],
    ai: a[27],
  };
}
