import { AiProvider } from '../../../core/ai-model.js';
import { pickDeclared } from '../common/present.js';

export function presentProvider(provider: AiProvider): AiProvider {
  return pickDeclared<AiProvider>(AiProvider, provider);
}
