import type { FastifyInstance } from 'fastify';
import { listPolicyTypes } from '../../../gateway/policies/registry.js';
import { presentPolicyType } from './present.js';
import { listPolicyTypesSchema } from './schema.js';

export function policyTypeRoutes(app: FastifyInstance): void {
  app.get('/policy-types', { schema: listPolicyTypesSchema }, async () => ({
    data: listPolicyTypes().map(presentPolicyType),
  }));
}
