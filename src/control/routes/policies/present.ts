import { Policy } from '../../../core/model.js';
import { pickDeclared } from '../common/present.js';

export function presentPolicy(policy: Policy): Policy {
  return pickDeclared<Policy>(Policy, policy);
}
