export { createAdminApi, API_PREFIX, type AdminApiOptions, type AdminMetrics } from './server.js';
export type { NodeInfo } from './context.js';
export type { Principal } from './auth.js';
