/**
 * Gantry's data plane. The app wiring creates a `DataPlane` and calls `applyConfig` when the
 * store's config version changes; the admin API uses `validateConfig`, `listPolicyTypes` and
 * `validatePolicyConfig` to reject a change before it commits.
 */
import type { Dispatcher } from 'undici';
import type { ConfigData } from '../core/model.js';
import { TargetStates } from './proxy/target-state.js';
import { compileSnapshot } from './snapshot/compile.js';

export { DataPlane, type DataPlaneOptions } from './data-plane.js';
export { listPolicyTypes, validatePolicyConfig } from './policies/registry.js';
export { CALL_CHANNEL, callChannel, type CallEvent } from './events.js';
export type { Logger } from './runtime.js';
export type { Consumer, RequestContext } from './context.js';

const DETACHED = {
  dispatch() {
    throw new Error('validation snapshots do not dispatch');
  },
} as unknown as Dispatcher;

/**
 * Compile `data` without serving it: router (conflicts → GANTRY_ERR_CONFLICT naming both routes),
 * policies (→ GANTRY_ERR_VALIDATION) and references between resources. Opens no sockets.
 */
export function validateConfig(data: ConfigData): void {
  const states = new TargetStates();
  compileSnapshot(data, {
    pool: (origin, connectMs) => ({ key: `${origin}|${connectMs}`, pool: DETACHED }),
    targetState: (upstreamId, url) => states.get(upstreamId, url),
  });
}
