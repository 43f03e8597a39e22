/**
 * Binds policies to routes. The effective set of a route is global + its service's + its own;
 * when a type is attached at several levels the most specific level wins (route > service >
 * global). Each policy is created once per snapshot and shared by the routes it applies to.
 */
import type { Policy } from '../../core/model.js';
import { isGantryError, validationError } from '../../core/errors.js';
import { compileChains, type BoundPolicy } from '../pipeline.js';
import { createPolicy } from '../policies/registry.js';
import type { PolicyEnv } from '../policies/types.js';
import type { PhaseChains } from './types.js';

export interface RouteChains {
  chains: PhaseChains;
  hasCors: boolean;
}

/** The node's long-lived services policies use (null members when only validating). */
export type PolicyServices = Pick<PolicyEnv, 'rateLimiters' | 'cacheStores'>;

const DETACHED: PolicyServices = { rateLimiters: null, cacheStores: null };

function bind(policy: Policy, services: PolicyServices): BoundPolicy {
  try {
    const { handlers, definition } = createPolicy(policy.type, policy.config, { policyId: policy.id, policyName: policy.name, ...services });
    return { id: policy.id, type: policy.type, priority: policy.priority ?? definition.priority, handlers };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw validationError(`Policy "${policy.name}" (${policy.type}, ${policy.id}): ${message}`, isGantryError(err) ? err.details : undefined);
  }
}

export class PolicyBinder {
  readonly #global: BoundPolicy[] = [];
  readonly #byService = new Map<string, BoundPolicy[]>();
  readonly #byRoute = new Map<string, BoundPolicy[]>();
  readonly #memo = new Map<string, RouteChains>();

  constructor(
    policies: readonly Policy[],
    serviceIds: ReadonlySet<string>,
    routeIds: ReadonlySet<string>,
    services: PolicyServices = DETACHED,
  ) {
    for (const policy of policies) {
      if (!policy.enabled) continue;
      if (policy.scope === 'global') {
        this.#global.push(bind(policy, services));
        continue;
      }
      const target = policy.target_id ?? '';
      const known = policy.scope === 'service' ? serviceIds.has(target) : routeIds.has(target);
      if (!known) {
        throw validationError(`Policy "${policy.name}" (${policy.id}) targets ${policy.scope} "${target}", which does not exist`, [
          { path: '/target_id', message: `unknown ${policy.scope} "${target}"` },
        ]);
      }
      const index = policy.scope === 'service' ? this.#byService : this.#byRoute;
      const list = index.get(target);
      if (list === undefined) index.set(target, [bind(policy, services)]);
      else list.push(bind(policy, services));
    }
  }

  forRoute(routeId: string, serviceId: string): RouteChains {
    const effective: BoundPolicy[] = [];
    const claimed = new Set<string>();
    for (const level of [this.#byRoute.get(routeId), this.#byService.get(serviceId), this.#global]) {
      if (level === undefined) continue;
      const types = new Set<string>();
      for (const p of level) {
        if (claimed.has(p.type)) continue;
        effective.push(p);
        types.add(p.type);
      }
      for (const t of types) claimed.add(t);
    }
    const key = effective.map((p) => p.id).sort().join(',');
    let chains = this.#memo.get(key);
    if (chains === undefined) {
      chains = { chains: compileChains(effective), hasCors: claimed.has('cors') };
      this.#memo.set(key, chains);
    }
    return chains;
  }
}
