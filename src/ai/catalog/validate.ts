/**
 * Validation of catalog entries: the TypeBox schema (compiled once) plus the rules a schema
 * cannot say, such as `id === provider/model`.
 */
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { ErrorDetail } from '../../core/errors.js';
import { CatalogModelSchema, type CatalogModel } from './types.js';

const checkModel = TypeCompiler.Compile(CatalogModelSchema);

/** Every problem with one candidate model, paths prefixed with `base` (e.g. `/overrides/2`). */
export function modelErrors(candidate: unknown, base = ''): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const err of checkModel.Errors(candidate)) {
    details.push({ path: `${base}${err.path}`, message: err.message });
  }
  if (details.length > 0) return details;
  const model = candidate as CatalogModel;
  if (model.id !== `${model.provider}/${model.model}`) {
    details.push({ path: `${base}/id`, message: `id must be "${model.provider}/${model.model}" (provider/model)` });
  }
  if (model.mode === 'chat' && model.context_window <= 0) {
    details.push({ path: `${base}/context_window`, message: 'a chat model needs a context window above 0' });
  }
  if (model.aliases?.includes(model.id)) {
    details.push({ path: `${base}/aliases`, message: 'an alias must differ from the model id' });
  }
  return details;
}

export function isCatalogModel(candidate: unknown): candidate is CatalogModel {
  return modelErrors(candidate).length === 0;
}
