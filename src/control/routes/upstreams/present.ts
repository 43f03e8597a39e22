import { Upstream } from '../../../core/model.js';
import { pickDeclared } from '../common/present.js';

export function presentUpstream(upstream: Upstream): Upstream {
  return pickDeclared<Upstream>(Upstream, upstream);
}
