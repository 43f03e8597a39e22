import type { FastifyInstance } from 'fastify';
import { GantryError, isGantryError, validationError, type ErrorDetail } from '../../../core/errors.js';
import type { PolicyCreate, PolicyUpdate } from '../../../core/model.js';
import { listPolicyTypes, validatePolicyConfig } from '../../../gateway/policies/registry.js';
import type { Store } from '../../../store/types.js';
import { isOrgAdmin, principal, requireWriter, type Principal } from '../../auth.js';
import { commitConfigChange, type ControlContext } from '../../context.js';
import { notFound } from '../../errors.js';
import { presentPage } from '../common/present.js';
import { mustExist } from '../common/references.js';
import { toListQuery, type IdParams } from '../common/schema.js';
import { presentPolicy } from './present.js';
import * as schema from './schema.js';

/** A path inside the policy's options, as a path inside the request body. */
function configPath(path: string | undefined): string {
  if (path === undefined || path === '' || path === '/') return '/config';
  return path.startsWith('/config/') ? path : `/config${path.startsWith('/') ? path : `/${path}`}`;
}

/** Unknown types are answered with the list of known ones; config errors point into `/config`. */
function checkPolicyConfig(type: string, config: Record<string, unknown>): void {
  const known = listPolicyTypes().map((t) => t.type);
  if (!known.includes(type)) {
    throw validationError(`Unknown policy type '${type}'; known types: ${known.join(', ')}`, [
      { path: '/type', message: `must be one of: ${known.join(', ')}` },
    ]);
  }
  try {
    validatePolicyConfig(type, config);
  } catch (err) {
    if (!isGantryError(err) || err.code !== 'GANTRY_ERR_VALIDATION') throw err;
    const details: ErrorDetail[] = (err.details ?? [{ message: err.message }]).map((detail) => ({
      ...detail,
      path: configPath(detail.path),
    }));
    throw new GantryError('GANTRY_ERR_VALIDATION', err.message, {
      details,
      cause: err,
    });
  }
}

interface PolicyOwner {
  teamId: string | null;
  targetId: string | null;
}

/** Where a new policy attaches and whose it is: the target's team, or nobody's for global ones. */
async function resolveTarget(tx: Store, who: Principal, body: PolicyCreate): Promise<PolicyOwner> {
  const targetId = body.target_id ?? null;
  if (body.scope === 'global') {
    if (targetId !== null) {
      throw validationError('A global policy has no target; remove target_id', [
        { path: '/target_id', message: 'must be absent or null when scope is global' },
      ]);
    }
    return { teamId: null, targetId: null };
  }
  if (targetId === null) {
    throw validationError(`target_id is required when scope is ${body.scope}`, [
      { path: '/target_id', message: `is required when scope is ${body.scope}` },
    ]);
  }
  const target =
    body.scope === 'service'
      ? await mustExist(tx.services.get(who.scope, targetId), 'target_id', 'Service', targetId)
      : await mustExist(tx.routes.get(who.scope, targetId), 'target_id', 'Route', targetId);
  return { teamId: target.team_id, targetId };
}

export function policyRoutes(app: FastifyInstance, ctx: ControlContext): void {
  app.get<{ Querystring: schema.PolicyListQuery }>('/policies', { schema: schema.listPolicies }, async (request) => {
    const page = await ctx.store.policies.list(principal(request).scope, toListQuery(request.query));
    return presentPage(page, presentPolicy);
  });

  app.get<{ Params: IdParams }>('/policies/:id', { schema: schema.getPolicy }, async (request) => {
    const policy = await ctx.store.policies.get(principal(request).scope, request.params.id);
    if (!policy) throw notFound('Policy', request.params.id);
    return presentPolicy(policy);
  });

  app.post<{ Body: PolicyCreate }>(
    '/policies',
    { schema: schema.createPolicy, preValidation: requireWriter },
    async (request, reply) => {
      const who = principal(request);
      const body = request.body;
      if (body.scope === 'global' && !isOrgAdmin(who)) {
        throw new GantryError('GANTRY_ERR_FORBIDDEN', 'Only an org_admin token may manage global policies');
      }
      checkPolicyConfig(body.type, body.config ?? {});
      const policy = await commitConfigChange(ctx, async (tx) => {
        const owner = await resolveTarget(tx, who, body);
        return tx.policies.create({
          ...body,
          name: body.name ?? body.type,
          team_id: owner.teamId,
          target_id: owner.targetId,
        });
      });
      return reply.status(201).send(presentPolicy(policy));
    },
  );

  app.patch<{ Params: IdParams; Body: PolicyUpdate }>(
    '/policies/:id',
    { schema: schema.updatePolicy, preValidation: requireWriter },
    async (request) => {
      const { scope } = principal(request);
      const policy = await commitConfigChange(ctx, async (tx) => {
        // Global policies are outside every team scope, so a team token gets 404 for them here.
        const current = await tx.policies.get(scope, request.params.id);
        if (!current) throw notFound('Policy', request.params.id);
        if (request.body.config !== undefined) checkPolicyConfig(current.type, request.body.config);
        const updated = await tx.policies.update(scope, request.params.id, request.body);
        if (!updated) throw notFound('Policy', request.params.id);
        return updated;
      });
      return presentPolicy(policy);
    },
  );

  app.delete<{ Params: IdParams }>(
    '/policies/:id',
    { schema: schema.deletePolicy, preValidation: requireWriter },
    async (request, reply) => {
      const { scope } = principal(request);
      await commitConfigChange(ctx, async (tx) => {
        if (!(await tx.policies.delete(scope, request.params.id))) throw notFound('Policy', request.params.id);
      });
      return reply.status(204).send();
    },
  );
}
