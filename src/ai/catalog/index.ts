/**
 * The model catalog: the models Gantry ships (src/ai/catalog/data/) plus operator overrides.
 * Answers "which upstream model is `anthropic/claude-sonnet-4-5`", "what can it do" and
 * "what did this call cost". Built once and immutable; overrides produce a new catalog.
 */
import { GantryError, validationError, type ErrorDetail } from '../../core/errors.js';
import { priceUsage } from './cost.js';
import { shippedModels } from './data/index.js';
import type {
  CatalogModel,
  CatalogModelOverride,
  CostBreakdown,
  ModelMode,
  ProviderKind,
  TokenUsage,
} from './types.js';
import { modelErrors } from './validate.js';

export * from './types.js';
export { importLiteLLMPrices } from './litellm.js';
export type { LiteLLMImport, LiteLLMImportOptions } from './litellm.js';

export interface CatalogFilter {
  provider?: ProviderKind;
  mode?: ModelMode;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Drops keys whose value is `undefined`, so `{ notes: undefined }` means "no change". */
function defined<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The override applied to an existing model, or a new model (provider and model taken from the id when absent). */
function applyOverride(existing: CatalogModel | undefined, override: Record<string, unknown>): unknown {
  const { price, capabilities, ...rest } = defined(override);
  if (existing) {
    return {
      ...existing,
      ...rest,
      price: { ...existing.price, ...(isRecord(price) ? defined(price) : {}) },
      capabilities: { ...existing.capabilities, ...(isRecord(capabilities) ? defined(capabilities) : {}) },
    };
  }
  const id = String(override.id);
  const slash = id.indexOf('/');
  return {
    ...(slash > 0 ? { provider: id.slice(0, slash), model: id.slice(slash + 1) } : {}),
    ...rest,
    ...(price === undefined ? {} : { price }),
    ...(capabilities === undefined ? {} : { capabilities }),
  };
}

export class ModelCatalog {
  readonly #byId = new Map<string, CatalogModel>();
  readonly #byAlias = new Map<string, CatalogModel>();

  /** Validates every model; throws GANTRY_ERR_VALIDATION listing each problem. */
  constructor(models: readonly CatalogModel[]) {
    const details: ErrorDetail[] = [];
    models.forEach((candidate, i) => {
      const errors = modelErrors(candidate, `/models/${i}`);
      if (errors.length > 0) {
        details.push(...errors);
        return;
      }
      if (this.#byId.has(candidate.id)) {
        details.push({ path: `/models/${i}/id`, message: `duplicate model id "${candidate.id}"` });
        return;
      }
      this.#byId.set(candidate.id, deepFreeze(structuredClone(candidate)));
    });
    const owners = new Map<string, string[]>();
    for (const model of this.#byId.values()) {
      for (const alias of new Set(model.aliases ?? [])) owners.set(alias, [...(owners.get(alias) ?? []), model.id]);
    }
    for (const [alias, ids] of owners) {
      if (this.#byId.has(alias)) {
        details.push({ path: '/aliases', message: `alias "${alias}" of "${ids.join('", "')}" is already a model id` });
      } else if (ids.length > 1) {
        details.push({ path: '/aliases', message: `alias "${alias}" is claimed by "${ids.join('" and "')}"` });
      } else {
        this.#byAlias.set(alias, this.#byId.get(ids[0] as string) as CatalogModel);
      }
    }
    if (details.length > 0) throw validationError('The model catalog is not valid', details);
  }

  static #shipped: ModelCatalog | undefined;

  /** The catalog built from the models Gantry ships (built once, then shared). */
  static shipped(): ModelCatalog {
    ModelCatalog.#shipped ??= new ModelCatalog(shippedModels);
    return ModelCatalog.#shipped;
  }

  get size(): number {
    return this.#byId.size;
  }

  /** The model with exactly this id (`<provider>/<model>`, case-sensitive). */
  get(id: string): CatalogModel | undefined {
    return this.#byId.get(id);
  }

  /** An exact id first, then an alias. */
  resolve(nameOrAlias: string): CatalogModel | undefined {
    return this.#byId.get(nameOrAlias) ?? this.#byAlias.get(nameOrAlias);
  }

  list(filter: CatalogFilter = {}): CatalogModel[] {
    const out: CatalogModel[] = [];
    for (const model of this.#byId.values()) {
      if (filter.provider !== undefined && model.provider !== filter.provider) continue;
      if (filter.mode !== undefined && model.mode !== filter.mode) continue;
      out.push(model);
    }
    return out;
  }

  /**
   * A new catalog with the overrides applied in order. An override changes any field of an existing
   * model (`price` and `capabilities` may be partial) or adds a model (then it must be complete).
   * Throws GANTRY_ERR_VALIDATION with a detail per problem; this catalog is left unchanged.
   */
  withOverrides(overrides: readonly CatalogModelOverride[]): ModelCatalog {
    if (!Array.isArray(overrides)) {
      throw validationError('Model overrides must be a list', [{ path: '/overrides', message: 'must be an array' }]);
    }
    const next = new Map(this.#byId);
    const details: ErrorDetail[] = [];
    overrides.forEach((override: unknown, i) => {
      const base = `/overrides/${i}`;
      if (!isRecord(override) || typeof override.id !== 'string' || override.id.length === 0) {
        details.push({ path: `${base}/id`, message: 'each override needs the id of the model it changes or adds' });
        return;
      }
      const candidate = applyOverride(next.get(override.id), override);
      const errors = modelErrors(candidate, base);
      if (errors.length > 0) details.push(...errors);
      else next.set(override.id, candidate as CatalogModel);
    });
    if (details.length > 0) throw validationError('Model overrides are not valid', details);
    return new ModelCatalog([...next.values()]);
  }

  /** USD cost of one call on the model named by id or alias (see cost.ts for the arithmetic). */
  cost(id: string, usage: TokenUsage): CostBreakdown {
    const model = this.resolve(id);
    if (!model) throw new GantryError('GANTRY_ERR_NOT_FOUND', `Unknown model "${id}": it is not in the model catalog`);
    return priceUsage(model.price, usage);
  }
}
