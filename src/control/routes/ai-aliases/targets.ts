/**
 * Alias targets name a provider by name or id; the store keeps ids. A team's alias may use its
 * team's providers and the organisation-wide ones; an organisation-wide alias only the latter (it
 * serves every team, so it cannot depend on one team's provider).
 */
import type { AiAlias, AiAliasCreate, AiProvider } from '../../../core/ai-model.js';
import { validationError, type ErrorDetail } from '../../../core/errors.js';
import type { AiAliasCreateInput, Store, TeamScope } from '../../../store/types.js';

type TargetInput = AiAliasCreate['targets'][number];
type ResolvedTarget = AiAliasCreateInput['targets'][number];

/** By id first, then by name: the alias's team's provider of that name, else the organisation-wide one. */
async function findProvider(
  tx: Store,
  scope: TeamScope,
  aliasTeamId: string | null,
  ref: string,
): Promise<AiProvider | undefined> {
  const byId = await tx.aiProviders.get(scope, ref);
  if (byId && (byId.team_id === null || byId.team_id === aliasTeamId)) return byId;
  const own = aliasTeamId === null ? undefined : await tx.aiProviders.getByName(scope, aliasTeamId, ref);
  return own ?? (await tx.aiProviders.getByName(scope, null, ref));
}

/** Every target resolved to a provider id, or one GANTRY_ERR_VALIDATION naming each unknown provider. */
export async function resolveTargets(
  tx: Store,
  scope: TeamScope,
  aliasTeamId: string | null,
  targets: readonly TargetInput[],
): Promise<ResolvedTarget[]> {
  const found = new Map<string, AiProvider | undefined>();
  const resolved: ResolvedTarget[] = [];
  const details: ErrorDetail[] = [];
  const unknown: string[] = [];
  for (const [i, target] of targets.entries()) {
    if (!found.has(target.provider)) found.set(target.provider, await findProvider(tx, scope, aliasTeamId, target.provider));
    const provider = found.get(target.provider);
    if (!provider) {
      unknown.push(target.provider);
      details.push({
        path: `/targets/${i}/provider`,
        message:
          aliasTeamId === null
            ? 'no organisation-wide provider has this name or id'
            : "no provider of the alias's team or of the organisation has this name or id",
      });
      continue;
    }
    resolved.push({
      provider_id: provider.id,
      model: target.model,
      ...(target.weight === undefined ? {} : { weight: target.weight }),
    });
  }
  if (details.length > 0) {
    const names = [...new Set(unknown)].map((n) => `'${n}'`).join(', ');
    throw validationError(`Alias target provider ${names} not found`, details);
  }
  return resolved;
}

/** Provider names of the aliases' targets, for presenting them; looked up in the caller's scope. */
export async function providerNames(store: Store, scope: TeamScope, aliases: readonly AiAlias[]): Promise<Map<string, string>> {
  const ids = new Set(aliases.flatMap((a) => a.targets.map((t) => t.provider_id)));
  const names = new Map<string, string>();
  for (const id of ids) {
    const provider = await store.aiProviders.get(scope, id);
    if (provider) names.set(id, provider.name);
  }
  return names;
}
