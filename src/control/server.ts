/**
 * The admin API server: Fastify configured for strict JSON input, the catalog's error bodies, request
 * ids, bearer authentication, and an OpenAPI document generated from the same TypeBox schemas that
 * validate requests.
 */
import type { IncomingMessage } from 'node:http';
import { hostname } from 'node:os';
import swagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { ModelCatalog } from '../ai/catalog/index.js';
import { GantryError } from '../core/errors.js';
import { newRequestId } from '../core/ids.js';
import type { CachePurgeService } from '../cluster/cache-purger.js';
import type { SecretBox } from '../core/secrets.js';
import type { Store } from '../store/types.js';
import { Authenticator } from './auth.js';
import type { ControlContext, NodeInfo } from './context.js';
import { BODY_LIMIT_BYTES, formatSchemaErrors, handleError, handleNotFound } from './errors.js';
import { registerResourceRoutes } from './routes/index.js';

export const API_PREFIX = '/api/v1';

export interface AdminApiOptions {
  store: Store;
  /** A pino logger for request and error logs; false or absent: no logs. */
  logger?: Logger | false;
  /** Called after every committed configuration change (not after rejected ones). */
  onConfigChange?: () => void | Promise<void>;
  nodeInfo?: NodeInfo;
  /** Seals AI provider keys (AES-256-GCM under the node's secret key) before they are stored. */
  secretBox: SecretBox;
  /** The model catalog stored overrides apply to; defaults to the shipped one. */
  catalog?: ModelCatalog;
  /** Purges cached responses on every node; without it POST /cache/purge answers 503. */
  cachePurger?: CachePurgeService;
  /** Serves `GET /metrics` (Prometheus) and `GET /healthz` outside the API prefix (docs/metrics.md). */
  metrics?: AdminMetrics;
}

export interface AdminMetrics {
  render(): Promise<string>;
  readonly contentType: string;
  /** Whether the request's Authorization header may read the metrics (the optional metrics token). */
  authorized(authorization: string | undefined): boolean;
  /** The body of `GET /healthz`. */
  health(): Record<string, unknown>;
}

/** Client-supplied request ids are kept when they are short and plain; otherwise a fresh one. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:@+=/-]{1,128}$/;

function requestIdFor(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : newRequestId();
}

const TAGS = [
  'teams',
  'upstreams',
  'services',
  'routes',
  'apps',
  'keys',
  'policies',
  'admin-tokens',
  'ai-providers',
  'ai-keys',
  'ai-aliases',
  'ai-models',
  'ai-usage',
  'calls',
  'analytics',
  'status',
  'cache',
].map((name) => ({ name }));

/**
 * Builds the admin API; routes are registered and the instance is ready for `listen`. Plugins (the
 * console) may still be registered before listening.
 */
export async function createAdminApi(opts: AdminApiOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(opts.logger ? { loggerInstance: opts.logger } : { logger: false }),
    bodyLimit: BODY_LIMIT_BYTES,
    requestIdHeader: false,
    genReqId: requestIdFor,
    logController: new LogController({ requestIdLogLabel: 'request_id' }),
    schemaErrorFormatter: (errors, dataVar) => formatSchemaErrors(errors, dataVar),
    ajv: {
      customOptions: {
        // Unknown fields are an error, not silently dropped; defaults belong to the store.
        removeAdditional: false,
        coerceTypes: false,
        useDefaults: false,
        // Report every problem at once. Bodies are capped at 1 MiB (the price import at 20 MiB, whose
        // entries are not checked by the schema) and arrays in the schemas are bounded.
        allErrors: true,
        // Gives errors their schema, so unions can be reported as "must be one of ...".
        verbose: true,
      },
    },
  }) as unknown as FastifyInstance;

  const nodeInfo: NodeInfo = opts.nodeInfo ?? {
    nodeId: hostname(),
    version: process.env.npm_package_version ?? 'unknown',
  };
  const ctx: ControlContext = {
    store: opts.store,
    auth: new Authenticator(opts.store),
    log: app.log,
    nodeInfo,
    secretBox: opts.secretBox,
    catalog: opts.catalog ?? ModelCatalog.shipped(),
    ...(opts.onConfigChange ? { onConfigChange: opts.onConfigChange } : {}),
    ...(opts.cachePurger ? { cachePurger: opts.cachePurger } : {}),
  };

  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    // Responses can carry a secret (create key / token); nothing here should sit in a cache.
    void reply.header('cache-control', 'no-store');
  });
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);
  // JSON only: without a text/plain parser, any other media type is answered with 415.
  app.removeContentTypeParser('text/plain');

  await app.register(swagger, {
    mode: 'dynamic',
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Gantry Admin API',
        version: nodeInfo.version,
        description: 'Control plane of the Gantry gateway. Every endpoint takes `Authorization: Bearer <admin token>`.',
      },
      tags: TAGS,
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An admin token (gadm_...).' } },
      },
      security: [{ bearer: [] }],
    },
  });

  app.get(`${API_PREFIX}/openapi.json`, { schema: { hide: true } }, async () => app.swagger());

  const metrics = opts.metrics;
  if (metrics) {
    // Not under the API prefix and not behind admin tokens: scrapers and probes hold none.
    app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
      if (!metrics.authorized(request.headers.authorization)) throw new GantryError('GANTRY_ERR_METRICS_UNAUTHENTICATED');
      return reply.type(metrics.contentType).send(await metrics.render());
    });
    app.get('/healthz', { schema: { hide: true } }, async () => metrics.health());
  }

  await app.register(
    async (api) => {
      api.addHook('onRequest', ctx.auth.authenticate);
      registerResourceRoutes(api, ctx);
    },
    { prefix: API_PREFIX },
  );

  return app;
}
