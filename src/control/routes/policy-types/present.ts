import type { Static } from '@sinclair/typebox';
import type { listPolicyTypes } from '../../../gateway/policies/registry.js';
import type { PolicyTypeView } from './schema.js';

type PolicyTypeInfo = ReturnType<typeof listPolicyTypes>[number];

export function presentPolicyType(info: PolicyTypeInfo): Static<typeof PolicyTypeView> {
  return {
    type: info.type,
    description: info.description,
    phases: [...info.phases],
    priority: info.priority,
    // Through JSON so TypeBox's symbol-keyed metadata stays behind and only JSON Schema leaves.
    schema: JSON.parse(JSON.stringify(info.schema)) as unknown,
  };
}
