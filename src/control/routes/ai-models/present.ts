import type { CatalogModel } from '../../../ai/catalog/index.js';
import { pickDeclared } from '../common/present.js';
import { ModelView } from './schema.js';

export function presentModel(model: CatalogModel, overridden: boolean): ModelView {
  return { ...pickDeclared<ModelView>(ModelView, model), overridden };
}
