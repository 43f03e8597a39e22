import { App } from '../../../core/model.js';
import { pickDeclared } from '../common/present.js';

export function presentApp(upstream: App): App {
  return pickDeclared<App>(App, upstream);
}
