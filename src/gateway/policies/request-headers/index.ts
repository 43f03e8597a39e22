/** request-headers: transforms the headers sent upstream (rewrite phase). */
import type { RequestContext } from '../../context.js';
import { compileHeaderTransform } from '../shared/header-transform.js';
import type { PolicyDefinition } from '../types.js';
import { RequestHeadersOptions } from './schema.js';

export const requestHeadersPolicy: PolicyDefinition<typeof RequestHeadersOptions, RequestContext> = {
  type: 'request-headers',
  description: 'Set, add or remove headers of the request sent upstream.',
  schema: RequestHeadersOptions,
  priority: 100,
  phases: ['rewrite'],
  create(options) {
    const { drop, extra } = compileHeaderTransform(options);
    function requestHeaders(ctx: RequestContext): void {
      if (drop !== null) ctx.dropUpstreamHeaders(drop);
      if (extra !== null) ctx.addUpstreamHeaders(extra);
    }
    return { rewrite: requestHeaders };
  },
};
