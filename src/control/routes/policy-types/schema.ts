import { Type } from '@sinclair/typebox';
import { routeSchema } from '../common/schema.js';

export const PolicyTypeView = Type.Object({
  type: Type.String({ description: 'What to write in a policy\'s `type`.' }),
  description: Type.String(),
  phases: Type.Array(Type.String(), { description: 'Pipeline phases the policy acts in.' }),
  priority: Type.Integer({ description: 'Default order within a phase; lower runs first.' }),
  schema: Type.Unknown({ description: "JSON Schema of the policy's `config`." }),
});

export const listPolicyTypesSchema = routeSchema({
  tags: ['policies'],
  summary: 'List policy types and their config schemas',
  response: { 200: Type.Object({ data: Type.Array(PolicyTypeView) }) },
});
