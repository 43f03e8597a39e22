/**
 * Metrics read at scrape time from what the node already counts: upstream target health, cache
 * stores, rate limiters, the call-log pipeline, the configuration being served. Nothing here runs
 * on the request path.
 */
import type { DataPlane } from '../../gateway/data-plane.js';
import type { CollectorStats } from '../collector.js';
import type { PipelineStats } from '../pipeline.js';
import { Family, type Emit } from './families.js';
import type { ConfigNames } from './names.js';

/** What metrics read of the node's call logging (src/telemetry/index.ts `CallLogging`). */
export interface CallLoggingStats {
  stats(): { collector: CollectorStats; sinks: PipelineStats[] };
}

export interface NodeSources {
  nodeId: string;
  role: string;
  version: string;
  /** The node's data plane, once it runs (absent on role `control`). */
  dataPlane: () => DataPlane | undefined;
  /** The node's call logging, when it is on. */
  callLogging: () => CallLoggingStats | undefined;
  /** Whether the data plane's config watcher reaches the store (undefined: no data plane). */
  storeReachable?: () => boolean | undefined;
}

/** When the data plane last applied a configuration (epoch ms; 0: never). */
export interface ConfigClock {
  appliedAt: number;
}

/** A target URL without credentials: `http://user:pass@host` must not reach a metrics label. */
function targetLabel(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.href;
  } catch {
    return '';
  }
}

function upstreamFamilies(src: NodeSources, names: ConfigNames): Family[] {
  type TargetRow = { labels: Record<string, string>; up: boolean; active: boolean | null; ejected: boolean; inflight: number };
  const targets = (): TargetRow[] => {
    const snapshot = src.dataPlane()?.snapshot;
    if (snapshot === undefined) return [];
    const now = Date.now();
    const rows: TargetRow[] = [];
    for (const u of snapshot.upstreams.values()) {
      const owner = names.upstream(u.id);
      for (const t of u.targets) {
        rows.push({
          labels: { team: owner.team, upstream: owner.name, target: targetLabel(t.url) },
          up: t.state.isAvailable(),
          active: u.active === null ? null : t.state.activeUp,
          ejected: t.state.ejectedUntil !== 0 && now < t.state.ejectedUntil,
          inflight: t.state.inflight,
        });
      }
    }
    return rows;
  };
  const per = (fn: (row: TargetRow, emit: Emit) => void) => (emit: Emit) => {
    for (const row of targets()) fn(row, emit);
  };
  return [
    new Family('gantry_upstream_target_up', '1 when the balancer may send requests to the target (active checks pass and passive health has not ejected it), else 0', 'gauge', per((r, emit) => emit(r.up ? 1 : 0, r.labels))),
    new Family('gantry_upstream_target_health_check_up', "Verdict of the upstream's active health checks (1 up, 0 down); only for upstreams that run them", 'gauge', per((r, emit) => {
      if (r.active !== null) emit(r.active ? 1 : 0, r.labels);
    })),
    new Family('gantry_upstream_target_ejected', '1 while passive health keeps the target out after consecutive failures', 'gauge', per((r, emit) => emit(r.ejected ? 1 : 0, r.labels))),
    new Family('gantry_upstream_target_inflight_requests', 'Requests in flight to the target', 'gauge', per((r, emit) => emit(r.inflight, r.labels))),
  ];
}

function cacheFamilies(src: NodeSources): Family[] {
  const stores = () => src.dataPlane()?.cacheStores.stats() ?? [];
  const field = (name: string, help: string, type: 'counter' | 'gauge', key: 'hits' | 'misses' | 'sets' | 'deletes' | 'evictions' | 'errors' | 'entries' | 'bytes') =>
    new Family(name, help, type, (emit) => {
      for (const { backend, stats } of stores()) {
        const value = stats[key];
        if (value !== null) emit(value, { store: backend });
      }
    });
  return [
    field('gantry_cache_entries', 'Entries held by the cache store (memory only: Redis does not count them)', 'gauge', 'entries'),
    field('gantry_cache_bytes', 'Bytes held by the cache store (memory only)', 'gauge', 'bytes'),
    field('gantry_cache_hits_total', 'Cache store lookups that found a usable entry', 'counter', 'hits'),
    field('gantry_cache_misses_total', 'Cache store lookups that found nothing (or the backend could not answer)', 'counter', 'misses'),
    field('gantry_cache_sets_total', 'Entries written to the cache store', 'counter', 'sets'),
    field('gantry_cache_deletes_total', 'Entries deleted from the cache store (purges, invalidation)', 'counter', 'deletes'),
    field('gantry_cache_evictions_total', 'Entries dropped to keep the memory store within its byte bound', 'counter', 'evictions'),
    field('gantry_cache_errors_total', 'Cache backend calls that failed or timed out (Redis)', 'counter', 'errors'),
    ...coalesceFamilies(src),
  ];
}

function coalesceFamilies(src: NodeSources): Family[] {
  const field = (name: string, help: string, type: 'counter' | 'gauge', key: 'fetches' | 'joined' | 'timeouts' | 'inFlight') =>
    new Family(name, help, type, (emit) => {
      const stats = src.dataPlane()?.cacheStores.coalesceStats();
      if (stats !== undefined) emit(stats[key], {});
    });
  return [
    field('gantry_cache_coalesce_fetches_total', 'Origin fetches started on a cache miss (concurrent misses for one key share one)', 'counter', 'fetches'),
    field('gantry_cache_coalesce_joined_total', "Cache misses that waited for another caller's origin fetch instead of making their own", 'counter', 'joined'),
    field('gantry_cache_coalesce_timeouts_total', 'Callers that stopped waiting for a shared fetch after its maximum wait', 'counter', 'timeouts'),
    field('gantry_cache_coalesce_inflight', 'Shared origin fetches in flight', 'gauge', 'inFlight'),
  ];
}

function rateLimitFamilies(src: NodeSources, names: ConfigNames): Family[] {
  interface Row {
    labels: Record<string, string>;
    allowed: number;
    denied: number;
    degraded: number;
    keys: number | undefined;
    evictions: number | undefined;
  }
  // A policy whose options changed briefly has two limiters; their counts add up under one label set.
  const rows = (): Row[] => {
    const byLabels = new Map<string, Row>();
    for (const { policyId, backend, stats } of src.dataPlane()?.rateLimiters.stats() ?? []) {
      const policy = names.policy(policyId);
      const key = `${policy.team}\0${policy.name}\0${backend}`;
      let row = byLabels.get(key);
      if (row === undefined) {
        row = { labels: { team: policy.team, policy: policy.name, backend }, allowed: 0, denied: 0, degraded: 0, keys: undefined, evictions: undefined };
        byLabels.set(key, row);
      }
      row.allowed += stats.allowed;
      row.denied += stats.denied;
      row.degraded += stats.degraded;
      if (stats.keys !== undefined) row.keys = (row.keys ?? 0) + stats.keys;
      if (stats.evictions !== undefined) row.evictions = (row.evictions ?? 0) + stats.evictions;
    }
    return [...byLabels.values()];
  };
  return [
    new Family('gantry_rate_limiter_decisions_total', 'Rate limiter decisions by policy: allowed, denied, or degraded (the backend did not answer; the fail mode decided)', 'counter', (emit) => {
      for (const r of rows()) {
        emit(r.allowed, { ...r.labels, decision: 'allowed' });
        emit(r.denied, { ...r.labels, decision: 'denied' });
        emit(r.degraded, { ...r.labels, decision: 'degraded' });
      }
    }),
    new Family('gantry_rate_limiter_keys', 'Keys (callers) a local limiter holds in memory', 'gauge', (emit) => {
      for (const r of rows()) if (r.keys !== undefined) emit(r.keys, r.labels);
    }),
    new Family('gantry_rate_limiter_evictions_total', 'Live keys a local limiter dropped because it reached its key bound', 'counter', (emit) => {
      for (const r of rows()) if (r.evictions !== undefined) emit(r.evictions, r.labels);
    }),
  ];
}

function callLogFamilies(src: NodeSources): Family[] {
  type Numeric = { [K in keyof PipelineStats]: PipelineStats[K] extends number ? K : never }[keyof PipelineStats];
  const sinks = () => src.callLogging()?.stats().sinks ?? [];
  const sink = (name: string, help: string, type: 'counter' | 'gauge', key: Numeric, scale = 1) =>
    new Family(name, help, type, (emit) => {
      for (const s of sinks()) emit(s[key] * scale, { sink: s.sink });
    });
  const collector = (name: string, help: string, type: 'counter' | 'gauge', key: keyof CollectorStats) =>
    new Family(name, help, type, (emit) => {
      const stats = src.callLogging()?.stats().collector;
      if (stats !== undefined) emit(stats[key], {});
    });
  return [
    collector('gantry_call_log_events_total', 'Call events the call-log collector received', 'counter', 'calls'),
    collector('gantry_call_log_ai_events_total', 'AI call events the call-log collector received', 'counter', 'ai_calls'),
    collector('gantry_call_log_pending_joins', 'Calls of AI services waiting for their AI event before they are logged', 'gauge', 'pending'),
    sink('gantry_call_log_queued_records', 'Records accepted and not yet written, spooled or dropped (in memory), by sink', 'gauge', 'queued'),
    sink('gantry_call_log_queued_bytes', 'Bytes of the records queued in memory, by sink', 'gauge', 'queued_bytes'),
    sink('gantry_call_log_lag_seconds', 'Age of the oldest record queued in memory (0 when none), by sink', 'gauge', 'lag_ms', 1 / 1000),
    sink('gantry_call_log_accepted_total', 'Records the sink pipeline accepted', 'counter', 'accepted'),
    sink('gantry_call_log_written_total', 'Records the sink wrote (spool replays included)', 'counter', 'written'),
    sink('gantry_call_log_dropped_total', 'Records dropped by the overflow policy, a full spool or a shutdown that gave up', 'counter', 'dropped'),
    sink('gantry_call_log_failed_total', 'Records in batches the sink refused for good', 'counter', 'failed'),
    sink('gantry_call_log_spooled_total', 'Records sent to the disk spool because the sink fell behind', 'counter', 'spooled'),
    sink('gantry_call_log_spool_records', 'Records waiting in the disk spool', 'gauge', 'spool_records'),
    sink('gantry_call_log_spool_bytes', 'Bytes of the disk spool', 'gauge', 'spool_bytes'),
    sink('gantry_call_log_sink_failures_total', 'Failed writes to the sink (each is retried or spooled)', 'counter', 'sink_failures'),
    sink('gantry_call_log_rejected_total', 'Records refused because the pipeline was closed', 'counter', 'rejected'),
  ];
}

function nodeFamilies(src: NodeSources, clock: ConfigClock): Family[] {
  const buildLabels = { version: src.version, node: src.nodeId, role: src.role };
  return [
    new Family('gantry_build_info', 'Always 1; labels say which Gantry version runs and as which node and role', 'gauge', (emit) => emit(1, buildLabels)),
    new Family('gantry_config_version', 'Version of the configuration the data plane serves (0 before the first)', 'gauge', (emit) => {
      const dp = src.dataPlane();
      if (dp !== undefined) emit(dp.configVersion, {});
    }),
    new Family('gantry_config_applied_timestamp_seconds', 'When the data plane last applied a configuration (Unix time)', 'gauge', (emit) => {
      if (clock.appliedAt !== 0) emit(clock.appliedAt / 1000, {});
    }),
    new Family('gantry_config_snapshot_age_seconds', 'Seconds since the data plane last applied a configuration', 'gauge', (emit) => {
      if (clock.appliedAt !== 0) emit((Date.now() - clock.appliedAt) / 1000, {});
    }),
    new Family('gantry_config_store_reachable', '1 while the data plane can read the configuration store; 0 while it serves its last snapshot because the store is unreachable', 'gauge', (emit) => {
      const reachable = src.storeReachable?.();
      if (reachable !== undefined) emit(reachable ? 1 : 0, {});
    }),
  ];
}

export function nodeStateFamilies(src: NodeSources, names: ConfigNames, clock: ConfigClock): Family[] {
  return [...nodeFamilies(src, clock), ...upstreamFamilies(src, names), ...cacheFamilies(src), ...rateLimitFamilies(src, names), ...callLogFamilies(src)];
}
