/**
 * The catalog the admin API shows: the shipped models with the stored overrides applied, the way the
 * data plane applies them.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { CatalogModel, CatalogModelOverride, ModelCatalog } from '../../../ai/catalog/index.js';
import type { AiModelOverrideRecord } from '../../../core/ai-model.js';
import { GantryError, isGantryError, type ErrorDetail } from '../../../core/errors.js';
import type { Store } from '../../../store/types.js';

export interface EffectiveCatalog {
  catalog: ModelCatalog;
  /** Ids whose stored override was applied. */
  overridden: ReadonlySet<string>;
}

function toOverride(record: AiModelOverrideRecord): CatalogModelOverride {
  return { ...record.data, id: record.id } as CatalogModelOverride;
}

function isValidation(err: unknown): err is GantryError {
  return isGantryError(err) && err.code === 'GANTRY_ERR_VALIDATION';
}

/**
 * Applies the stored overrides (except `without`). An override the catalog no longer accepts (say,
 * after an upgrade renamed a shipped model) is left out and logged rather than taking the list down.
 */
export async function effectiveCatalog(
  base: ModelCatalog,
  store: Store,
  log: FastifyBaseLogger,
  without?: string,
): Promise<EffectiveCatalog> {
  const overrides = (await store.aiModels.list()).filter((r) => r.id !== without).map(toOverride);
  try {
    return { catalog: base.withOverrides(overrides), overridden: new Set(overrides.map((o) => o.id)) };
  } catch (err) {
    if (!isValidation(err)) throw err;
  }
  let catalog = base;
  const overridden = new Set<string>();
  for (const override of overrides) {
    try {
      catalog = catalog.withOverrides([override]);
      overridden.add(override.id);
    } catch (err) {
      if (!isValidation(err)) throw err;
      log.warn({ model: override.id, details: err.details }, 'stored model override no longer applies; ignored');
    }
  }
  return { catalog, overridden };
}

/**
 * The effective catalog for reads, rebuilt only when the config version moves: applying a large
 * import (a thousand overrides) takes a noticeable fraction of a second.
 */
export class EffectiveCatalogCache {
  #version = -1;
  #value: Promise<EffectiveCatalog> | undefined;

  constructor(
    private readonly base: ModelCatalog,
    private readonly store: Store,
  ) {}

  async get(log: FastifyBaseLogger): Promise<EffectiveCatalog> {
    // Read before the overrides: a change landing in between only makes the next call rebuild.
    const version = await this.store.getConfigVersion();
    if (this.#value && this.#version === version) return this.#value;
    const value = effectiveCatalog(this.base, this.store, log);
    this.#version = version;
    this.#value = value;
    value.catch(() => {
      if (this.#value === value) this.#value = undefined;
    });
    return value;
  }
}

/** Errors about `/overrides/0/...` of a one-override check, as paths in the request body. */
export function asBodyError(err: unknown, id: string): unknown {
  if (!isValidation(err)) return err;
  const details: ErrorDetail[] = (err.details ?? []).map((d) => {
    const path = d.path?.replace(/^\/overrides\/0(?=\/|$)/, '');
    return { ...d, path: path === '' ? '/' : path };
  });
  const first = details[0];
  const what = first ? `: ${first.path === '/' ? '' : `${first.path?.slice(1)} `}${first.message}` : '';
  return new GantryError('GANTRY_ERR_VALIDATION', `The override of model '${id}' is not valid${what}`, {
    details,
    cause: err,
  });
}

export interface ImportPlan {
  accepted: CatalogModel[];
  catalog: ModelCatalog;
  skipped: { key: string; reason: string }[];
}

/**
 * Which imported models the catalog takes. An import never carries aliases, so the one clash to
 * expect is an imported id that is already another model's alias; anything else is found by
 * applying the models one at a time.
 */
export function planImport(catalog: ModelCatalog, models: readonly CatalogModel[]): ImportPlan {
  const skipped: ImportPlan['skipped'] = [];
  const candidates = models.filter((model) => {
    const owner = catalog.resolve(model.id);
    if (owner && owner.id !== model.id) {
      skipped.push({ key: model.id, reason: `"${model.id}" is an alias of the catalog model "${owner.id}"` });
      return false;
    }
    return true;
  });
  try {
    return { accepted: candidates, catalog: catalog.withOverrides(candidates), skipped };
  } catch (err) {
    if (!isValidation(err)) throw err;
  }
  const accepted: CatalogModel[] = [];
  let next = catalog;
  for (const model of candidates) {
    try {
      next = next.withOverrides([model]);
      accepted.push(model);
    } catch (err) {
      if (!isValidation(err)) throw err;
      skipped.push({ key: model.id, reason: (err.details ?? []).map((d) => `${d.path ?? ''} ${d.message}`).join('; ') });
    }
  }
  return { accepted, catalog: next, skipped };
}
