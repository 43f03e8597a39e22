import { Route } from '../../../core/model.js';
import { pickDeclared } from '../common/present.js';

export function presentRoute(route: Route): Route {
  return pickDeclared<Route>(Route, route);
}
