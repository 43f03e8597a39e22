/**
 * The AI part of a config snapshot: providers with their opened keys, model resolution tables per
 * team, app limits, the catalog (with overrides) and the hooks. Immutable once built, like the rest
 * of the snapshot, except key states and round-robin cursors.
 */
import type { AiLimits } from '../../core/ai-limits.js';
import type { CatalogModel, ModelCatalog } from '../catalog/index.js';
import type { CompiledProvider } from '../providers/compiled.js';
import type { AiHooks } from './hooks.js';

/** One provider + model a call may be sent to. */
export interface ResolvedTarget {
  provider: CompiledProvider;
  /** The provider's own model id, sent upstream. */
  model: string;
  /** `<kind>/<model>`: the catalog id used for prices and usage records. */
  catalogId: string;
  catalogModel: CatalogModel | undefined;
}

export interface AliasTarget {
  target: ResolvedTarget;
  weight: number;
}

export interface CompiledAlias {
  name: string;
  teamId: string | null;
  strategy: 'fallback' | 'weighted';
  targets: AliasTarget[];
  totalWeight: number;
}

/** What one team may use: its own resources first, then organisation-wide ones. */
export interface AiTeamView {
  aliases: Map<string, CompiledAlias>;
  providersByName: Map<string, CompiledProvider>;
  /** Enabled providers of each kind, the team's before organisation-wide ones. */
  providersByKind: Map<string, CompiledProvider[]>;
}

/** Settings of an `ai` service, with defaults applied. */
export interface CompiledAiService {
  /** Names the service offers; null: every model the team may use. */
  models: ReadonlySet<string> | null;
  defaultMaxTokens: number;
  retries: number;
}

export interface AiSnapshot {
  catalog: ModelCatalog;
  /** Catalog models by their provider model id (`gpt-4o-mini` → openai/gpt-4o-mini, azure-openai/gpt-4o-mini). */
  bareNames: ReadonlyMap<string, readonly CatalogModel[]>;
  /** Enabled providers by id. */
  providers: ReadonlyMap<string, CompiledProvider>;
  /** Views of teams that own AI resources; other teams use `orgView`. */
  views: ReadonlyMap<string, AiTeamView>;
  orgView: AiTeamView;
  /** Apps with at least one AI limit. */
  appLimits: ReadonlyMap<string, AiLimits>;
  hooks: AiHooks;
}

export const DEFAULT_MAX_TOKENS = 4096;
export const DEFAULT_AI_RETRIES = 2;
