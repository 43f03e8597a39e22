/**
 * The compiled, immutable form of a `ConfigData`: what the hot path reads. Built off the request
 * path by `compileSnapshot` and swapped in with one reference assignment.
 */
import type { Dispatcher } from 'undici';
import type FindMyWay from 'find-my-way';
import type { AiSnapshot, CompiledAiService } from '../../ai/gateway/types.js';
import type { RequestContext } from '../context.js';
import type { PhaseHandler } from '../policies/types.js';
import type { TargetState } from '../proxy/target-state.js';

export type Handler = PhaseHandler<RequestContext>;

/** One of a route's `paths`, precompiled for building the upstream path. */
export interface CompiledPath {
  pattern: string;
  /** Literal text before the first param or wildcard (`/api/users/` for `/api/users/:id`). */
  literalPrefix: string;
  /** Number of `/` in `literalPrefix`, to strip a prefix from a raw path whose literal part is encoded. */
  prefixSlashes: number;
  /** Per `/`-segment shape, to read raw (undecoded) params; null when a segment mixes params. */
  segments: PathSegment[] | null;
}

export type PathSegment =
  | { kind: 'literal' }
  | { kind: 'param'; name: string }
  | { kind: 'wildcard'; literalLength: number };

/** `rewrite_path` split into literal text and substitutions. */
export type TemplatePart = string | { param: string };

export interface PhaseChains {
  /** access → rewrite → cache → limit → proxy handlers, in phase then priority order. */
  request: Handler[];
  /** access → rewrite: what runs before a WebSocket upgrade is proxied. */
  upgrade: Handler[];
  response: Handler[];
  log: Handler[];
}

export interface CompiledRoute {
  id: string;
  name: string;
  teamId: string;
  service: CompiledService;
  stripPrefix: boolean;
  rewrite: TemplatePart[] | null;
  chains: PhaseChains;
  /** Whether a `cors` policy applies: preflights to this route's paths are then answered for any method. */
  hasCors: boolean;
}

/** What the router stores per registered (method, host, path). */
export interface RouteEntry {
  route: CompiledRoute;
  path: CompiledPath;
}

export interface CompiledService {
  id: string;
  name: string;
  /** `ai`: served by the AI handler (ai/gateway) instead of the HTTP proxy. */
  kind: 'http' | 'ai';
  /** Settings of an `ai` service; null for `http`. */
  ai: CompiledAiService | null;
  /** Service path without a trailing slash (`''` for none). */
  pathPrefix: string;
  preserveHost: boolean;
  connectMs: number;
  headerMs: number;
  totalMs: number;
  retries: number;
  /**
   * `ai` services have no upstream: they get a shared empty one, which keeps the HTTP proxy's types
   * simple and, should a proxy path ever reach it, answers 503 (no target).
   */
  upstream: CompiledUpstream;
  /** One dispatcher per upstream target, same order as `upstream.targets`. */
  pools: Dispatcher[];
}

export interface UpstreamTarget {
  url: string;
  origin: string;
  weight: number;
  /** Health and in-flight count, shared across snapshots. */
  state: TargetState;
  /** Smooth weighted round-robin running weight (per snapshot). */
  current: number;
}

export interface PassivePolicy {
  maxFailures: number;
  cooldownMs: number;
  /** Indexed by status - 500. */
  failureStatuses: Uint8Array;
}

export interface ActiveCheck {
  path: string;
  intervalMs: number;
  timeoutMs: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  /** Statuses counted healthy; null means 200-399. */
  expected: ReadonlySet<number> | null;
}

export interface CompiledUpstream {
  id: string;
  name: string;
  algorithm: 'round-robin' | 'least-connections';
  targets: UpstreamTarget[];
  passive: PassivePolicy | null;
  active: ActiveCheck | null;
  /** Identifies targets + active check settings, to tell whether a running checker can be kept. */
  activeFingerprint: string;
  /** Round-robin cursor for least-connections ties. */
  cursor: number;
}

export interface ApiKeyEntry {
  appId: string;
  teamId: string;
  keyId: string;
  expiresAtMs: number;
}

export type Router = FindMyWay.Instance<FindMyWay.HTTPVersion.V1>;

export interface Snapshot {
  version: number;
  router: Router;
  /** Some route constrains hosts: the lookup must pass the request host. */
  usesHosts: boolean;
  apiKeys: Map<string, ApiKeyEntry>;
  upstreams: Map<string, CompiledUpstream>;
  /** Providers, model resolution and limits for `ai` services. */
  ai: AiSnapshot;
  /** Keys of the provider key states the snapshot uses (kept across reloads). */
  aiKeyStates: Set<string>;
  /** Keys of the pools the snapshot's services dispatch to. */
  poolKeys: Set<string>;
  /** Requests being served with this snapshot. */
  inflight: number;
  /** Replaced by a newer snapshot; resources it alone holds are released when `inflight` drops to 0. */
  retired: boolean;
  /** Called once a retired snapshot has no request left. */
  onIdle: ((snapshot: Snapshot) => void) | null;
}
