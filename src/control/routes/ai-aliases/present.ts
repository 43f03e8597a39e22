import type { AiAlias } from '../../../core/ai-model.js';
import { pickDeclared } from '../common/present.js';
import { AliasView } from './schema.js';

export function presentAlias(alias: AiAlias, providerNames: ReadonlyMap<string, string>): AliasView {
  return {
    ...pickDeclared<AliasView>(AliasView, alias),
    targets: alias.targets.map((t) => ({
      provider_id: t.provider_id,
      provider: providerNames.get(t.provider_id) ?? null,
      model: t.model,
      weight: t.weight,
    })),
  };
}
