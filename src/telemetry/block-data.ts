/**
 * A block of calls as a pipeline holds them (telemetry/block.ts): plain calls as columns of numbers and
 * indexes into one list of strings, so the proxy's thread keeps no object per call while a batch fills;
 * the rest (AI calls, captured bodies, records built elsewhere) as records. `blockRecords` turns a
 * block into CallRecords, on the proxy's thread for most sinks, in the store writer's thread for the
 * store: it only needs the data, which is what the worker is posted.
 */
import type { CacheStatus, CallBodies, CallRecord, RateLimitOutcome } from '../core/call-record.js';
import type { ErrorCode } from '../core/errors.js';
import { normalizeHost } from '../gateway/router.js';
import { callIdOf } from '../store/repos/call-ids.js';

/** Number columns, one row of `NUMS` per call. */
export const N_TIME = 0;
export const N_ID_HI = 1;
export const N_ID_LO = 2;
export const N_STATUS = 3;
export const N_BYTES_IN = 4;
export const N_BYTES_OUT = 5;
export const N_LATENCY = 6;
/** NaN: no upstream response headers. */
export const N_UPSTREAM_LATENCY = 7;
/** NaN: no upstream status. */
export const N_UPSTREAM_STATUS = 8;
export const N_RETRIES = 9;
/** The call's estimated bytes in the pipeline's queue (for its memory bound). */
export const N_SIZE = 10;
/** Where the row's request id and then its trace id start in `text`, and their UTF-8 lengths (-1: no trace id). */
export const N_TEXT_AT = 11;
export const N_REQUEST_ID_BYTES = 12;
export const N_TRACE_ID_BYTES = 13;
export const NUMS = 14;

/** String columns: indexes into `strings`, -1 for null. The host is the header as received. */
export const S_TEAM = 0;
export const S_SERVICE = 1;
export const S_ROUTE = 2;
export const S_APP = 3;
export const S_KEY = 4;
export const S_CLIENT_IP = 5;
export const S_METHOD = 6;
export const S_HOST = 7;
export const S_PATH = 8;
export const S_QUERY = 9;
export const S_ERROR = 10;
export const S_TARGET = 11;
export const S_CACHE = 12;
export const S_RATE_LIMIT = 13;
export const STRS = 14;

/** A row that is a record already (built on the proxy's thread): AI calls, captured bodies, replays. */
export interface BlockRecord {
  row: number;
  record: CallRecord;
  bodies: CallBodies | null;
}

export interface BlockData {
  node: string;
  /** Rows: 0 ≤ row < length. */
  length: number;
  num: Float64Array;
  str: Int32Array;
  strings: string[];
  /**
   * The rows' request and trace ids, UTF-8, one after the other: values no two calls share are
   * copied into bytes as they arrive, so they are neither kept as strings nor cloned one by one.
   */
  text: Uint8Array;
  /** Rows held as records, by row; their columns are unused. */
  records: BlockRecord[];
  /** Rows that are neither (a record that could not be built): skipped. */
  skip: number[];
}

/**
 * Gantry's share of a proxied call: the time not spent waiting for the upstream's response headers
 * (body streaming counts as gateway time, an overestimate). AI calls report their own.
 */
export function proxiedGatewayMs(totalMs: number, upstreamMs: number | null): number {
  return Math.max(0, totalMs - (upstreamMs ?? 0));
}

function fromColumns(d: BlockData, text: Buffer, row: number, hosts: Map<number, string>): CallRecord {
  const n = row * NUMS;
  const s = row * STRS;
  const num = d.num;
  const str = d.str;
  const at = (col: number): string | null => {
    const i = str[s + col]!;
    return i < 0 ? null : d.strings[i]!;
  };
  const time = num[n + N_TIME]!;
  const latency = num[n + N_LATENCY]!;
  const upstreamRaw = num[n + N_UPSTREAM_LATENCY]!;
  const upstream = Number.isNaN(upstreamRaw) ? null : upstreamRaw;
  const upstreamStatus = num[n + N_UPSTREAM_STATUS]!;
  const at0 = num[n + N_TEXT_AT]!;
  const at1 = at0 + num[n + N_REQUEST_ID_BYTES]!;
  const traceBytes = num[n + N_TRACE_ID_BYTES]!;
  const hostIndex = str[s + S_HOST]!;
  let host = hostIndex < 0 ? '' : hosts.get(hostIndex);
  if (host === undefined) {
    host = normalizeHost(d.strings[hostIndex]);
    hosts.set(hostIndex, host);
  }
  return {
    id: callIdOf(time, num[n + N_ID_HI]!, num[n + N_ID_LO]!),
    request_id: text.toString('utf8', at0, at1),
    time,
    node: d.node,
    team_id: at(S_TEAM),
    service_id: at(S_SERVICE),
    route_id: at(S_ROUTE),
    app_id: at(S_APP),
    key_id: at(S_KEY),
    client_ip: at(S_CLIENT_IP) ?? '',
    method: at(S_METHOD) ?? '',
    host,
    path: at(S_PATH) ?? '',
    query: at(S_QUERY) ?? '',
    status: num[n + N_STATUS]!,
    error_code: at(S_ERROR) as ErrorCode | null,
    bytes_in: num[n + N_BYTES_IN]!,
    bytes_out: num[n + N_BYTES_OUT]!,
    latency_total_ms: latency,
    latency_upstream_ms: upstream,
    latency_gateway_ms: proxiedGatewayMs(latency, upstream),
    upstream_target: at(S_TARGET),
    upstream_status: Number.isNaN(upstreamStatus) ? null : upstreamStatus,
    retries: num[n + N_RETRIES]!,
    cache_status: at(S_CACHE) as CacheStatus,
    rate_limit: at(S_RATE_LIMIT) as RateLimitOutcome,
    trace_id: traceBytes < 0 ? null : text.toString('utf8', at1, at1 + traceBytes),
    ai: null,
  };
}

/** The block's records in arrival order, and the captured bodies among them. */
export function blockRecords(d: BlockData): { records: CallRecord[]; bodies: CallBodies[] } {
  const records: CallRecord[] = [];
  const bodies: CallBodies[] = [];
  const hosts = new Map<number, string>();
  const text = Buffer.from(d.text.buffer, d.text.byteOffset, d.text.byteLength);
  let r = 0;
  let k = 0;
  for (let row = 0; row < d.length; row++) {
    if (k < d.skip.length && d.skip[k] === row) {
      k++;
      continue;
    }
    const held = d.records[r];
    if (held !== undefined && held.row === row) {
      r++;
      records.push(held.record);
      if (held.bodies !== null) bodies.push(held.bodies);
      continue;
    }
    records.push(fromColumns(d, text, row, hosts));
  }
  return { records, bodies };
}
