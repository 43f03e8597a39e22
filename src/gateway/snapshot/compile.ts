/**
 * ConfigData → Snapshot. Runs off the request path; throws a GantryError (conflict, validation)
 * and leaves nothing half-applied. Pools and target states come from the resources passed in, so
 * the data plane reuses them across snapshots and `validateConfig` can compile without sockets.
 */
import type { Dispatcher } from 'undici';
import { compileAi, type AiCompileResources } from '../../ai/gateway/compile.js';
import { DEFAULT_AI_RETRIES, DEFAULT_MAX_TOKENS, type CompiledAiService } from '../../ai/gateway/types.js';
import { validationError } from '../../core/errors.js';
import { SERVICE_DEFAULTS, type ConfigData, type Service, type Upstream } from '../../core/model.js';
import { compileTemplate } from '../paths.js';
import type { TargetState } from '../proxy/target-state.js';
import { buildRouter, type RouteSpec } from '../router.js';
import type { RateLimiterRegistry } from '../policies/rate-limit/limiters.js';
import type { CacheStoreRegistry } from '../policies/cache/stores.js';
import { PolicyBinder } from './policies.js';
import type { ActiveCheck, ApiKeyEntry, CompiledRoute, CompiledService, CompiledUpstream, PassivePolicy, Snapshot } from './types.js';

export interface CompileResources {
  pool(origin: string, connectMs: number): { key: string; pool: Dispatcher };
  targetState(upstreamId: string, url: string): TargetState;
  /** Provider key states, the catalog, the hooks and (to open keys) the SecretBox. */
  ai: Omit<AiCompileResources, 'pool'>;
  /** The node's rate limiters, reused across snapshots; absent when only validating. */
  rateLimiters?: RateLimiterRegistry;
  /** The node's cache stores, reused across snapshots; absent when only validating. */
  cacheStores?: CacheStoreRegistry;
}

/** What `ai` services have instead of an upstream (see CompiledService.upstream). */
const NO_UPSTREAM: CompiledUpstream = Object.freeze({
  id: '',
  name: '(ai service)',
  algorithm: 'round-robin',
  targets: [],
  passive: null,
  active: null,
  activeFingerprint: '',
  cursor: 0,
}) as CompiledUpstream;

function compileAiService(s: Service): CompiledAiService {
  const models = s.ai?.models;
  return {
    models: models !== undefined && models.length > 0 ? new Set(models) : null,
    defaultMaxTokens: s.ai?.default_max_tokens ?? DEFAULT_MAX_TOKENS,
    retries: s.ai?.retries ?? DEFAULT_AI_RETRIES,
  };
}

function compileUpstream(u: Upstream, resources: CompileResources): CompiledUpstream {
  const targets = u.targets.map((t, i) => {
    let origin: string;
    try {
      origin = new URL(t.url).origin;
    } catch {
      throw validationError(`Upstream "${u.name}": target ${t.url} is not a URL`, [{ path: `/targets/${i}/url`, message: 'not a URL' }]);
    }
    return { url: t.url, origin, weight: t.weight ?? 1, state: resources.targetState(u.id, t.url), current: 0 };
  });
  const hc = u.health_checks ?? {};
  const p = hc.passive;
  let passive: PassivePolicy | null = null;
  // With a single target there is nowhere else to send traffic: ejecting it would turn one bad
  // moment into 503s for the whole cooldown. Active checks still take it out when it is down.
  if (p?.enabled !== false && u.targets.length > 1) {
    const failureStatuses = new Uint8Array(100);
    for (const s of p?.failure_statuses ?? []) if (s >= 500 && s < 600) failureStatuses[s - 500] = 1;
    passive = { maxFailures: p?.max_failures ?? 3, cooldownMs: p?.cooldown_ms ?? 10_000, failureStatuses };
  }
  const a = hc.active;
  const active: ActiveCheck | null = a?.enabled
    ? {
        path: a.path ?? '/',
        intervalMs: a.interval_ms ?? 5000,
        timeoutMs: a.timeout_ms ?? 1000,
        healthyThreshold: a.healthy_threshold ?? 2,
        unhealthyThreshold: a.unhealthy_threshold ?? 2,
        expected: a.expected_statuses ? new Set(a.expected_statuses) : null,
      }
    : null;
  const activeFingerprint = active === null ? '' : JSON.stringify([u.targets.map((t) => t.url), a]);
  return {
    id: u.id,
    name: u.name,
    algorithm: u.algorithm === 'least-connections' ? 'least-connections' : 'round-robin',
    targets,
    passive,
    active,
    activeFingerprint,
    cursor: 0,
  };
}

function compileApiKeys(data: ConfigData): Map<string, ApiKeyEntry> {
  const apps = new Set(data.apps.map((a) => a.id));
  const keys = new Map<string, ApiKeyEntry>();
  for (const k of data.apiKeys) {
    if (!k.enabled || !apps.has(k.app_id)) continue;
    const expiresAtMs = k.expires_at === null ? Infinity : Date.parse(k.expires_at);
    keys.set(k.key_hash, { appId: k.app_id, teamId: k.team_id, keyId: k.id, expiresAtMs: Number.isNaN(expiresAtMs) ? 0 : expiresAtMs });
  }
  return keys;
}

function trimSlash(path: string | undefined): string {
  if (!path || path === '/') return '';
  return path.endsWith('/') ? path.slice(0, -1) : path;
}

export function compileSnapshot(data: ConfigData, resources: CompileResources): Snapshot {
  const upstreams = new Map<string, CompiledUpstream>();
  for (const u of data.upstreams) upstreams.set(u.id, compileUpstream(u, resources));

  const poolKeys = new Set<string>();
  const services = new Map<string, CompiledService>();
  for (const s of data.services) {
    if (s.kind === 'ai') {
      if (s.enabled === false) continue;
      const timeouts = { ...SERVICE_DEFAULTS.timeouts, ...s.timeouts };
      services.set(s.id, {
        id: s.id,
        name: s.name,
        kind: 'ai',
        ai: compileAiService(s),
        pathPrefix: trimSlash(s.path),
        preserveHost: false,
        connectMs: timeouts.connect_ms,
        headerMs: timeouts.header_ms,
        totalMs: timeouts.total_ms,
        retries: 0,
        upstream: NO_UPSTREAM,
        pools: [],
      });
      continue;
    }
    if (s.upstream_id === null || s.upstream_id === undefined) {
      throw validationError(`Service "${s.name}" (${s.id}) is an http service without an upstream`, [{ path: '/upstream_id', message: 'required for http services' }]);
    }
    const upstream = upstreams.get(s.upstream_id);
    if (upstream === undefined) {
      throw validationError(`Service "${s.name}" (${s.id}) uses upstream "${s.upstream_id}", which does not exist`, [
        { path: '/upstream_id', message: `unknown upstream "${s.upstream_id}"` },
      ]);
    }
    if (s.enabled === false) continue;
    const timeouts = { ...SERVICE_DEFAULTS.timeouts, ...s.timeouts };
    const pools = upstream.targets.map((t) => {
      const handle = resources.pool(t.origin, timeouts.connect_ms);
      poolKeys.add(handle.key);
      return handle.pool;
    });
    services.set(s.id, {
      id: s.id,
      name: s.name,
      kind: 'http',
      ai: null,
      pathPrefix: trimSlash(s.path),
      preserveHost: s.preserve_host === true,
      connectMs: timeouts.connect_ms,
      headerMs: timeouts.header_ms,
      totalMs: timeouts.total_ms,
      retries: s.retries ?? SERVICE_DEFAULTS.retries,
      upstream,
      pools,
    });
  }

  const serviceIds = new Set(data.services.map((s) => s.id));
  const binder = new PolicyBinder(data.policies, serviceIds, new Set(data.routes.map((r) => r.id)), {
    rateLimiters: resources.rateLimiters ?? null,
    cacheStores: resources.cacheStores ?? null,
  });
  const specs: RouteSpec[] = [];
  for (const r of data.routes) {
    if (!serviceIds.has(r.service_id)) {
      throw validationError(`Route "${r.name}" (${r.id}) uses service "${r.service_id}", which does not exist`, [
        { path: '/service_id', message: `unknown service "${r.service_id}"` },
      ]);
    }
    const service = services.get(r.service_id);
    if (r.enabled === false || service === undefined) continue; // disabled route or service: not served
    const { chains, hasCors } = binder.forRoute(r.id, service.id);
    const compiled: CompiledRoute = {
      id: r.id,
      name: r.name,
      teamId: r.team_id,
      service,
      stripPrefix: r.strip_prefix === true,
      rewrite: r.rewrite_path ? compileTemplate(r.rewrite_path, r.paths, r.name) : null,
      chains,
      hasCors,
    };
    specs.push({ compiled, methods: r.methods ?? [], hosts: r.hosts ?? [], paths: r.paths });
  }
  const { router, usesHosts } = buildRouter(specs);
  const { ai, poolKeys: aiPools, keyStateKeys } = compileAi(data, { ...resources.ai, pool: resources.pool });
  for (const k of aiPools) poolKeys.add(k);

  return {
    version: data.version,
    router,
    usesHosts,
    apiKeys: compileApiKeys(data),
    upstreams,
    ai,
    aiKeyStates: keyStateKeys,
    poolKeys,
    inflight: 0,
    retired: false,
    onIdle: null,
  };
}
