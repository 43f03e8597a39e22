import type { AiProviderKeyRecord } from '../../../core/ai-model.js';
import { pickDeclared } from '../common/present.js';
import { ProviderKeyView } from './schema.js';

/** The secret leaves the server in no response, creation included: the operator already has it. */
export function presentProviderKey(key: AiProviderKeyRecord): ProviderKeyView {
  return pickDeclared<ProviderKeyView>(ProviderKeyView, key);
}
