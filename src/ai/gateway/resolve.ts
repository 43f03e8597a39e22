/**
 * Model resolution, per team, in order:
 *  1. an alias visible to the team (the team's, then an organisation-wide one);
 *  2. `<provider name>/<model>`, the provider visible to the team (team's, then organisation-wide);
 *  3. `<kind>/<model>` → the first enabled provider of that kind visible to the team (team's first),
 *     with the catalog's model id when the catalog knows the model, else the text after the slash;
 *  4. a bare catalog model name (`gpt-4o-mini`) or catalog alias → as 3.
 * A service that lists models only serves those (the name asked for, or the catalog id it resolves to).
 * Also builds `GET /models`: aliases and catalog models reachable through the team's providers.
 */
import { GantryError } from '../../core/errors.js';
import type { CatalogModel } from '../catalog/index.js';
import type { CompiledProvider } from '../providers/compiled.js';
import { targetOf } from './compile.js';
import type { AiSnapshot, AiTeamView, CompiledAiService, ResolvedTarget } from './types.js';

export type AiOperation = 'chat' | 'embeddings';

export interface Resolution {
  /** In the order to try: the first serves, the others are fallbacks. */
  targets: ResolvedTarget[];
  /** `<kind>/<model>` of the first target, or the alias name. */
  canonical: string;
}

export function viewFor(ai: AiSnapshot, teamId: string): AiTeamView {
  return ai.views.get(teamId) ?? ai.orgView;
}

function notFound(name: string, why?: string): GantryError {
  return new GantryError(
    'GANTRY_ERR_AI_MODEL_NOT_FOUND',
    `The model "${name.slice(0, 256)}" ${why ?? 'does not exist or is not available to you'}; GET /v1/models lists the models you may use`,
  );
}

/** A weighted pick first (weight 0 never leads), then the others in their order. */
function weightedOrder(targets: ReadonlyArray<{ target: ResolvedTarget; weight: number }>, total: number): ResolvedTarget[] {
  if (total <= 0) return targets.map((t) => t.target);
  let r = Math.random() * total;
  let chosen = targets.length - 1;
  for (let i = 0; i < targets.length; i++) {
    r -= targets[i].weight;
    if (r < 0 && targets[i].weight > 0) {
      chosen = i;
      break;
    }
  }
  const out = [targets[chosen].target];
  for (let i = 0; i < targets.length; i++) if (i !== chosen) out.push(targets[i].target);
  return out;
}

function byKind(ai: AiSnapshot, view: AiTeamView, kind: string, model: string, catalogModel: CatalogModel | undefined): ResolvedTarget | undefined {
  const provider = view.providersByKind.get(kind)?.[0];
  if (provider === undefined) return undefined;
  return targetOf(provider, catalogModel?.model ?? model, ai.catalog);
}

function resolveName(ai: AiSnapshot, view: AiTeamView, name: string): Resolution | undefined {
  const alias = view.aliases.get(name);
  if (alias !== undefined) {
    const targets = alias.strategy === 'weighted' ? weightedOrder(alias.targets, alias.totalWeight) : alias.targets.map((t) => t.target);
    return { targets, canonical: alias.name };
  }
  const slash = name.indexOf('/');
  if (slash > 0) {
    const prefix = name.slice(0, slash);
    const rest = name.slice(slash + 1);
    const provider = view.providersByName.get(prefix);
    if (provider !== undefined && rest !== '') {
      const target = targetOf(provider, rest, ai.catalog);
      return { targets: [target], canonical: target.catalogId };
    }
    const known = ai.catalog.resolve(name);
    const target = byKind(ai, view, known?.provider ?? prefix, known ? known.model : rest, known);
    if (target !== undefined && rest !== '') return { targets: [target], canonical: target.catalogId };
    if (known !== undefined) return undefined;
  }
  const known = ai.catalog.resolve(name);
  const candidates = known !== undefined ? [known] : (ai.bareNames.get(name) ?? []);
  // Several kinds may offer the same bare name: the team's own provider wins, then the first kind.
  let best: ResolvedTarget | undefined;
  for (const m of candidates) {
    const target = byKind(ai, view, m.provider, m.model, m);
    if (target === undefined) continue;
    if (target.provider.teamId !== null) return { targets: [target], canonical: target.catalogId };
    best ??= target;
  }
  return best === undefined ? undefined : { targets: [best], canonical: best.catalogId };
}

function supports(provider: CompiledProvider, op: AiOperation): boolean {
  return op === 'chat' ? provider.descriptor.capabilities.chat : provider.descriptor.capabilities.embeddings;
}

/** Targets for `name`; throws GANTRY_ERR_AI_MODEL_NOT_FOUND, _NO_PROVIDER or _INVALID_REQUEST. */
export function resolveModel(ai: AiSnapshot, teamId: string, service: CompiledAiService, name: string, op: AiOperation): Resolution {
  const view = viewFor(ai, teamId);
  const resolution = resolveName(ai, view, name);
  if (resolution === undefined) throw notFound(name);
  if (service.models !== null && !service.models.has(name) && !service.models.has(resolution.canonical)) {
    throw notFound(name, 'is not offered by this service');
  }
  if (resolution.targets.length === 0) {
    throw new GantryError('GANTRY_ERR_AI_NO_PROVIDER', `The alias "${name}" has no enabled provider left to serve it`);
  }
  const usable = resolution.targets.filter((t) => supports(t.provider, op));
  if (usable.length === 0) {
    const p = resolution.targets[0].provider;
    throw new GantryError('GANTRY_ERR_AI_INVALID_REQUEST', `The provider "${p.name}" (${p.kind}) does not offer ${op === 'embeddings' ? 'embeddings' : 'chat'}; use a model of a provider that does`);
  }
  return { targets: usable, canonical: resolution.canonical };
}

export interface ModelListEntry {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

/** `GET /models`: the aliases, then catalog models of every provider kind the team can reach. */
export function listModels(ai: AiSnapshot, teamId: string, service: CompiledAiService): ModelListEntry[] {
  const view = viewFor(ai, teamId);
  const out: ModelListEntry[] = [];
  const seen = new Set<string>();
  const add = (id: string, owner: string): void => {
    if (seen.has(id) || (service.models !== null && !service.models.has(id))) return;
    seen.add(id);
    out.push({ id, object: 'model', created: 0, owned_by: owner });
  };
  for (const alias of view.aliases.values()) if (alias.targets.length > 0) add(alias.name, 'gantry');
  for (const [kind, providers] of view.providersByKind) {
    const owner = providers[0].name;
    for (const m of ai.catalog.list({ provider: kind as CatalogModel['provider'] })) if (!m.deprecated) add(m.id, owner);
  }
  if (service.models !== null) {
    // Listed names that resolve (e.g. `<provider name>/<model>` of a self-hosted model) are reachable too.
    for (const name of service.models) {
      if (seen.has(name)) continue;
      const r = resolveName(ai, view, name);
      if (r !== undefined && r.targets.length > 0) add(name, r.targets[0].provider.name);
    }
  }
  return out;
}
