/**
 * The policy types the gateway knows, and validation of their options. Each type's schema is
 * compiled once; defaults are applied on a clone, then the definition's `create` runs to catch
 * what a schema cannot say (a CIDR that does not parse, a protected header).
 */
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { isGantryError, validationError, type ErrorDetail } from '../../core/errors.js';
import type { RequestContext } from '../context.js';
import { aiCachePolicy } from './ai-cache/index.js';
import { callLogPolicy } from './call-log/index.js';
import { cachePolicy } from './cache/index.js';
import { corsPolicy } from './cors/index.js';
import { ipRestrictionPolicy } from './ip-restriction/index.js';
import { keyAuthPolicy } from './key-auth/index.js';
import { rateLimitPolicy } from './rate-limit/index.js';
import { requestHeadersPolicy } from './request-headers/index.js';
import { requestSizeLimitPolicy } from './request-size-limit/index.js';
import { responseHeadersPolicy } from './response-headers/index.js';
import type { Phase, PolicyDefinition, PolicyEnv, PolicyHandlers } from './types.js';

type AnyDefinition = PolicyDefinition<TSchema, RequestContext>;

const VALIDATE_ONLY: PolicyEnv = Object.freeze({ policyId: '', policyName: '', rateLimiters: null, cacheStores: null });

const DEFINITIONS: readonly AnyDefinition[] = [
  ipRestrictionPolicy,
  corsPolicy,
  keyAuthPolicy,
  requestSizeLimitPolicy,
  rateLimitPolicy,
  cachePolicy,
  requestHeadersPolicy,
  responseHeadersPolicy,
  callLogPolicy,
  aiCachePolicy,
] as unknown as AnyDefinition[];

const BY_TYPE = new Map<string, AnyDefinition>(DEFINITIONS.map((d) => [d.type, d]));
const CHECKS = new Map<string, TypeCheck<TSchema>>();

function checkerFor(def: AnyDefinition): TypeCheck<TSchema> {
  let check = CHECKS.get(def.type);
  if (check === undefined) {
    check = TypeCompiler.Compile(def.schema);
    CHECKS.set(def.type, check);
  }
  return check;
}

export function getPolicyDefinition(type: string): AnyDefinition | undefined {
  return BY_TYPE.get(type);
}

export function listPolicyTypes(): Array<{ type: string; description: string; phases: Phase[]; priority: number; schema: TSchema }> {
  return DEFINITIONS.map((d) => ({
    type: d.type,
    description: d.description,
    phases: [...d.phases],
    priority: d.priority,
    schema: d.schema,
  }));
}

function unknownType(type: string): never {
  throw validationError(`Unknown policy type "${type}"; known types: ${[...BY_TYPE.keys()].join(', ')}`, [
    { path: '/type', message: `unknown policy type "${type}"` },
  ]);
}

/** Options checked, defaults applied, handlers created: what a snapshot binds to routes. */
export function createPolicy(
  type: string,
  config: unknown,
  env: PolicyEnv = VALIDATE_ONLY,
): { options: Record<string, unknown>; handlers: PolicyHandlers<RequestContext>; definition: AnyDefinition } {
  const def = BY_TYPE.get(type) ?? unknownType(type);
  const options = Value.Default(def.schema, Value.Clone(config ?? {})) as Record<string, unknown>;
  const check = checkerFor(def);
  if (!check.Check(options)) {
    const details: ErrorDetail[] = [];
    for (const e of check.Errors(options)) {
      details.push({ path: e.path === '' ? '/' : e.path, message: e.message });
      if (details.length >= 20) break;
    }
    throw validationError(`Invalid ${type} policy options: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`, details);
  }
  try {
    return { options, handlers: def.create(options, env), definition: def };
  } catch (err) {
    if (isGantryError(err)) throw err;
    throw validationError(`Invalid ${type} policy options: ${(err as Error).message}`, [{ path: '/', message: (err as Error).message }]);
  }
}

/**
 * Validates a policy's options for the admin API. Unknown type or invalid options throw
 * GANTRY_ERR_VALIDATION with a path and a message per problem; returns the options with defaults.
 */
export function validatePolicyConfig(type: string, config: unknown): Record<string, unknown> {
  return createPolicy(type, config).options;
}
