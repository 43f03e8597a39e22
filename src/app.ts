/**
 * One Gantry node: the store, the data plane (role data|all) kept in step by a config watcher, and the
 * admin API (role control|all). `startGantry` is what `gantry start` runs and what tests start in-process.
 */
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { startCachePurging } from './cluster/cache-purger.js';
import { ConfigSync, configChangeListener, createNotifier, reachStore, retryInBackground } from './cluster/index.js';
import type { Settings } from './config/settings.js';
import { redactUrl } from './config/settings.js';
import { isGantryError } from './core/errors.js';
import { hashSecret, newSecret, secretHint } from './core/ids.js';
import { loadSecretKey, SecretBox } from './core/secrets.js';
import { ModelCatalog } from './ai/catalog/index.js';
import { startAiRuntime } from './ai/runtime.js';
import { createAdminApi } from './control/index.js';
import { DataPlane } from './gateway/index.js';
import { createStore } from './store/index.js';
import { createCallLogging, parseCallLogSettings, type CallLogging } from './telemetry/index.js';
import type { Store } from './store/types.js';
import { checkMetricsToken, GantryMetrics, listenMetrics, type MetricsListener } from './telemetry/metrics/index.js';
import { GANTRY_VERSION } from './version.js';

export interface Gantry {
  settings: Settings;
  store: Store;
  logger: Logger;
  dataPlane?: DataPlane;
  /** Call logging of a node that serves data (role data|all) with `call_logs` enabled; `stats()` feeds metrics. */
  callLogging?: CallLogging;
  admin?: FastifyInstance;
  /** `http://host:port` of each listener that is running. */
  dataUrl?: string;
  adminUrl?: string;
  /** Prometheus metrics of this node; `metricsUrl` serves them (the admin port, on every role). */
  metrics?: GantryMetrics;
  metricsUrl?: string;
  /** The admin token created on this start (first start only); shown once. */
  bootstrapToken?: string;
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** Use this value for the first admin token instead of generating one (GANTRY_ADMIN_TOKEN). */
  bootstrapToken?: string;
}

export const DEFAULT_TEAM = 'default';

export async function startGantry(settings: Settings, opts: StartOptions = {}): Promise<Gantry> {
  const logger = opts.logger ?? pino({ level: settings.logLevel, base: { node: settings.nodeId } });
  const store = await createStore({ url: settings.databaseUrl, logger });
  const closers: Array<() => Promise<void>> = [() => store.close()];
  const close = async () => {
    for (const fn of closers.reverse()) {
      try {
        await fn();
      } catch (err) {
        logger.warn({ err }, 'error during shutdown');
      }
    }
  };

  try {
    // Provider keys are sealed under this key: every node of a cluster needs the same one.
    const secretBox = new SecretBox(loadSecretKey({ dataDir: settings.dataDir }));
    const catalog = ModelCatalog.shipped();
    const serveData = settings.role !== 'control';
    const serveControl = settings.role !== 'data';
    const database = redactUrl(settings.databaseUrl);
    // A data plane can serve its last snapshot while the store is unreachable; the admin API cannot.
    const storeReady = await reachStore(store).then(
      ({ applied }) => {
        logger.info({ database, dialect: store.dialect, applied }, 'store ready');
        return true;
      },
      (err: unknown) => {
        if (!serveData) throw err;
        logger.warn({ err, database }, 'store unreachable at start');
        return false;
      },
    );
    const notifier = createNotifier({
      redisUrl: settings.redisUrl,
      redisPrefix: settings.redisPrefix,
      databaseUrl: settings.databaseUrl,
      dialect: store.dialect,
      logger,
    });
    if (notifier) closers.push(() => notifier.close());

    const gantry: Gantry = { settings, store, logger, close };
    const metrics = new GantryMetrics({
      nodeId: settings.nodeId,
      role: settings.role,
      version: GANTRY_VERSION,
      dataPlane: () => gantry.dataPlane,
      callLogging: () => gantry.callLogging,
      // Read at scrape time only, when `sync` (declared below) is set.
      storeReachable: () => sync?.storeReachable,
    });
    closers.push(async () => metrics.close());
    gantry.metrics = metrics;
    const health = () => ({ status: 'ok', node: settings.nodeId, role: settings.role, ...(gantry.dataPlane ? { config_version: gantry.dataPlane.configVersion } : {}) });

    let sync: ConfigSync | undefined;
    if (serveData) {
      const ai = await startAiRuntime(store, logger);
      // Registered before the data plane's closer: closers run in reverse, so usage is flushed after the last call.
      closers.push(() => ai.close());
      // Before the data plane's closer too: its last calls are accepted, then flushed, then the store closes.
      const callLogs = settings.callLogs ?? parseCallLogSettings();
      if (callLogs.enabled) {
        const callLogging = await createCallLogging({
          settings: callLogs,
          store,
          databaseUrl: settings.databaseUrl,
          nodeId: settings.nodeId,
          dataDir: settings.dataDir,
          logger,
        });
        closers.push(() => callLogging.close());
        gantry.callLogging = callLogging;
      }
      const dataPlane = new DataPlane({
        secretBox,
        catalog,
        aiHooks: ai.hooks,
        host: settings.host,
        port: settings.port,
        logger,
        maxBodyBytes: settings.maxBodyBytes,
        maxHeaderSize: settings.maxHeaderBytes,
        headersTimeoutMs: settings.headersTimeoutMs,
        requestTimeoutMs: settings.requestTimeoutMs,
        keepAliveTimeoutMs: settings.keepAliveTimeoutMs,
        trustProxy: settings.trustProxy,
        cacheMaxBytes: settings.cacheMaxBytes,
        ...(settings.redisUrl ? { rateLimitRedis: { url: settings.redisUrl, prefix: settings.redisPrefix } } : {}),
      });
      const s = await ConfigSync.start({
        store,
        storeReady,
        notifier,
        apply: (data) => {
          dataPlane.applyConfig(data);
          metrics.configApplied(data);
        },
        pollMs: settings.configPollMs,
        snapshotFile: settings.snapshotFile,
        logger,
      });
      sync = s;
      closers.push(() => s.close());
      const { port, host } = await dataPlane.listen();
      closers.push(() => dataPlane.close({ graceMs: settings.shutdownGraceMs }));
      gantry.dataPlane = dataPlane;
      gantry.dataUrl = `http://${urlHost(host)}:${port}`;
      logger.info({ url: gantry.dataUrl }, 'data plane listening');
    }

    // The admin port without the admin API: /metrics and /healthz only.
    const listenMetricsOnly = async (): Promise<MetricsListener> => {
      const listener = await listenMetrics({
        host: settings.adminHost,
        port: settings.adminPort,
        metrics,
        ...(settings.metricsToken ? { token: settings.metricsToken } : {}),
        health,
        onError: (err) => logger.error({ err }, 'metrics could not be rendered'),
      });
      gantry.metricsUrl = `http://${urlHost(listener.host)}:${listener.port}/metrics`;
      logger.info({ url: gantry.metricsUrl }, 'metrics listening');
      return listener;
    };
    if (!serveControl) {
      const listener = await listenMetricsOnly();
      closers.push(() => listener.close());
    }

    // Cache purges reach every node's memory store (and the shared Redis store once).
    const cachePurging = await startCachePurging({
      redisUrl: settings.redisUrl,
      redisPrefix: settings.redisPrefix,
      databaseUrl: settings.databaseUrl,
      dialect: store.dialect,
      dataPlane: gantry.dataPlane,
      logger,
    });
    closers.push(() => cachePurging.close());

    const startAdmin = async (): Promise<FastifyInstance> => {
      gantry.bootstrapToken = await bootstrap(store, opts.bootstrapToken);
      const admin = await createAdminApi({
        store,
        logger,
        secretBox,
        catalog,
        onConfigChange: configChangeListener({ sync, notifier, store, logger }),
        cachePurger: cachePurging.purger,
        metrics: { render: () => metrics.render(), contentType: metrics.contentType, authorized: checkMetricsToken(settings.metricsToken), health },
        nodeInfo: {
          nodeId: settings.nodeId,
          version: GANTRY_VERSION,
          dataPlaneVersion: gantry.dataPlane ? () => gantry.dataPlane!.configVersion : undefined,
        },
      });
      try {
        await admin.listen({ port: settings.adminPort, host: settings.adminHost });
      } catch (err) {
        await admin.close();
        throw err;
      }
      const address = admin.server.address();
      const port = typeof address === 'object' && address ? address.port : settings.adminPort;
      gantry.admin = admin;
      gantry.adminUrl = `http://${urlHost(settings.adminHost)}:${port}`;
      gantry.metricsUrl = `${gantry.adminUrl}/metrics`;
      logger.info({ url: gantry.adminUrl }, 'admin API listening');
      return admin;
    };
    if (serveControl && storeReady) {
      const admin = await startAdmin();
      closers.push(() => admin.close());
    } else if (serveControl) {
      // Role `all` with the store down: the data plane serves its snapshot; the admin API listens
      // once the store is back (until then its port serves /metrics and /healthz only).
      let admin: FastifyInstance | undefined;
      let interim: MetricsListener | undefined = await listenMetricsOnly();
      const retry = retryInBackground(
        'admin API start',
        async () => {
          await reachStore(store);
          await interim?.close();
          interim = undefined;
          admin = await startAdmin();
        },
        { logger },
      );
      closers.push(async () => {
        await retry.stop();
        await interim?.close();
        await admin?.close();
      });
    }
    return gantry;
  } catch (err) {
    await close();
    throw err;
  }
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * First start: the `default` team and, when no admin token exists, an org admin token returned to
 * the caller to show once. Nothing is created when another node got there first.
 */
async function bootstrap(store: Store, requested?: string): Promise<string | undefined> {
  const teams = await store.teams.list('all', { name: DEFAULT_TEAM });
  if (!teams.items.some((t) => t.name === DEFAULT_TEAM)) {
    await ignoreConflict(() => store.teams.create({ name: DEFAULT_TEAM, description: 'Created on first start' }));
  }
  if ((await store.adminTokens.count()) > 0) return undefined;
  if (requested !== undefined && !/^[\x21-\x7e]{32,256}$/.test(requested)) {
    throw new Error('GANTRY_ADMIN_TOKEN must be 32 to 256 visible ASCII characters');
  }
  const token = requested ?? newSecret('gadm');
  await store.adminTokens.create({
    name: 'bootstrap',
    role: 'org_admin',
    team_id: null,
    hint: secretHint(token),
    token_hash: hashSecret(token),
    expires_at: null,
  });
  return token;
}

async function ignoreConflict(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (!(isGantryError(err) && err.code === 'GANTRY_ERR_CONFLICT')) throw err;
  }
}
