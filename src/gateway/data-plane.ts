/**
 * The data plane: a hardened node:http server answering from an in-memory snapshot of the config.
 * `applyConfig` compiles off the request path and swaps with one assignment; requests in flight
 * finish on the snapshot they started with, whose pools are closed once nothing uses them.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { ModelCatalog } from '../ai/catalog/index.js';
import { BASIC_HOOKS, type AiHooks } from '../ai/gateway/hooks.js';
import { AiKeyStates } from '../ai/providers/keys.js';
import type { ConfigData } from '../core/model.js';
import type { SecretBox } from '../core/secrets.js';
import { CacheStoreRegistry, type PurgeCounts } from './policies/cache/stores.js';
import { RateLimiterRegistry, type RateLimitRedisOptions } from './policies/rate-limit/limiters.js';
import { ActiveHealthChecks } from './proxy/active-health.js';
import { PoolRegistry } from './proxy/pools.js';
import { TargetStates } from './proxy/target-state.js';
import type { GatewayRuntime, Logger, ResolvedOptions } from './runtime.js';
import { handleClientError, handleRequest, handleUpgrade } from './server.js';
import { compileSnapshot, type CompileResources } from './snapshot/compile.js';
import type { Snapshot } from './snapshot/types.js';

export interface DataPlaneOptions {
  /** Default `0.0.0.0`. */
  host?: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  logger?: Logger;
  /** Largest request body when no request-size-limit policy applies. Default 10 MiB. */
  maxBodyBytes?: number;
  /** Default 16 KiB; larger request headers get 431. */
  maxHeaderSize?: number;
  /** Time allowed to receive request headers. Default 30 s. */
  headersTimeoutMs?: number;
  /** Time allowed to receive a whole request. Default 5 min. */
  requestTimeoutMs?: number;
  /** Idle keep-alive connection lifetime. Default 65 s. */
  keepAliveTimeoutMs?: number;
  /** Trust incoming X-Forwarded-* (the node sits behind a proxy you run). Default false. */
  trustProxy?: boolean;
  /** Opens AI provider keys (sealed with AAD = key id). Without it no key opens: AI calls get 503. */
  secretBox?: SecretBox;
  /** Model catalog before the config's overrides. Default: the shipped catalog. */
  catalog?: ModelCatalog;
  /** Token estimates, limiter and cost for AI calls. Default: rough estimates, catalog prices, no limiter. */
  aiHooks?: AiHooks;
  /** The node's Redis for `rate-limit` policies with backend `redis`; without it they fail validation. */
  rateLimitRedis?: RateLimitRedisOptions;
  /** Bound of the node's in-memory response cache; default 256 MiB. */
  cacheMaxBytes?: number;
}

export const EMPTY_CONFIG: ConfigData = {
  version: 0,
  teams: [],
  upstreams: [],
  services: [],
  routes: [],
  apps: [],
  apiKeys: [],
  policies: [],
  aiProviders: [],
  aiProviderKeys: [],
  aiAliases: [],
  aiModelOverrides: [],
};

export class DataPlane {
  readonly #gateway: GatewayRuntime;
  readonly #server: http.Server;
  readonly #pools = new PoolRegistry();
  readonly #targets = new TargetStates();
  readonly #aiKeys = new AiKeyStates();
  readonly #rateLimiters: RateLimiterRegistry;
  readonly #cacheStores: CacheStoreRegistry;
  readonly #health: ActiveHealthChecks;
  readonly #retiring = new Set<Snapshot>();
  readonly #resources: CompileResources;
  #closing: Promise<void> | null = null;

  constructor(opts: DataPlaneOptions = {}) {
    const options: ResolvedOptions = {
      host: opts.host ?? '0.0.0.0',
      port: opts.port ?? 8080,
      maxBodyBytes: opts.maxBodyBytes ?? 10 * 1024 * 1024,
      maxHeaderSize: opts.maxHeaderSize ?? 16 * 1024,
      headersTimeoutMs: opts.headersTimeoutMs ?? 30_000,
      requestTimeoutMs: opts.requestTimeoutMs ?? 300_000,
      keepAliveTimeoutMs: opts.keepAliveTimeoutMs ?? 65_000,
      trustProxy: opts.trustProxy ?? false,
    };
    const logger: Logger = opts.logger ?? pino({ name: 'gantry-gateway' });
    this.#health = new ActiveHealthChecks(logger);
    this.#rateLimiters = new RateLimiterRegistry(opts.rateLimitRedis);
    this.#cacheStores = new CacheStoreRegistry({
      ...(opts.cacheMaxBytes === undefined ? {} : { memoryMaxBytes: opts.cacheMaxBytes }),
      ...(opts.rateLimitRedis === undefined ? {} : { redis: opts.rateLimitRedis }),
      onRedisError: (err) => logger.debug({ err }, 'cache store: Redis unavailable, treated as a miss'),
    });
    this.#resources = {
      rateLimiters: this.#rateLimiters,
      cacheStores: this.#cacheStores,
      pool: (origin, connectMs) => this.#pools.get(origin, connectMs),
      targetState: (upstreamId, url) => this.#targets.get(upstreamId, url),
      ai: {
        keyState: (keyId, version) => this.#aiKeys.get(keyId, version),
        catalog: opts.catalog ?? ModelCatalog.shipped(),
        hooks: opts.aiHooks ?? BASIC_HOOKS,
        ...(opts.secretBox === undefined ? {} : { secretBox: opts.secretBox }),
        warn: (obj, msg) => logger.warn(obj, msg),
      },
    };
    const gateway: GatewayRuntime = {
      snapshot: compileSnapshot(EMPTY_CONFIG, this.#resources),
      options,
      logger,
      closing: false,
      tunnels: new Set(),
    };
    this.#gateway = gateway;

    const server = http.createServer(
      {
        maxHeaderSize: options.maxHeaderSize,
        requestTimeout: options.requestTimeoutMs,
        headersTimeout: options.headersTimeoutMs,
        keepAliveTimeout: options.keepAliveTimeoutMs,
        insecureHTTPParser: false,
        requireHostHeader: true,
        // Node keeps the first of duplicated singleton headers (Authorization, Host, ...): the
        // gateway and the upstream then see the same value.
        joinDuplicateHeaders: false,
      },
      (req, res) => handleRequest(gateway, req, res),
    );
    server.keepAliveTimeout = options.keepAliveTimeoutMs;
    server.headersTimeout = options.headersTimeoutMs;
    server.requestTimeout = options.requestTimeoutMs;
    server.on('upgrade', (req, socket, head) => handleUpgrade(gateway, req, socket, head));
    server.on('clientError', (err, socket) => handleClientError(gateway, err, socket));
    this.#server = server;
  }

  get server(): http.Server {
    return this.#server;
  }

  /** The node's cache stores (purge, metrics). */
  get cacheStores(): CacheStoreRegistry {
    return this.#cacheStores;
  }

  /**
   * Removes the cached responses carrying any of `tags` (see policies/cache/purge.ts) from this
   * node's memory store and, with `redis`, from the shared Redis store. Redis failures are thrown.
   */
  purgeCache(tags: readonly string[], opts: { redis: boolean }): Promise<PurgeCounts> {
    return this.#cacheStores.purgeTags(tags, opts);
  }

  /** The node's rate limiters (metrics). */
  get rateLimiters(): RateLimiterRegistry {
    return this.#rateLimiters;
  }

  get configVersion(): number {
    return this.#gateway.snapshot.version;
  }

  /** The snapshot being served; read-only (metrics read its upstreams' target states at scrape time). */
  get snapshot(): Readonly<Snapshot> {
    return this.#gateway.snapshot;
  }

  /**
   * Compile `data` and serve it. On failure (conflict, invalid policy...) the previous snapshot
   * keeps serving and the error is rethrown.
   */
  applyConfig(data: ConfigData): void {
    if (this.#closing !== null) throw new Error('The data plane is closed');
    this.#rateLimiters.beginCompile();
    const next = compileSnapshot(data, this.#resources);
    const previous = this.#gateway.snapshot;
    this.#gateway.snapshot = next;
    this.#rateLimiters.sweep();

    const liveTargets = new Set<string>();
    for (const u of next.upstreams.values()) for (const t of u.targets) liveTargets.add(t.state.key);
    this.#targets.retainOnly(liveTargets);
    this.#aiKeys.retainOnly(next.aiKeyStates);
    this.#health.sync(next.upstreams);

    previous.retired = true;
    if (previous.inflight === 0) {
      this.#releasePools();
    } else {
      this.#retiring.add(previous);
      previous.onIdle = (s) => {
        this.#retiring.delete(s);
        this.#releasePools();
      };
      this.#releasePools();
    }
  }

  #releasePools(): void {
    const live = new Set(this.#gateway.snapshot.poolKeys);
    for (const s of this.#retiring) for (const k of s.poolKeys) live.add(k);
    this.#pools.releaseUnused(live);
  }

  listen(): Promise<{ port: number; host: string }> {
    const { port, host } = this.#gateway.options;
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.#server.once('error', onError);
      this.#server.listen(port, host, () => {
        this.#server.off('error', onError);
        const address = this.#server.address() as AddressInfo;
        resolve({ port: address.port, host: address.address });
      });
    });
  }

  /**
   * Stop accepting; let requests in flight finish for up to `graceMs` (default 10 s), then destroy
   * what remains. Health-check timers and upstream pools are closed.
   */
  close(opts: { graceMs?: number } = {}): Promise<void> {
    this.#closing ??= this.#shutdown(opts.graceMs ?? 10_000);
    return this.#closing;
  }

  async #shutdown(graceMs: number): Promise<void> {
    const gateway = this.#gateway;
    const server = this.#server;
    gateway.closing = true;
    this.#health.stopAll();
    if (server.listening) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Connections become idle as their last response ends; close them as they do.
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      const deadline = setTimeout(() => {
        server.closeAllConnections();
        for (const socket of gateway.tunnels) socket.destroy();
      }, graceMs);
      try {
        await closed;
      } finally {
        clearInterval(sweep);
        clearTimeout(deadline);
      }
    }
    for (const socket of gateway.tunnels) socket.destroy();
    await this.#pools.closeAll();
    await this.#rateLimiters.closeAll();
    await this.#cacheStores.closeAll();
  }
}
