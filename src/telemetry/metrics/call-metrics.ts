/**
 * Request metrics from `gantry:call` events (STYLE.md rule 8: the proxy publishes, this subscribes).
 * Counts live in one `RouteSeries` per (team, service, route) label set, found through a map keyed
 * by route id: a call costs two map lookups and a few increments, no allocation once its route,
 * method and status have been seen.
 */
import type { CallEvent } from '../../gateway/events.js';
import { BucketLayout, bump, Family, LATENCY_BUCKETS_SECONDS, MsHistogram, type Emit } from './families.js';
import type { ConfigNames, RouteLabels } from './names.js';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'CONNECT', 'TRACE']);
const STATUS_CLASSES = ['', '1xx', '2xx', '3xx', '4xx', '5xx'];
const LATENCY = new BucketLayout(LATENCY_BUCKETS_SECONDS);

class RouteSeries {
  readonly labels: RouteLabels;
  /** method → status → count. */
  readonly requests = new Map<string, Map<number, number>>();
  /** By status class (index 1..5). */
  readonly duration: Array<MsHistogram | undefined> = [];
  upstream: MsHistogram | null = null;
  readonly errors = new Map<string, number>();
  readonly cache = new Map<string, number>();
  readonly rateLimit = new Map<string, number>();
  bytesIn = 0;
  bytesOut = 0;
  retries = 0;

  constructor(labels: RouteLabels) {
    this.labels = labels;
  }
}

export class CallMetrics {
  readonly #names: ConfigNames;
  /** By label set; kept for the life of the process so counters never go back. */
  readonly #series = new Map<string, RouteSeries>();
  /** By route id ('' for no route); rebuilt lazily after a configuration change (a rename). */
  #byRoute = new Map<string, RouteSeries>();
  #generation = -1;

  constructor(names: ConfigNames) {
    this.#names = names;
  }

  /** The `gantry:call` subscriber. */
  readonly onCall = (message: unknown): void => {
    const ev = message as CallEvent;
    const s = this.#seriesFor(ev.routeId, ev.serviceId);
    const method = METHODS.has(ev.method) ? ev.method : 'OTHER';
    let byStatus = s.requests.get(method);
    if (byStatus === undefined) {
      byStatus = new Map();
      s.requests.set(method, byStatus);
    }
    bump(byStatus, ev.status);
    const cls = Math.min(5, Math.max(1, Math.floor(ev.status / 100)));
    (s.duration[cls] ??= new MsHistogram(LATENCY)).observe(ev.latencyMs);
    if (ev.upstreamLatencyMs !== null) (s.upstream ??= new MsHistogram(LATENCY)).observe(ev.upstreamLatencyMs);
    if (ev.errorCode !== null) bump(s.errors, ev.errorCode);
    if (ev.cacheStatus) bump(s.cache, ev.cacheStatus);
    if (ev.rateLimit) bump(s.rateLimit, ev.rateLimit);
    s.bytesIn += ev.bytesIn;
    s.bytesOut += ev.bytesOut;
    s.retries += ev.retries;
  };

  #seriesFor(routeId: string | null, serviceId: string | null): RouteSeries {
    if (this.#generation !== this.#names.generation) {
      this.#byRoute = new Map();
      this.#generation = this.#names.generation;
    }
    const key = routeId ?? '';
    const cached = this.#byRoute.get(key);
    if (cached !== undefined) return cached;
    const labels = this.#names.route(routeId, serviceId);
    const labelKey = `${labels.team}\0${labels.service}\0${labels.route}`;
    let series = this.#series.get(labelKey);
    if (series === undefined) {
      series = new RouteSeries(labels);
      this.#series.set(labelKey, series);
    }
    this.#byRoute.set(key, series);
    return series;
  }

  families(): Family[] {
    const each = (fn: (s: RouteSeries, emit: Emit) => void) => (emit: Emit) => {
      for (const s of this.#series.values()) fn(s, emit);
    };
    const counts = (field: 'errors' | 'cache' | 'rateLimit', label: string) =>
      each((s, emit) => {
        for (const [value, n] of s[field]) emit(n, { ...s.labels, [label]: value });
      });
    return [
      new Family('gantry_http_requests_total', 'Requests answered by the data plane, by route, method and status sent to the client', 'counter', each((s, emit) => {
        for (const [method, byStatus] of s.requests) {
          for (const [status, n] of byStatus) emit(n, { ...s.labels, method, status: String(status) });
        }
      })),
      new Family('gantry_http_request_duration_seconds', 'Time from request arrival to the end of the response, by route and status class', 'histogram', each((s, emit) => {
        for (let cls = 1; cls <= 5; cls++) s.duration[cls]?.emit(emit, { ...s.labels, status_class: STATUS_CLASSES[cls]! });
      })),
      new Family('gantry_http_upstream_duration_seconds', "Time from request arrival to the upstream's response headers, by route", 'histogram', each((s, emit) => {
        s.upstream?.emit(emit, s.labels);
      })),
      new Family('gantry_http_errors_total', 'Calls that ended with a Gantry error, by route and stable error code', 'counter', counts('errors', 'code')),
      new Family('gantry_http_cache_results_total', 'What the cache policy did per call (HIT, MISS, STALE, REVALIDATED, BYPASS), by route', 'counter', counts('cache', 'cache_status')),
      new Family('gantry_http_rate_limit_results_total', 'What the rate-limit policy decided per call, by route', 'counter', counts('rateLimit', 'outcome')),
      new Family('gantry_http_received_bytes_total', 'Request body bytes received from clients, by route', 'counter', each((s, emit) => emit(s.bytesIn, s.labels))),
      new Family('gantry_http_sent_bytes_total', 'Response body bytes sent to clients, by route', 'counter', each((s, emit) => emit(s.bytesOut, s.labels))),
      new Family('gantry_http_upstream_retries_total', 'Upstream attempts retried, by route', 'counter', each((s, emit) => emit(s.retries, s.labels))),
    ];
  }
}
