export { createAdminApi, API_PREFIX, type AdminApiOptions } from './server.js';
export type { NodeInfo } from './context.js';
export type { Principal } from './auth.js';
