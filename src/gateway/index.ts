/**
 * Gantry's data plane. The app wiring creates a `DataPlane` and calls `applyConfig` when the
 * store's config version changes; the admin API uses `validateConfig`, `listPolicyTypes` and
 * `validatePolicyConfig` to reject a change before it commits.
 */
import type { Dispatcher } from 'undici';
import { ModelCatalog } from '../ai/catalog/index.js';
import { BASIC_HOOKS } from '../ai/gateway/hooks.js';
import { AiKeyStates } from '../ai/providers/keys.js';
import type { ConfigData } from '../core/model.js';
import { TargetStates } from './proxy/target-state.js';
import { compileSnapshot } from './snapshot/compile.js';

export { DataPlane, type DataPlaneOptions } from './data-plane.js';
export type { AiHooks, AiLimiterHook, LimitVerdict } from '../ai/gateway/hooks.js';
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
export function validateConfig(data: ConfigData, opts: { catalog?: ModelCatalog } = {}): void {
  const states = new TargetStates();
  const keys = new AiKeyStates();
  compileSnapshot(data, {
    pool: (origin, connectMs) => ({ key: `${origin}|${connectMs}`, pool: DETACHED }),
    targetState: (upstreamId, url) => states.get(upstreamId, url),
    // Keys are not opened (no SecretBox): validation needs no secrets.
    ai: { keyState: (id, version) => keys.get(id, version), catalog: opts.catalog ?? ModelCatalog.shipped(), hooks: BASIC_HOOKS, warn: () => undefined },
  });
}
