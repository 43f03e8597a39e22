import type { FastifyInstance } from 'fastify';
import type { ControlContext } from '../context.js';
import { adminTokenRoutes } from './admin-tokens/routes.js';
import { aiAliasRoutes } from './ai-aliases/routes.js';
import { aiKeyRoutes } from './ai-keys/routes.js';
import { aiModelRoutes } from './ai-models/routes.js';
import { aiProviderRoutes } from './ai-providers/routes.js';
import { aiUsageRoutes } from './ai-usage/routes.js';
import { analyticsRoutes } from './analytics/routes.js';
import { appRoutes } from './apps/routes.js';
import { cacheRoutes } from './cache/routes.js';
import { callRoutes } from './calls/routes.js';
import { keyRoutes } from './keys/routes.js';
import { policyRoutes } from './policies/routes.js';
import { policyTypeRoutes } from './policy-types/routes.js';
import { routeRoutes } from './routes/routes.js';
import { serviceRoutes } from './services/routes.js';
import { statusRoutes } from './status/routes.js';
import { teamRoutes } from './teams/routes.js';
import { upstreamRoutes } from './upstreams/routes.js';

/** Every authenticated admin endpoint, registered under /api/v1. */
export function registerResourceRoutes(api: FastifyInstance, ctx: ControlContext): void {
  teamRoutes(api, ctx);
  upstreamRoutes(api, ctx);
  serviceRoutes(api, ctx);
  routeRoutes(api, ctx);
  appRoutes(api, ctx);
  keyRoutes(api, ctx);
  policyRoutes(api, ctx);
  policyTypeRoutes(api);
  adminTokenRoutes(api, ctx);
  aiProviderRoutes(api, ctx);
  aiKeyRoutes(api, ctx);
  aiAliasRoutes(api, ctx);
  aiModelRoutes(api, ctx);
  aiUsageRoutes(api, ctx);
  callRoutes(api, ctx);
  analyticsRoutes(api, ctx);
  statusRoutes(api, ctx);
  cacheRoutes(api, ctx);
}
