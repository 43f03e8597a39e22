/**
 * A policy is a folder: `policies/<name>/{index.ts, schema.ts}` (STYLE.md rule 1). The definition's
 * `create` checks and precomputes everything once and returns named hot-path functions, one per phase
 * it handles. The pipeline owns the order of phases; policies never call each other.
 */
import type { TSchema, Static } from '@sinclair/typebox';
import type { CacheStoreRegistry } from './cache/stores.js';
import type { RateLimiterRegistry } from './rate-limit/limiters.js';

export const PHASES = ['access', 'rewrite', 'cache', 'limit', 'proxy', 'response', 'log'] as const;
export type Phase = (typeof PHASES)[number];

export interface PolicyDefinition<S extends TSchema = TSchema, Ctx = unknown> {
  /** The `type` users write, e.g. `key-auth`. */
  type: string;
  description: string;
  /** Options schema; defaults in it are applied before `create`. */
  schema: S;
  /** Order within a phase when the policy has no explicit priority; lower runs first. */
  priority: number;
  /** The phases `create` returns handlers for; listed so the admin API can show them without creating. */
  phases: readonly Phase[];
  /**
   * Checks options beyond the schema (CIDRs parse, regexes compile) and precomputes. Throws a
   * GantryError GANTRY_ERR_VALIDATION whose message says what is wrong.
   */
  create(options: Static<S>, env: PolicyEnv): PolicyHandlers<Ctx>;
}

/** What a policy's `create` may know about the policy record and the node compiling it. */
export interface PolicyEnv {
  /** The policy record's id and name; empty when only options are validated (admin API). */
  policyId: string;
  policyName: string;
  /**
   * The node's long-lived rate limiters (they outlive snapshots); null when only validating, in
   * which case node-dependent checks (a Redis backend without a Redis URL) are left to the data plane.
   */
  rateLimiters: RateLimiterRegistry | null;
  /** The node's cache stores (they outlive snapshots); null when only validating. */
  cacheStores: CacheStoreRegistry | null;
}

export type PhaseHandler<Ctx> = (ctx: Ctx) => void | Promise<void>;

export type PolicyHandlers<Ctx> = Partial<Record<Phase, PhaseHandler<Ctx>>>;
